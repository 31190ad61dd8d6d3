package handlers

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"recharge/accounts"
	"recharge/backoffice"
	"recharge/billing"
	"recharge/shop"
	"recharge/wallet"
)

// domainErrors is every sentinel error the domain packages export, by name. The test
// below reads the packages' sources, so a new sentinel fails it until it is listed
// here and given its row in errorTable.
var domainErrors = map[string]error{
	"accounts.ErrEmailInvalid":      accounts.ErrEmailInvalid,
	"accounts.ErrPasswordTooShort":  accounts.ErrPasswordTooShort,
	"accounts.ErrPasswordTooLong":   accounts.ErrPasswordTooLong,
	"accounts.ErrNameTooLong":       accounts.ErrNameTooLong,
	"accounts.ErrEmailTaken":        accounts.ErrEmailTaken,
	"accounts.ErrBadCredentials":    accounts.ErrBadCredentials,
	"accounts.ErrTooManyAttempts":   accounts.ErrTooManyAttempts,
	"accounts.ErrTooManySignUps":    accounts.ErrTooManySignUps,
	"accounts.ErrBusy":              accounts.ErrBusy,
	"accounts.ErrSetupClosed":       accounts.ErrSetupClosed,
	"accounts.ErrNoMail":            accounts.ErrNoMail,
	"accounts.ErrTooManyResets":     accounts.ErrTooManyResets,
	"accounts.ErrLinkInvalid":       accounts.ErrLinkInvalid,
	"accounts.ErrWrongPassword":     accounts.ErrWrongPassword,
	"accounts.ErrSameEmail":         accounts.ErrSameEmail,
	"accounts.ErrLangUnknown":       accounts.ErrLangUnknown,
	"accounts.ErrSuspended":         accounts.ErrSuspended,
	"accounts.ErrSelfSuspension":    accounts.ErrSelfSuspension,
	"accounts.ErrLastAdmin":         accounts.ErrLastAdmin,
	"accounts.ErrNotAdmin":          accounts.ErrNotAdmin,
	"accounts.ErrTwoFactorCode":     accounts.ErrTwoFactorCode,
	"accounts.ErrTwoFactorPassword": accounts.ErrTwoFactorPassword,
	"accounts.ErrTwoFactorOn":       accounts.ErrTwoFactorOn,
	"accounts.ErrTwoFactorOff":      accounts.ErrTwoFactorOff,
	"accounts.ErrTwoFactorExpired":  accounts.ErrTwoFactorExpired,

	"billing.ErrNotSandbox":          billing.ErrNotSandbox,
	"billing.ErrTooManySandboxCodes": billing.ErrTooManySandboxCodes,
	"billing.ErrSettings":            &billing.ErrSettings{Field: "unit_cents"},
	"billing.ErrNotPending":          billing.ErrNotPending,
	"billing.ErrSandboxAdminOnly":    billing.ErrSandboxAdminOnly,
	"billing.ErrUnknownSandboxOffer": billing.ErrUnknownSandboxOffer,
	"billing.ErrNoCredit":            billing.ErrNoCredit,
	"billing.ErrAssignUnknownEmail":  billing.ErrAssignUnknownEmail,
	"billing.ErrRefuseReason":        billing.ErrRefuseReason,

	"backoffice.ErrUnknownModule": backoffice.ErrUnknownModule,
	"backoffice.ErrFundRequired":  backoffice.ErrFundRequired,
	"backoffice.ErrInvalidRole":   backoffice.ErrInvalidRole,
	"backoffice.ErrSelfDemotion":  backoffice.ErrSelfDemotion,
	"backoffice.ErrLastAdmin":     backoffice.ErrLastAdmin,
	"backoffice.ErrNotAdmin":      backoffice.ErrNotAdmin,
	// Site settings (issue 11).
	"backoffice.ErrSiteNameInvalid":       backoffice.ErrSiteNameInvalid,
	"backoffice.ErrSupportContactInvalid": backoffice.ErrSupportContactInvalid,
	"backoffice.ErrTimezoneInvalid":       backoffice.ErrTimezoneInvalid,
	"backoffice.ErrLogoTooLarge":          backoffice.ErrLogoTooLarge,
	"backoffice.ErrLogoNotPNG":            backoffice.ErrLogoNotPNG,
	"backoffice.ErrLogoDimensions":        backoffice.ErrLogoDimensions,
	"shop.ErrCurrencyLocked":              shop.ErrCurrencyLocked,
	"shop.ErrFundOff":                     shop.ErrFundOff,
	"shop.ErrRenewalStopped":              shop.ErrRenewalStopped,
	"shop.ErrProductRetired":              shop.ErrProductRetired,
	"shop.ErrNotCancellable":              shop.ErrNotCancellable,
	"wallet.ErrCustomerNoteTooLong":       wallet.ErrCustomerNoteTooLong,

	"wallet.ErrInsufficientFunds":  wallet.ErrInsufficientFunds,
	"wallet.ErrTransferNotCovered": wallet.ErrTransferNotCovered,
	"wallet.ErrAdjustmentInvalid":  wallet.ErrAdjustmentInvalid,
	"wallet.ErrAdjustmentZero":     wallet.ErrAdjustmentZero,
	"wallet.ErrBalanceTooLarge":    wallet.ErrBalanceTooLarge,
	"wallet.ErrReasonRequired":     wallet.ErrReasonRequired,
	"wallet.ErrReasonTooLong":      wallet.ErrReasonTooLong,
	"wallet.ErrAdjustmentNegative": wallet.ErrAdjustmentNegative,

	"shop.ErrInsufficientFunds":         shop.ErrInsufficientFunds,
	"shop.ErrOutOfStock":                shop.ErrOutOfStock,
	"shop.ErrNotForSale":                shop.ErrNotForSale,
	"shop.ErrTokenUsed":                 shop.ErrTokenUsed,
	"shop.ErrNameRequired":              shop.ErrNameRequired,
	"shop.ErrNameTooLong":               shop.ErrNameTooLong,
	"shop.ErrDescriptionTooLong":        shop.ErrDescriptionTooLong,
	"shop.ErrPriceInvalid":              shop.ErrPriceInvalid,
	"shop.ErrPriceNegative":             shop.ErrPriceNegative,
	"shop.ErrPeriodInvalid":             shop.ErrPeriodInvalid,
	"shop.ErrStockInvalid":              shop.ErrStockInvalid,
	"shop.ErrNotRenewable":              shop.ErrNotRenewable,
	"shop.ErrRenewTooEarly":             shop.ErrRenewTooEarly,
	"shop.ErrStatusInvalid":             shop.ErrStatusInvalid,
	"shop.ErrStatusForbidden":           shop.ErrStatusForbidden,
	"wallet.ErrTransfersDisabled":       wallet.ErrTransfersDisabled,
	"wallet.ErrAmountInvalid":           wallet.ErrAmountInvalid,
	"wallet.ErrAmountTooSmall":          wallet.ErrAmountTooSmall,
	"wallet.ErrAmountTooLarge":          wallet.ErrAmountTooLarge,
	"wallet.ErrRecipientInvalid":        wallet.ErrRecipientInvalid,
	"wallet.ErrUnknownRecipient":        wallet.ErrUnknownRecipient,
	"wallet.ErrTransferToSelf":          wallet.ErrTransferToSelf,
	"wallet.ErrTooManyTransfers":        wallet.ErrTooManyTransfers,
	"shop.ErrMinInvalid":                shop.ErrMinInvalid,
	"shop.ErrMaxInvalid":                shop.ErrMaxInvalid,
	"shop.ErrMinAboveMax":               shop.ErrMinAboveMax,
	"shop.ErrCurrencyInvalid":           shop.ErrCurrencyInvalid,
	"shop.ErrShopNameInvalid":           shop.ErrShopNameInvalid,
	"shop.ErrShopAddrTooLong":           shop.ErrShopAddrTooLong,
	"shop.ErrVATRateInvalid":            shop.ErrVATRateInvalid,
	"shop.ErrVATMentionTooLong":         shop.ErrVATMentionTooLong,
	"accounts.ErrBillingNameTooLong":    accounts.ErrBillingNameTooLong,
	"accounts.ErrBillingAddressTooLong": accounts.ErrBillingAddressTooLong,
}

