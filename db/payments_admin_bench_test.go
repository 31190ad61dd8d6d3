package db

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// BenchmarkFindPayments measures the admin code search on a large table: what one
// live-search request costs (count for data-total + one page of 25), with prefixes of
// every length taken from real codes, alone and with a status filter. It reports p50
// and p95 per request. Opt-in, since seeding takes a while:
//
//	RECHARGE_BENCH_ROWS=1000000 [RECHARGE_BENCH_DB=/tmp/bench.db] go test ./db -run '^$' -bench FindPayments -benchtime 2000x
//
// RECHARGE_BENCH_DB keeps the seeded file between runs.
func BenchmarkFindPayments(b *testing.B) {
	rows, _ := strconv.Atoi(os.Getenv("RECHARGE_BENCH_ROWS"))
	if rows <= 0 {
		b.Skip("set RECHARGE_BENCH_ROWS (e.g. 1000000) to run the search benchmark")
	}
	path := os.Getenv("RECHARGE_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.db")
	}
	s, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var codes []string
	if err := s.r.SelectContext(ctx, &codes, `SELECT code_key FROM payments ORDER BY random() LIMIT 5000`); err != nil {
		b.Fatal(err)
	}
	if len(codes) == 0 {
		t0 := time.Now()
		codes = seedPayments(b, s, rows, nil, 1)
		b.Logf("seeded %d payments in %v", rows, time.Since(t0))
	}
	statuses := []string{StatusCredited, StatusRefused, StatusTest}
	for _, shape := range []struct {
		name   string
		minLen int
		maxLen int
		status bool
	}{
		{"prefix1", 1, 1, false}, {"prefix2-8", 2, 8, false},
		{"prefix1+status", 1, 1, true}, {"prefix2-8+status", 2, 8, true},
	} {
		b.Run(shape.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(42, 7))
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				code := codes[r.IntN(len(codes))]
				n := shape.minLen + r.IntN(shape.maxLen-shape.minLen+1)
				f := PaymentFilter{Code: code[:min(n, len(code))]}
				if shape.status {
					f.Status = statuses[r.IntN(len(statuses))]
				}
				t0 := time.Now()
				if _, _, err := s.FindPayments(ctx, f, 25, 0); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
