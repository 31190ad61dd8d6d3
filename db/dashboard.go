package db

import "context"

// DaySums is what credited Dedipass payments brought on one day.
type DaySums struct {
	Day         int64 `db:"day"` // unix time of 00:00 UTC
	PayoutCents int64 `db:"payout_cents"`
	CreditCents int64 `db:"credit_cents"`
	Count       int64 `db:"n"`
}

// DedipassDaily sums the credited live payments (sandbox ones are not revenue) per UTC day from `from` (a midnight UTC)
// for `days` days. Every day is present, zero when nothing was credited.
func (c *conn) DedipassDaily(ctx context.Context, from int64, days int) ([]DaySums, error) {
	var rows []DaySums
	err := c.sel(ctx, &rows, `SELECT ? + ((credited_at - ?) / 86400) * 86400 AS day,
		SUM(payout_cents) AS payout_cents, SUM(credit_cents) AS credit_cents, COUNT(*) AS n
		FROM payments WHERE credited_at IS NOT NULL AND credited_at >= ? AND credited_at < ? AND sandbox = `+c.store.dialect.False+`
		GROUP BY 1 ORDER BY 1`, from, from, from, from+int64(days)*86400)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]DaySums, days)
	for i := range out {
		out[i].Day = from + int64(i)*86400
	}
	for _, r := range rows {
		if i := (r.Day - from) / 86400; i >= 0 && i < int64(days) {
			out[i] = r
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
