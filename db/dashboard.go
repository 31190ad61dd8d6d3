package db

import (
	"context"
	"sort"
	"strconv"
)

// DaySums is what credited Dedipass payments brought on one day.
type DaySums struct {
	Day         int64 `db:"day"` // unix time of the day's first second (midnight in the site's zone)
	PayoutCents int64 `db:"payout_cents"`
	CreditCents int64 `db:"credit_cents"`
	Count       int64 `db:"n"`
}

// slot is the grain of the SQL grouping: every time zone's offset from UTC is a
// multiple of 15 minutes, so a local midnight is a slot boundary and slots fall
// wholly inside one local day, whatever the zone (days of 23 or 25 hours included).
const slot = 900

// DedipassDaily sums the credited live payments (sandbox ones are not revenue) per
// day, the days being [bounds[i], bounds[i+1]) (local midnights of the site's zone:
// days need not be 86400 s long). Every day is present, zero when nothing was
// credited. The database groups by 15-minute slot (a few thousand rows at most);
// the slots are folded into days here.
func (c *conn) DedipassDaily(ctx context.Context, bounds []int64) ([]DaySums, error) {
	if len(bounds) < 2 {
		return nil, nil
	}
	from, to := bounds[0], bounds[len(bounds)-1]
	var rows []DaySums
	err := c.sel(ctx, &rows, `SELECT ? + ((credited_at - ?) / `+strconv.Itoa(slot)+`) * `+strconv.Itoa(slot)+` AS day,
		SUM(payout_cents) AS payout_cents, SUM(credit_cents) AS credit_cents, COUNT(*) AS n
		FROM payments WHERE credited_at IS NOT NULL AND credited_at >= ? AND credited_at < ? AND sandbox = `+c.store.dialect.False+`
		GROUP BY 1 ORDER BY 1`, from, from, from, to)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]DaySums, len(bounds)-1)
	for i := range out {
		out[i].Day = bounds[i]
	}
	for _, r := range rows {
		// the last day starting at or before the slot
		i := sort.Search(len(out), func(i int) bool { return bounds[i+1] > r.Day })
		if i < len(out) {
			out[i].PayoutCents += r.PayoutCents
			out[i].CreditCents += r.CreditCents
			out[i].Count += r.Count
		}
	}
	return out, nil
}

// RecentPayments lists the newest payments with their customer's email.
func (c *conn) RecentPayments(ctx context.Context, n int) ([]Payment, error) {
	var out []Payment
	err := c.sel(ctx, &out, `SELECT `+paymentCols+`, u.email AS user_email
		FROM payments p LEFT JOIN users u ON u.id = p.user_id ORDER BY p.id DESC LIMIT ?`, n)
	return out, classify(err)
}
