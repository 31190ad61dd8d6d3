package billing_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"recharge/billing"
	"recharge/db"
	"recharge/dedipass"
)

// FuzzCallback feeds arbitrary callback fields, with the right key and without. The
// callback never fails with an internal error, never credits without the key, answers
// only the outcomes of SPEC §5.4, and the ledger always matches the balance.
func FuzzCallback(f *testing.F) {
	f.Add("success", "ABC123", "2.5", "1.20", true, true)
	f.Add("success", "ABC123", "-1", "x", true, true)
	f.Add("error", "ABC123", "", "", true, false)
	f.Add("success", "AB%_'\"\\", "1", "1", true, true)
	f.Add("success", "ABC123", "1e9", "1", false, true)
	f.Add("success", "ABC123", "99999999999999999999", "1", true, true)
	f.Add("success", " lower1 ", "1", "1", true, true) // found by the fuzzer: trimmed, upper-cased key
	fx := setup(f)
	f.Fuzz(func(t *testing.T, status, code, vc, payout string, rightKey, knownCustomer bool) {
		form := url.Values{"status": {status}, "code": {code}, "virtual_currency": {vc}, "payout": {payout}, "rate": {"FR-SMS-250"}}
		form.Set("custom", "nobody")
		if knownCustomer {
			form.Set("custom", fx.alice.Custom)
		}
		form.Set("privateKey", "wrong")
		if rightKey {
			form.Set("privateKey", priv)
		}
		before, _, _ := fx.store.LedgerSum(context.Background(), fx.alice.ID)
		r, err := fx.d.Callback(context.Background(), fx.cfg(), form)
		if err != nil {
			t.Fatalf("internal error: %v", err)
		}
		switch r.Outcome {
		case billing.CallbackCredited, billing.CallbackAlreadyCredited, billing.CallbackRecorded, billing.CallbackWrongKey,
			billing.CallbackInvalid, billing.CallbackUnknownCustomer, billing.CallbackCreditedToOther:
		default:
			t.Fatalf("outcome %d", r.Outcome)
		}
		bal, sum, err := fx.store.LedgerSum(context.Background(), fx.alice.ID)
		if err != nil || bal != sum || bal < 0 {
			t.Fatalf("ledger %d != balance %d (%v)", sum, bal, err)
		}
		if !rightKey && (r.Outcome != billing.CallbackWrongKey || bal != before) {
			t.Fatalf("wrong key: %+v, balance %d -> %d", r, before, bal)
		}
		if bal != before {
			p, err := fx.store.PaymentByCode(context.Background(), dedipass.CodeKey(strings.TrimSpace(code)))
			if err != nil || p.Status != db.StatusCredited {
				t.Fatalf("balance moved without a credited payment: %+v %v", p, err)
			}
		}
	})
}
