package db

import (
	"context"
	"errors"
)

// ErrFormTokenUsed: the one-shot form token was used by another user.
var ErrFormTokenUsed = errors.New("form token already used")

// ClaimFormToken takes a one-shot form token inside the action's transaction. The
// first time it returns replay=false; on any later use by the same user (a double
// click, a resubmitted form) replay=true and prev is the result the first use
// recorded (SetFormTokenResult), so the action answers as before without doing it
// again. Because the claim is written in the same transaction as the action, a failed
// action (rolled back) leaves the token free. A token another user claimed is
// ErrFormTokenUsed. An empty token means the client sent none: the action runs without
// double-submit protection.
func (c *conn) ClaimFormToken(ctx context.Context, token string, userID int64) (replay bool, prev string, err error) {
	if token == "" {
		return false, "", nil
	}
	n, err := c.exec(ctx, `INSERT INTO form_tokens (token, user_id, result, created_at)
		VALUES (?, ?, '', ?) ON CONFLICT (token) DO NOTHING`, token, userID, Now())
	if err != nil || n == 1 {
		return false, "", err
	}
	var row struct {
		UserID int64  `db:"user_id"`
		Result string `db:"result"`
	}
	if err := c.get(ctx, &row, `SELECT user_id, result FROM form_tokens WHERE token = ?`, token); err != nil {
		return false, "", err
	}
	if row.UserID != userID || row.Result == "" {
		return false, "", ErrFormTokenUsed
	}
	return true, row.Result, nil
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
