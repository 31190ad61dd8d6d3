package handlers

import (
	"strings"
	"testing"
	"time"

	"recharge/db"
)

func TestNiceStep(t *testing.T) {
	cases := map[int64]int64{0: 100, 1: 100, 400: 100, 401: 200, 799: 200, 801: 500, 1999: 500, 2001: 1000, 5_000: 2000, 123_456: 50_000}
	for max, want := range cases {
		if got := niceStep(max, 4); got != want {
			t.Errorf("niceStep(%d) = %d, want %d", max, got, want)
		}
		if got := niceStep(max, 4); got*4 < max {
			t.Errorf("niceStep(%d)*4 = %d does not cover the max", max, got*4)
		}
	}
}

func TestBuildDayChart(t *testing.T) {
	days := make([]db.DaySums, 30)
	for i := range days {
		days[i].Day = int64(1_780_000_000/86400*86400 + i*86400)
	}
	days[29] = db.DaySums{Day: days[29].Day, PayoutCents: 1530, CreditCents: 2500, Count: 3}
	ch := buildDayChart(Locale{"fr", time.UTC}, "EUR", days)
	if ch.Empty || len(ch.Bars) != 30 || len(ch.Rows) != 30 || len(ch.XLabels) != 6 {
		t.Fatalf("chart: empty=%v bars=%d rows=%d xlabels=%d", ch.Empty, len(ch.Bars), len(ch.Rows), len(ch.XLabels))
	}
	// The tallest value fits in the plot: the credits dot of the last day is at or below the top.
	if ch.Ticks[len(ch.Ticks)-1].Label != "30 €" || ch.Bars[29].H == "0.0" || ch.Bars[0].H != "0.0" {
		t.Fatalf("ticks %v, last bar %+v", ch.Ticks, ch.Bars[29])
	}
	if !strings.Contains(ch.Bars[29].Title, "15,30") || !strings.Contains(ch.Bars[29].Title, "25,00") {
		t.Fatalf("title %q", ch.Bars[29].Title)
	}
	if ch.PayoutTotal != "15,30 €" || ch.Dots[0].Show || !ch.Dots[29].Show {
		t.Fatalf("totals %q, dots %v %v", ch.PayoutTotal, ch.Dots[0].Show, ch.Dots[29].Show)
	}
	if en := buildDayChart(Locale{"en", time.UTC}, "EUR", days); en.Ticks[1].Label != "€10" || en.XLabels[5].Label == ch.XLabels[5].Label {
		t.Fatalf("English labels: %v %v", en.Ticks, en.XLabels)
	}
	if empty := buildDayChart(Locale{"fr", time.UTC}, "EUR", make([]db.DaySums, 30)); !empty.Empty {
		t.Fatal("no payment should be an empty chart")
	}
}
