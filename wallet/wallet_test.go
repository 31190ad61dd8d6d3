package wallet_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"recharge/db"
	"recharge/db/dbtest"
	"recharge/shop"
	"recharge/wallet"
)

func newFixture(t *testing.T) (*dbtest.Fixture, *wallet.Wallet) {
	f := dbtest.New(t)
	return f, wallet.New(f.Store)
}

func enableTransfers(t *testing.T, f *dbtest.Fixture, min, max string) {
	t.Helper()
	set, err := shop.ParseFundForm(shop.FundForm{TransfersEnabled: true, TransferMin: min, TransferMax: max, Currency: "eur"})
	if err != nil {
		t.Fatal(err)
	}
	f.SaveFund(set)
}

func TestTransfers(t *testing.T) {
	f, w := newFixture(t)
	a, b := f.User("alice@example.com"), f.User("bob@example.com")
	f.Credit(a.ID, 10000)

	if _, err := w.Transfer(f.Ctx, f.Fund(), a.ID, "bob@example.com", "1", ""); !errors.Is(err, wallet.ErrTransfersDisabled) {
		t.Fatalf("disabled by default: %v", err)
	}
	enableTransfers(t, f, "1.00", "50")

	res, err := w.Transfer(f.Ctx, f.Fund(), a.ID, " Bob@Example.com ", "12,34", "t-1")
	if err != nil || res.Amount != 1234 || res.To != "bob@example.com" || res.BalanceAfter != 10000-1234 {
		t.Fatalf("transfer: %+v %v", res, err)
	}
	if f.Balance(a.ID) != 10000-1234 || f.Balance(b.ID) != 1234 {
		t.Fatal("balances after transfer")
	}
	if c := f.Count(`SELECT COUNT(*) FROM ledger_entries WHERE user_id = ? AND kind = 'transfer_out' AND amount_cents = -1234 AND reference = ?`, a.ID, fmt.Sprint("user:", b.ID)); c != 1 {
		t.Fatal("sender ledger entry missing")
	}
	if c := f.Count(`SELECT COUNT(*) FROM ledger_entries WHERE user_id = ? AND kind = 'transfer_in' AND amount_cents = 1234 AND reference = ?`, b.ID, fmt.Sprint("user:", a.ID)); c != 1 {
		t.Fatal("recipient ledger entry missing")
	}
	// Same form again: nothing moves.
	if res, err := w.Transfer(f.Ctx, f.Fund(), a.ID, "bob@example.com", "12.34", "t-1"); err != nil || !res.Replayed {
		t.Fatalf("replay: %+v %v", res, err)
	}
	if f.Balance(b.ID) != 1234 {
		t.Fatal("replayed transfer credited twice")
	}

	refused := []struct {
		to, amount string
		want       error
	}{
		{"alice@example.com", "1", wallet.ErrTransferToSelf},
		{"ALICE@example.com", "1", wallet.ErrTransferToSelf},
		{"nobody@example.com", "1", wallet.ErrUnknownRecipient},
		{"not an email", "1", wallet.ErrRecipientInvalid},
		{"bob@example.com", "0.99", wallet.ErrAmountTooSmall},
		{"bob@example.com", "50.01", wallet.ErrAmountTooLarge},
		{"bob@example.com", "0", wallet.ErrAmountInvalid},
		{"bob@example.com", "-5", wallet.ErrAmountInvalid},
		{"bob@example.com", "abc", wallet.ErrAmountInvalid},
		{"bob@example.com", "1.005", wallet.ErrAmountInvalid},
	}
	for _, c := range refused {
		if _, err := w.Transfer(f.Ctx, f.Fund(), a.ID, c.to, c.amount, ""); !errors.Is(err, c.want) {
			t.Errorf("transfer %q to %s: %v, want %v", c.amount, c.to, err, c.want)
		}
	}
	// Bob cannot send more than he has; nothing is written.
	if _, err := w.Transfer(f.Ctx, f.Fund(), b.ID, "alice@example.com", "12.35", ""); !errors.Is(err, wallet.ErrInsufficientFunds) {
		t.Fatalf("overdraw: %v", err)
	}
	if f.Balance(b.ID) != 1234 || f.Balance(a.ID) != 10000-1234 {
		t.Fatal("refused transfer moved money")
	}
	if c := f.Count(`SELECT COUNT(*) FROM ledger_entries WHERE user_id = ? AND kind = 'transfer_out'`, b.ID); c != 0 {
		t.Fatal("refused transfer left a ledger entry")
	}
}