// exportedErrors lists the exported Err* variables and types declared in a package's
// non-test sources.
func exportedErrors(t *testing.T, pkg string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", pkg, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: no sources (%v)", pkg, err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range gd.Specs {
				switch sp := spec.(type) {
				case *ast.ValueSpec:
					for _, id := range sp.Names {
						if strings.HasPrefix(id.Name, "Err") {
							names = append(names, pkg+"."+id.Name)
						}
					}
				case *ast.TypeSpec:
					if strings.HasPrefix(sp.Name.Name, "Err") {
						names = append(names, pkg+"."+sp.Name.Name)
					}
				}
			}
		}
	}
	return names
}

// Every sentinel error of billing, shop, wallet, backoffice and accounts has its row: a status
// below 500 (503 for a full password-hashing pool, SPEC §3) and a message (the bad-setting error has one per field, made by its page).
func TestEveryDomainErrorHasAnAnswer(t *testing.T) {
	for _, pkg := range []string{"accounts", "billing", "backoffice", "shop", "wallet"} {
		for _, name := range exportedErrors(t, pkg) {
			if _, ok := domainErrors[name]; !ok {
				t.Errorf("%s is not listed in domainErrors (and maybe not in errorTable)", name)
			}
		}
	}
	for name, err := range domainErrors {
		status, key, ok := outcomeOf(err)
		if name == "accounts.ErrBusy" && status == 503 {
			continue
		}
		if !ok || status < 400 || status >= 500 {
			t.Errorf("%s: status %d (ok=%v), want 4xx", name, status, ok)
		}
		if key == "" && name != "billing.ErrSettings" {
			t.Errorf("%s: no message key", name)
		}
		// Wrapped, the same answer.
		if s2, k2, _ := outcomeOf(fmt.Errorf("context: %w", err)); s2 != status || k2 != key {
			t.Errorf("%s wrapped: %d %q, want %d %q", name, s2, k2, status, key)
		}
	}
	if _, _, ok := outcomeOf(errors.New("disk on fire")); ok {
		t.Error("an unexpected error has an answer")
	}
}

