package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
)

// chartDays is how many days the dashboard chart shows.
const chartDays = 30

// dashboardDays are the bounds of the days the dashboard sums, in the site's zone:
// from the first of the month or chartDays ago, whichever is earlier, to the end of
// today (local midnights: a day of a daylight-saving change is 23 or 25 hours long).
// month is the start of this month.
func dashboardDays(now int64, loc *time.Location) (bounds []int64, month int64) {
	t := time.Unix(now, 0).In(loc)
	today := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	start := today.AddDate(0, 0, -(chartDays - 1))
	if first.Before(start) {
		start = first
	}
	for d := start; !d.After(today); d = d.AddDate(0, 0, 1) {
		bounds = append(bounds, d.Unix())
	}
	return append(bounds, today.AddDate(0, 0, 1).Unix()), first.Unix()
}

// adminDashboard: GET /admin — Dedipass revenue and credits per day (the site's days), the
// totals of today and this month, customers and the last payments. One pass over the
// credited payments gives the chart and both totals.
func (s *Server) adminDashboard(c *fiber.Ctx) error {
	ctx := c.UserContext()
	loc := s.localeOf(c)
	bounds, month := dashboardDays(db.Now(), loc.Loc)
	customers, err := s.store.CountUsers(ctx, "client")
	if err != nil {
		return err
	}
	days, err := s.store.DedipassDaily(ctx, bounds)
	if err != nil {
		return err
	}
	var dayTotals, monthTotals db.DaySums
	for _, d := range days {
		if d.Day >= month {
			monthTotals.PayoutCents += d.PayoutCents
			monthTotals.CreditCents += d.CreditCents
			monthTotals.Count += d.Count
		}
	}
	dayTotals = days[len(days)-1]
	recent, err := s.store.RecentPayments(ctx, 10)
	if err != nil {
		return err
	}
	return s.page(c, fiber.StatusOK, "admin/dashboard", tr(c, "nav.dashboard"), fiber.Map{
		"Nav": "admin_dashboard", "Customers": customers, "Today": dayTotals, "Month": monthTotals,
		"Chart": buildDayChart(loc, s.currencyCode(), days[len(days)-chartDays:]), "Payments": recent,
	})
}
