package db

import (
	"context"
	"testing"
	"time"
)

// utcDays are the bounds of n UTC days from a midnight UTC.
func utcDays(from int64, n int) []int64 {
	b := make([]int64, n+1)
	for i := range b {
		b[i] = from + int64(i)*86400
	}
	return b
}

// Days of a zone with a daylight-saving change: the day of the change is 23 hours long,
// and a payment at 23:30 local time counts on that local day, not the UTC one.
func TestDedipassDailyZone(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	var bounds []int64
	for d := 0; d <= 3; d++ { // 29, 30 (23 h: summer time), 31 March 2025
		bounds = append(bounds, time.Date(2025, 3, 29+d, 0, 0, 0, 0, paris).Unix())
	}
	ins := func(code string, at time.Time, credit int64) {
		_, err := s.ExecSQL(ctx, `INSERT INTO payments (code, code_key, status, payout_cents, credit_cents, created_at, updated_at, credited_at)
			VALUES (?, ?, 'credited', 0, ?, 1, 1, ?)`, code, code, credit, at.Unix())
		if err != nil {
			t.Fatal(err)
		}
	}
	ins("Z1", time.Date(2025, 3, 29, 0, 10, 0, 0, paris), 1)  // 28 March 23:10 UTC: day 0 here
	ins("Z2", time.Date(2025, 3, 30, 23, 30, 0, 0, paris), 2) // after the change, still day 1
	ins("Z3", time.Date(2025, 3, 31, 0, 0, 0, 0, paris), 4)   // day 2
	got, err := s.DedipassDaily(ctx, bounds)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].CreditCents != 1 || got[1].CreditCents != 2 || got[2].CreditCents != 4 || got[1].Day != bounds[1] {
		t.Fatalf("days in Europe/Paris: %+v", got)
	}
}

func TestDedipassDailyBuckets(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	const day0 = int64(1_780_000_000 / 86400 * 86400) // a midnight UTC
	ins := func(code string, creditedAt *int64, payout, credit int64) {
		_, err := s.ExecSQL(ctx, `INSERT INTO payments (code, code_key, status, payout_cents, credit_cents, created_at, updated_at, credited_at)
			VALUES (?, ?, ?, ?, ?, 1, 1, ?)`, code, code, map[bool]string{true: "credited", false: "refused"}[creditedAt != nil], payout, credit, creditedAt)
		if err != nil {
			t.Fatal(err)
		}
	}
	at := func(v int64) *int64 { return &v }
	ins("A1", at(day0-1), 999, 999)       // the day before: outside
	ins("A2", at(day0), 100, 200)         // first second of day 0
	ins("A3", at(day0+86399), 10, 20)     // last second of day 0
	ins("A4", at(day0+86400), 1, 2)       // day 1
	ins("A5", at(day0+2*86400+5), 7, 7)   // day 2
	ins("A6", nil, 5000, 0)               // never credited: not revenue
	ins("A7", at(day0+3*86400), 999, 999) // after the window
	got, err := s.DedipassDaily(ctx, utcDays(day0, 3))
	if err != nil {
		t.Fatal(err)
	}
	want := []DaySums{{day0, 110, 220, 2}, {day0 + 86400, 1, 2, 1}, {day0 + 2*86400, 7, 7, 1}}
	if len(got) != len(want) {
		t.Fatalf("got %d days", len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("day %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// Days without credits are present, with zeros.
	got, _ = s.DedipassDaily(ctx, utcDays(day0+10*86400, 2))
	if len(got) != 2 || got[1].Day != day0+11*86400 || got[0].Count != 0 {
		t.Fatalf("empty days: %+v", got)
	}
}
