package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
)

// chartDays is how many days the dashboard chart shows.
const chartDays = 30

// adminDashboard: GET /admin — Dedipass revenue and credits per day (UTC days), the
// totals of today and this month, customers and the last payments. One pass over the
// credited payments gives the chart and both totals.
func (s *Server) adminDashboard(c *fiber.Ctx) error {
	ctx := c.UserContext()
	now := time.Unix(db.Now(), 0).UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).Unix()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).Unix()
	from := min(month, today-(chartDays-1)*86400)
	customers, err := s.store.CountUsers(ctx, "client")
	if err != nil {
		return err
	}
	days, err := s.store.DedipassDaily(ctx, from, int((today-from)/86400)+1)
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
		"Chart": buildDayChart(langOf(c), s.currencyCode(), days[len(days)-chartDays:]), "Payments": recent,
	})
}
