package handlers

import (
	"strconv"
	"strings"
	"time"

	"recharge/db"
	"recharge/i18n"
	"recharge/money"
)

// dayChart is the geometry of the dashboard's SVG chart, computed here so the
// template only draws (no arithmetic, no money in templates). Coordinates are strings
// with one decimal, ready for attributes.
type dayChart struct {
	Width, Height int
	Left, Right   string // plot area, x
	Top, Bottom   string // plot area, y
	Bars          []chartBar
	Line          string // polyline points of the credits series
	Dots          []chartDot
	Ticks         []chartTick
	XLabels       []chartXLabel
	Rows          []chartRow // the same numbers as a table
	Empty         bool
	PayoutTotal   string
	CreditTotal   string
}

type chartBar struct{ X, Y, W, H, Title string }
type chartDot struct {
	X, Y, Title string
	Show        bool // days without credits get no dot: the flat line says it
}
type chartTick struct{ Y, Label string }
type chartXLabel struct{ X, Label string }
type chartRow struct{ Day, Payout, Credit, Count string }

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// niceStep is the smallest 1, 2 or 5 × 10^k cents (at least 1 €) such that `ticks`
// steps cover max.
func niceStep(max int64, ticks int64) int64 {
	raw := (max + ticks - 1) / ticks
	if raw < 100 {
		return 100
	}
	mag := int64(1)
	for mag*10 <= raw {
		mag *= 10
	}
	for _, m := range []int64{1, 2, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

// shortDay labels a day on the x axis.
func shortDay(l Locale, unix int64) string {
	tm := time.Unix(unix, 0).In(l.location())
	if l.Lang == "en" {
		return tm.Format("Jan 2")
	}
	return tm.Format("02/01")
}

// buildDayChart draws payout (bars) and wallet credits (line) per day on one money axis.
func buildDayChart(l Locale, currency string, days []db.DaySums) dayChart {
	lang := l.Lang
	const (
		width, height                  = 760, 310
		left, right, top, bottom       = 84.0, 736.0, 16.0, 234.0
		ticks                    int64 = 4
	)
	// Dedipass pays the merchant in EUR; wallet credits are in the shop currency.
	fmtPayout := func(c int64) string { return money.Cents(c).Format(lang, "EUR") }
	fmtMoney := func(c int64) string { return money.Cents(c).Format(lang, currency) }
	axisLabel := func(c int64) string { return wholeMoney(lang, "EUR", c) }
	if currency != "EUR" { // two currencies on one axis: plain numbers, units in the legend
		axisLabel = func(c int64) string { return strconv.FormatInt(c/100, 10) }
	}
	ch := dayChart{Width: width, Height: height, Left: f1(left), Right: f1(right), Top: f1(top), Bottom: f1(bottom), Empty: true}
	var peak, sumPayout, sumCredit int64
	for _, d := range days {
		peak = max(peak, d.PayoutCents, d.CreditCents)
		sumPayout += d.PayoutCents
		sumCredit += d.CreditCents
		if d.Count > 0 {
			ch.Empty = false
		}
	}
	ch.PayoutTotal, ch.CreditTotal = fmtPayout(sumPayout), fmtMoney(sumCredit)
	step := niceStep(peak, ticks)
	lines := max(1, (peak+step-1)/step) // gridlines above zero: up to `ticks`, fewer when that covers the peak
	top2 := step * lines
	y := func(c int64) float64 { return bottom - float64(c)/float64(top2)*(bottom-top) }
	for i := int64(0); i <= lines; i++ {
		ch.Ticks = append(ch.Ticks, chartTick{Y: f1(y(i * step)), Label: axisLabel(i * step)})
	}
	n := len(days)
	if n == 0 {
		return ch
	}
	slot := (right - left) / float64(n)
	var pts []string
	for i, d := range days {
		x := left + slot*float64(i)
		cx := x + slot/2
		label := shortDay(l, d.Day)
		title := i18n.Plural(lang, int64(d.Count), "admin.chart_point_one", "admin.chart_point_other",
			label, fmtPayout(d.PayoutCents), fmtMoney(d.CreditCents), d.Count)
		h := bottom - y(d.PayoutCents)
		ch.Bars = append(ch.Bars, chartBar{X: f1(x + slot*0.2), Y: f1(bottom - h), W: f1(slot * 0.6), H: f1(h), Title: title})
		pts = append(pts, f1(cx)+","+f1(y(d.CreditCents)))
		ch.Dots = append(ch.Dots, chartDot{X: f1(cx), Y: f1(y(d.CreditCents)), Title: title, Show: d.CreditCents > 0})
		if (n-1-i)%5 == 0 {
			ch.XLabels = append(ch.XLabels, chartXLabel{X: f1(cx), Label: label})
		}
		ch.Rows = append(ch.Rows, chartRow{Day: label, Payout: fmtPayout(d.PayoutCents), Credit: fmtMoney(d.CreditCents),
			Count: strconv.FormatInt(d.Count, 10)})
	}
	ch.Line = strings.Join(pts, " ")
	return ch
}

// wholeMoney formats an amount of whole currency units without decimals ("80 €",
// "€80"), short enough for an axis on a phone. Steps are whole units (niceStep).
func wholeMoney(lang, currency string, c int64) string {
	s := money.Cents(c).Format(lang, currency)
	if c%100 == 0 {
		s = strings.Replace(strings.Replace(s, ",00", "", 1), ".00", "", 1)
	}
	return s
}
