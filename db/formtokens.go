package db

import (
	"context"
)

// ClaimFormToken marks a one-shot form token as used (inside the action's transaction). It returns claimed=true
// the first time; on any later call (a double click, a resubmitted form) claimed=false
// and prev is the result recorded by the first use. Because the claim is written in the
// same transaction as the action, a failed action (rolled back) leaves the token free.
// A token used by another user counts as not claimable (claimed=false, prev="").
func (c *conn) ClaimFormToken(ctx context.Context, token string, userID int64) (claimed bool, prev string, err error) {
	n, err := c.exec(ctx, `INSERT INTO form_tokens (token, user_id, result, created_at)
		VALUES (?, ?, '', ?) ON CONFLICT (token) DO NOTHING`, token, userID, Now())
	if err != nil {
		return false, "", classify(err)
	}
	if n == 1 {
		return true, "", nil
	}
	var row struct {
		UserID int64  `db:"user_id"`
		Result string `db:"result"`
	}
	if err := c.get(ctx, &row, `SELECT user_id, result FROM form_tokens WHERE token = ?`, token); err != nil {
		return false, "", classify(err)
	}
	if row.UserID != userID {
		return false, "", nil
	}
	return false, row.Result, nil
}

// SetFormTokenResult records what the first use of a token did (e.g. "invoice:12").
func (c *conn) SetFormTokenResult(ctx context.Context, token, result string) error {
	_, err := c.exec(ctx, `UPDATE form_tokens SET result = ? WHERE token = ?`, result, token)
	return classify(err)
}

// DeleteFormTokensBefore forgets tokens created before the given time (they are refused
// as expired by then anyway).
func (c *conn) DeleteFormTokensBefore(ctx context.Context, before int64) error {
	_, err := c.exec(ctx, `DELETE FROM form_tokens WHERE created_at < ?`, before)
	return classify(err)
}