// The statuses users see (SPEC §10, and the tests of each page) stay what they were.
func TestErrorTableStatuses(t *testing.T) {
	for err, want := range map[error]int{
		accounts.ErrBadCredentials: 401, accounts.ErrTooManyAttempts: 429, accounts.ErrEmailTaken: 409,
		accounts.ErrEmailInvalid: 422, backoffice.ErrInvalidRole: 400, backoffice.ErrSelfDemotion: 409,
		backoffice.ErrFundRequired: 409, backoffice.ErrUnknownModule: 404, wallet.ErrAdjustmentNegative: 422,
		shop.ErrInsufficientFunds: 409, wallet.ErrTransfersDisabled: 403, wallet.ErrTooManyTransfers: 429,
		shop.ErrStatusInvalid: 422, billing.ErrNotSandbox: 404, accounts.ErrTwoFactorCode: 422, accounts.ErrTwoFactorPassword: 422, &billing.ErrSettings{Field: "sandbox"}: 422,
	} {
		if got, _, _ := outcomeOf(err); got != want {
			t.Errorf("%v: %d, want %d", err, got, want)
		}
	}
	// A form never shows what the error page shows.
	for _, err := range []error{backoffice.ErrUnknownModule, billing.ErrNotSandbox} {
		if _, _, ok := formOutcome(err); ok {
			t.Errorf("%v shown in a form", err)
		}
	}
	if _, key, ok := formOutcome(shop.ErrInsufficientFunds); !ok || key != keyInsufficient {
		t.Errorf("insufficient funds: %q %v", key, ok)
	}
}

func TestRedeemAndCallbackTables(t *testing.T) {
	redeem := []struct {
		o      billing.Outcome
		r      billing.Reason
		status int
		key    string
	}{
		{billing.OutcomeCredited, billing.ReasonNone, 200, "dedipass.msg_credited"},
		{billing.OutcomeTest, billing.ReasonNone, 200, "dedipass.msg_test"},
		{billing.OutcomeRefused, billing.ReasonTooManyAttempts, 429, "dedipass.msg_too_many"},
		{billing.OutcomeRefused, billing.ReasonBadFormat, 422, "dedipass.msg_bad_format"},
		{billing.OutcomeRefused, billing.ReasonRefused, 422, "dedipass.msg_refused"},
		{billing.OutcomeError, billing.ReasonNotConfigured, 503, "dedipass.msg_not_configured"},
		{billing.OutcomeError, billing.ReasonUnavailable, 502, "dedipass.msg_unavailable"},
		{billing.OutcomeError, billing.ReasonTimeout, 504, "dedipass.msg_unavailable"},
		{billing.OutcomeError, billing.ReasonBadAnswer, 502, "dedipass.msg_bad_answer"},
		{billing.OutcomeError, billing.ReasonHeld, 200, "dedipass.msg_held"},
		{billing.OutcomeDuplicate, billing.ReasonAlreadyYours, 409, "dedipass.msg_already_yours"},
		{billing.OutcomeDuplicate, billing.ReasonAlreadyUsed, 409, "dedipass.msg_already_used"},
	}
	if len(redeem) != len(redeemTable) {
		t.Errorf("redeemTable has %d rows, the test knows %d", len(redeemTable), len(redeem))
	}
	for _, c := range redeem {
		if status, key := redeemOutcome(billing.RedeemResult{Outcome: c.o, Reason: c.r}); status != c.status || key != c.key {
			t.Errorf("%s/%d: %d %q, want %d %q", c.o, c.r, status, key, c.status, c.key)
		}
	}

	callback := []struct {
		res     billing.CallbackResult
		status  int
		word    string
		message string
	}{
		{billing.CallbackResult{Outcome: billing.CallbackCredited}, 200, "success", "credited"},
		{billing.CallbackResult{Outcome: billing.CallbackAlreadyCredited}, 200, "success", "already credited"},
		{billing.CallbackResult{Outcome: billing.CallbackRecorded, Detail: "refused"}, 200, "success", "recorded as refused"},
		{billing.CallbackResult{Outcome: billing.CallbackWrongKey}, 403, "error", "invalid or missing private key"},
		{billing.CallbackResult{Outcome: billing.CallbackInvalid, Detail: "missing status"}, 400, "error", "missing status"},
		{billing.CallbackResult{Outcome: billing.CallbackUnknownCustomer}, 422, "error", "unknown customer"},
		{billing.CallbackResult{Outcome: billing.CallbackCreditedToOther}, 409, "error", "code already credited to another customer"},
	}
	if len(callback) != len(callbackTable) {
		t.Errorf("callbackTable has %d rows, the test knows %d", len(callbackTable), len(callback))
	}
	for _, c := range callback {
		if status, word, msg := callbackOutcome(c.res); status != c.status || word != c.word || msg != c.message {
			t.Errorf("%+v: %d %s %q, want %d %s %q", c.res, status, word, msg, c.status, c.word, c.message)
		}
	}
}
