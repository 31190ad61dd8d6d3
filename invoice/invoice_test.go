package invoice

import (
	"math"
	"math/big"
	"testing"
)

func TestNumber(t *testing.T) {
	for n, want := range map[int64]string{
		0: "F-000000", 1: "F-000001", 42: "F-000042", 999999: "F-999999",
		1000000: "F-1000000", 1234567890: "F-1234567890",
	} {
		if got := Number(n); got != want {
			t.Errorf("Number(%d) = %q, want %q", n, got, want)
		}
	}
	if got := FileName(42); got != "facture-F-000042.pdf" {
		t.Errorf("FileName(42) = %q", got)
	}
}

func TestSplitExamples(t *testing.T) {
	cases := []struct{ ttc, rate, ht, tva int64 }{
		{1200, 2000, 1000, 200}, // 12,00 TTC at 20 %: 10,00 + 2,00
		{1000, 2000, 833, 167},  // 166.67 → 167
		{250, 2000, 208, 42},    // 41.67 → 42
		{100, 550, 95, 5},       // 5.21 → 5
		{1, 2000, 1, 0},         // 0.1667 → 0
		{3, 2000, 2, 1},         // 0.5 → 1 (half rounds up)
		{9, 2000, 7, 2},         // 1.5 → 2 (half rounds up)
		{-9, 2000, -7, -2},      // negative totals mirror positive ones
		{1000, 0, 1000, 0},      // no VAT
		{1000, -5, 1000, 0},     // a bad rate is no VAT
		{0, 2000, 0, 0},         // nothing to split
		{1000, 10000, 500, 500}, // 100 %
		{1000, 20000, 500, 500}, // above 100 % is 100 %
		{2100, 1000, 1909, 191}, // 190.909… → 191
		{1050, 1000, 955, 95},   // 95.4545… → 95
		{11, 1000, 10, 1},       // 1 exactly
		{110, 1000, 100, 10},    // 10 exactly
		{2001, 210, 1960, 41},   // 2.1 %: 41.15… → 41
	}
	for _, c := range cases {
		ht, tva := Split(c.ttc, c.rate)
		if ht != c.ht || tva != c.tva {
			t.Errorf("Split(%d, %d) = %d, %d; want %d, %d", c.ttc, c.rate, ht, tva, c.ht, c.tva)
		}
	}
}

// splitRef is the rule computed with big rationals: round half away from zero.
func splitRef(ttc, rate int64) (int64, int64) {
	if rate <= 0 || ttc == 0 {
		return ttc, 0
	}
	if rate > MaxRate {
		rate = MaxRate
	}
	num := new(big.Int).Mul(big.NewInt(ttc), big.NewInt(rate))
	neg := num.Sign() < 0
	num.Abs(num)
	d := big.NewInt(MaxRate + rate)
	q, r := new(big.Int).QuoRem(num, d, new(big.Int))
	if new(big.Int).Mul(r, big.NewInt(2)).Cmp(d) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return ttc - q.Int64(), q.Int64()
}

// Every total from 0 to 5000 cents at every common French rate, and many rates on
// a few totals, agree with the reference; HT + TVA = TTC always; TVA ≤ HT × rate
// within half a cent.
func TestSplitExhaustive(t *testing.T) {
	rates := []int64{0, 1, 210, 550, 850, 1000, 1300, 1960, 2000, 9999, 10000}
	for _, rate := range rates {
		for ttc := int64(-500); ttc <= 5000; ttc++ {
			ht, tva := Split(ttc, rate)
			rht, rtva := splitRef(ttc, rate)
			if ht != rht || tva != rtva {
				t.Fatalf("Split(%d, %d) = %d, %d; reference %d, %d", ttc, rate, ht, tva, rht, rtva)
			}
			if ht+tva != ttc {
				t.Fatalf("Split(%d, %d): %d + %d ≠ %d", ttc, rate, ht, tva, ttc)
			}
			// |TVA×10000 − HT×rate| ≤ (10000+rate)/2: the tax is HT × rate to half a cent.
			diff := tva*MaxRate - ht*rate
			if diff < 0 {
				diff = -diff
			}
			if 2*diff > MaxRate+rate {
				t.Fatalf("Split(%d, %d): tax %d is not %d × %d bp to half a cent", ttc, rate, tva, ht, rate)
			}
		}
	}
	for rate := int64(0); rate <= MaxRate; rate++ {
		for _, ttc := range []int64{1, 99, 12345, 99999999} {
			ht, tva := Split(ttc, rate)
			rht, rtva := splitRef(ttc, rate)
			if ht != rht || tva != rtva {
				t.Fatalf("Split(%d, %d) = %d, %d; reference %d, %d", ttc, rate, ht, tva, rht, rtva)
			}
		}
	}
}

func TestSplitExtremes(t *testing.T) {
	for _, ttc := range []int64{math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1} {
		for _, rate := range []int64{1, 2000, 9999, 10000} {
			ht, tva := Split(ttc, rate)
			rht, rtva := splitRef(ttc, rate)
			if ht != rht || tva != rtva || ht+tva != ttc {
				t.Errorf("Split(%d, %d) = %d, %d; reference %d, %d", ttc, rate, ht, tva, rht, rtva)
			}
		}
	}
}

func TestRate(t *testing.T) {
	cases := []struct {
		lang string
		bp   int64
		want string
	}{
		{"fr", 2000, "20\u00a0%"}, {"en", 2000, "20\u00a0%"}, {"fr", 550, "5,5\u00a0%"}, {"en", 550, "5.5\u00a0%"},
		{"fr", 210, "2,1\u00a0%"}, {"en", 1, "0.01\u00a0%"}, {"fr", 0, "0\u00a0%"}, {"en", 10000, "100\u00a0%"},
		{"en", 1975, "19.75\u00a0%"},
	}
	for _, c := range cases {
		if got := Rate(c.lang, c.bp); got != c.want {
			t.Errorf("Rate(%s, %d) = %q, want %q", c.lang, c.bp, got, c.want)
		}
	}
}
