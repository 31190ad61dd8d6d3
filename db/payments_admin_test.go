package db

import (
	"context"
	"slices"
	"strings"
	"testing"

	"recharge/dedipass"
)

func openTestStore(t testing.TB) *Store {
	t.Helper()
	dsn, drop, err := TestDSN(t.TempDir(), "t")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(dsn)
	if err != nil {
		drop()
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); drop() })
	return s
}

func testUsers(t testing.TB, s *Store, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		u := &User{Email: "u" + string(rune('a'+i)) + "@example.com", PasswordHash: "x", Role: "client", Custom: "c" + string(rune('a'+i))}
		if err := s.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	return ids
}

// codeFilter is the filter the admin page builds from a typed search (the caller
// normalises; db only reads the prefix).
func codeFilter(q string) PaymentFilter {
	prefix, ok := dedipass.SearchPrefix(q)
	return PaymentFilter{Code: prefix, NoCode: !ok}
}

// The prefix search gives exactly what a brute-force filter gives, newest first, for
// every prefix length, with and without a status or a customer.
func TestFindPaymentsMatchesBruteForce(t *testing.T) {
	s := openTestStore(t)
	users := testUsers(t, s, 3)
	seedPayments(t, s, 4000, users, 7)
	ctx := context.Background()
	var all []Payment
	if err := s.r.SelectContext(ctx, &all, `SELECT `+paymentCols+` FROM payments p ORDER BY p.id DESC`); err != nil {
		t.Fatal(err)
	}
	prefixes := []string{"", "A", "z", "0", "9", "AB", "ab", "Z9", "ABC", all[17].Code[:4], strings.ToLower(all[99].Code), all[5].Code[:7], "ZZZZZZZZZ"}
	for _, q := range prefixes {
		for _, st := range []string{"", StatusCredited, StatusPending, StatusTest} {
			for _, uid := range []int64{0, users[1]} {
				f := codeFilter(q)
				f.Status, f.UserID = st, uid
				var want []int64
				for _, p := range all {
					if strings.HasPrefix(p.CodeKey, strings.ToUpper(q)) && (st == "" || p.Status == st) && (uid == 0 || p.SameUser(uid)) {
						want = append(want, p.ID)
					}
				}
				for _, page := range []struct{ limit, offset int }{{25, 0}, {25, 25}, {10, 100}} {
					got, total, err := s.FindPayments(ctx, f, page.limit, page.offset)
					if err != nil {
						t.Fatalf("%+v: %v", f, err)
					}
					if total != int64(len(want)) {
						t.Fatalf("%+v: total %d, want %d", f, total, len(want))
					}
					lo, hi := min(page.offset, len(want)), min(page.offset+page.limit, len(want))
					var ids []int64
					for _, p := range got {
						ids = append(ids, p.ID)
					}
					if !slices.Equal(ids, want[lo:hi]) {
						t.Fatalf("%+v page %+v: got %v, want %v", f, page, ids, want[lo:hi])
					}
				}
				// The export walks the same rows, in the same order.
				var ids []int64
				if err := s.EachPayment(ctx, f, func(p *Payment) error { ids = append(ids, p.ID); return nil }); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids, want) {
					t.Fatalf("%+v export: %d rows, want %d", f, len(ids), len(want))
				}
			}
		}
	}
}

// Anything but letters and digits cannot be part of a code: no row, no query, and in
// particular no LIKE wildcard.
func TestFindPaymentsLiteralQuery(t *testing.T) {
	s := openTestStore(t)
	seedPayments(t, s, 300, nil, 3)
	ctx := context.Background()
	for _, q := range []string{"%", "_", "A%", "A_", "'", `\`, `"`, "' OR 1=1 --", "AB CD", "é", "A\x00", strings.Repeat("A", 65)} {
		got, total, err := s.FindPayments(ctx, codeFilter(q), 25, 0)
		if err != nil || total != 0 || len(got) != 0 {
			t.Errorf("q=%q: %d rows, total %d, err %v", q, len(got), total, err)
		}
		if _, _, _, ok := codeFilter(q).findSQL(s.dialect); ok {
			t.Errorf("q=%q: a query would run", q)
		}
	}
}

type planRow struct {
	ID     int    `db:"id"`
	Parent int    `db:"parent"`
	NotU   int    `db:"notused"`
	Detail string `db:"detail"`
}

func queryPlan(t *testing.T, s *Store, q string, args []any) string {
	t.Helper()
	var rows []planRow
	if err := s.r.SelectContext(context.Background(), &rows, "EXPLAIN QUERY PLAN "+q, args...); err != nil {
		t.Fatalf("explain: %v\n%s", err, q)
	}
	var lines []string
	for _, r := range rows {
		lines = append(lines, r.Detail)
	}
	return strings.Join(lines, "\n")
}

// The code search must stay fast on millions of rows: every statement it runs reads
// an index range, never the whole payments table. Checked before and after ANALYZE
// (statistics change SQLite's choices).
func TestFindPaymentsQueryPlanUsesIndex(t *testing.T) {
	s := openTestStore(t)
	if s.Engine() != "sqlite" {
		t.Skip("SQLite's query plans; PostgreSQL's code search speed is measured by the benchmark")
	}
	users := testUsers(t, s, 2)
	seedPayments(t, s, 3000, users, 11)
	filters := []PaymentFilter{
		{Code: "A"}, {Code: "a"}, {Code: "AB"}, {Code: "AB12CD34"},
		{Code: "A", Status: StatusCredited}, {Code: "AB", Status: StatusRefused},
		{Code: "AB", UserID: users[0]}, {Code: "A", Status: StatusTest, UserID: users[1]},
	}
	for _, analyzed := range []bool{false, true} {
		if analyzed {
			if _, err := s.w.Exec(`ANALYZE`); err != nil {
				t.Fatal(err)
			}
			// New statistics are read by new connections.
			s.r.SetMaxIdleConns(0)
			s.r.SetMaxIdleConns(4)
		}
		for _, f := range filters {
			count, page, args, ok := f.findSQL(s.dialect)
			if !ok {
				t.Fatalf("%+v: no query", f)
			}
			export, _, _ := f.exportSQL(s.dialect)
			for name, q := range map[string]string{"count": count, "page": page, "export": export} {
				a := args
				if name == "page" {
					a = append(slices.Clone(args), 25, 0)
				}
				plan := queryPlan(t, s, q, a)
				for _, line := range strings.Split(plan, "\n") {
					if strings.HasPrefix(line, "SCAN p") || strings.HasPrefix(line, "SCAN payments") {
						t.Errorf("analyzed=%v %+v %s: full scan of payments:\n%s", analyzed, f, name, plan)
					}
				}
				if f.UserID == 0 && !strings.Contains(plan, "INDEX payments_code_") {
					t.Errorf("analyzed=%v %+v %s: code index not used:\n%s", analyzed, f, name, plan)
				}
			}
		}
	}
}
