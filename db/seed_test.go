package db

import (
	"context"
	"math/rand/v2"
	"testing"
)

const codeAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// seedPayments inserts n payments with random 8-character codes spread over users, in
// one transaction (fast enough for a million rows). Codes are returned in insert order.
func seedPayments(t testing.TB, s *Store, n int, userIDs []int64, seed uint64) []string {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	statuses := []string{StatusCredited, StatusCredited, StatusCredited, StatusRefused, StatusError, StatusTest, StatusPending}
	codes := make([]string, 0, n)
	seen := make(map[string]bool, n)
	err := s.Tx(context.Background(), func(tx *Tx) error {
		st, err := tx.tx.Prepare(s.dialect.rebind(`INSERT INTO payments (code, code_key, user_id, status, source, rate, solution, country,
			payout_cents, credit_cents, created_at, updated_at, credited_at) VALUES (?, ?, ?, ?, 'callback', 'FR-SMS-250', 'SMS', 'FR', ?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer st.Close()
		base := Now() - int64(n)
		var b [8]byte
		for len(codes) < n {
			for i := range b {
				b[i] = codeAlphabet[r.IntN(len(codeAlphabet))]
			}
			code := string(b[:])
			if seen[code] {
				continue
			}
			seen[code] = true
			status := statuses[r.IntN(len(statuses))]
			var uid any
			if len(userIDs) > 0 {
				uid = userIDs[r.IntN(len(userIDs))]
			}
			at := base + int64(len(codes))
			var credited any
			payout, credit := int64(0), int64(0)
			if status == StatusCredited {
				credited, payout, credit = at, 150, 250
			}
			if _, err := st.Exec(code, code, uid, status, payout, credit, at, at, credited); err != nil {
				return err
			}
			codes = append(codes, code)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed payments: %v", err)
	}
	return codes
}