func TestTransferRateLimitAndConcurrency(t *testing.T) {
	f, w := newFixture(t)
	a, b := f.User("alice@example.com"), f.User("bob@example.com")
	enableTransfers(t, f, "1", "")
	f.Credit(a.ID, 300) // affords 3 transfers of 1.00

	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, poor := 0, 0
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.Transfer(f.Ctx, f.Fund(), a.ID, "bob@example.com", "1", fmt.Sprint("c-", i))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, wallet.ErrInsufficientFunds):
				poor++
			default:
				t.Errorf("unexpected: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 3 || poor != 47 || f.Balance(a.ID) != 0 || f.Balance(b.ID) != 300 {
		t.Fatalf("concurrent transfers: ok %d poor %d", ok, poor)
	}
	// Rate limit: 10 per hour (3 already sent).
	f.Credit(a.ID, 100_00)
	for i := range wallet.TransfersPerHour - 3 {
		if _, err := w.Transfer(f.Ctx, f.Fund(), a.ID, "bob@example.com", "1", ""); err != nil {
			t.Fatalf("transfer %d: %v", i+4, err)
		}
	}
	if _, err := w.Transfer(f.Ctx, f.Fund(), a.ID, "bob@example.com", "1", ""); !errors.Is(err, wallet.ErrTooManyTransfers) {
		t.Fatalf("11th transfer in an hour: %v", err)
	}
	// An hour later it works again.
	dbtest.SetNow(t, time.Now().Unix()+3601)
	if _, err := w.Transfer(f.Ctx, f.Fund(), a.ID, "bob@example.com", "1", ""); err != nil {
		t.Fatalf("after an hour: %v", err)
	}
}

func TestAdjustWalletRules(t *testing.T) {
	f := dbtest.New(t)
	s, ctx, w := f.Store, f.Ctx, wallet.New(f.Store)
	u := &db.User{Email: "d@example.com", PasswordHash: "x", Role: "client", Custom: "d"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	a := db.Actor{IP: "127.0.0.1"}
	for _, c := range []struct {
		amount, reason string
		err            error
	}{
		{"abc", "r", wallet.ErrAdjustmentInvalid}, {"1.001", "r", wallet.ErrAdjustmentInvalid}, {"0", "r", wallet.ErrAdjustmentZero}, {"-0.00", "r", wallet.ErrAdjustmentZero},
		{"1", "", wallet.ErrReasonRequired}, {"1", strings.Repeat("x", 501), wallet.ErrReasonTooLong}, {"-0.01", "r", wallet.ErrAdjustmentNegative},
	} {
		if _, err := w.Adjust(ctx, a, u.ID, c.amount, c.reason, ""); !errors.Is(err, c.err) {
			t.Errorf("%q %q: %v, want %v", c.amount, c.reason, err, c.err)
		}
	}
	e, err := w.Adjust(ctx, a, u.ID, "+12,34", "  goodwill  ", "")
	if err != nil || e.BalanceAfterCents != 1234 || e.Note != "goodwill" || e.Kind != db.KindAdjustment {
		t.Fatalf("credit: %+v %v", e, err)
	}
	if _, err := w.Adjust(ctx, a, u.ID, "-12.35", "x", ""); !errors.Is(err, wallet.ErrAdjustmentNegative) {
		t.Fatalf("overdraft: %v", err)
	}
	if _, err := w.Adjust(ctx, a, 999, "1", "x", ""); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	bal, sum, _ := s.LedgerSum(ctx, u.ID)
	if bal != 1234 || sum != 1234 {
		t.Fatalf("balance %d, ledger %d", bal, sum)
	}
	// Refused adjustments leave no audit entry; the accepted one does.
	if _, total, _ := s.AuditPage(ctx, 10, 0); total != 1 {
		t.Fatalf("audit entries: %d", total)
	}
}
