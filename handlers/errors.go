package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"recharge/accounts"
	"recharge/backoffice"
	"recharge/billing"
	"recharge/db"
	"recharge/i18n"
	"recharge/notify"
	"recharge/shop"
	"recharge/wallet"
)

// This file is the one place where what the domain says becomes what the user sees:
// every domain error and outcome has its HTTP status and its message here, and
// handlers ask (outcomeOf, formOutcome, redeemOutcome, callbackOutcome) instead of
// choosing. Errors not listed are unexpected: 500, logged, cause never shown.

// keyInsufficient is the purchase refusal that links to the top-up page.
//
// Insufficient balance answers 409 Conflict (SPEC §10 lists the statuses for refused
// input; 402 is not among them): the request was valid, the wallet must be topped up
// first, and the page links to the top-up page.
const keyInsufficient = "shop.err_insufficient"

// keyTransferNotCovered is the transfer refusal (409 too, with the same top-up link).
const keyTransferNotCovered = "fund.err_not_covered"

// errorTable maps each domain error (matched with errors.Is, in order) to its status
// and message key. page: the error page shows it (the thing is missing or the service
// down), never a form.
var errorTable = []struct {
	err    error
	status int
	key    string
	page   bool
}{
	{db.ErrUnavailable, fiber.StatusServiceUnavailable, "error.unavailable", true},
	{db.ErrNotFound, fiber.StatusNotFound, "error.not_found", true},
	{db.ErrInvalidInput, fiber.StatusBadRequest, "error.bad_request", true},
	{backoffice.ErrUnknownModule, fiber.StatusNotFound, "error.not_found", true},
	{billing.ErrNotSandbox, fiber.StatusNotFound, "dedipass.sandbox_off", true},
	{billing.ErrTooManySandboxCodes, fiber.StatusTooManyRequests, "dedipass.sandbox_too_many", true},
	{billing.ErrSandboxAdminOnly, fiber.StatusForbidden, "dedipass.sandbox_admin_only", true},
	{billing.ErrUnknownSandboxOffer, fiber.StatusUnprocessableEntity, "dedipass.sandbox_unknown_offer", true},
	{accounts.ErrBusy, fiber.StatusServiceUnavailable, "error.busy", true},

	// Dedipass: the admin's decision on a pending payment.
	{billing.ErrNotPending, fiber.StatusConflict, "admin.pending_not_pending", false},
	{billing.ErrNoCredit, fiber.StatusConflict, "admin.pending_no_credit", false},
	{billing.ErrAssignUnknownEmail, fiber.StatusUnprocessableEntity, "admin.pending_unknown_email", false},
	{billing.ErrRefuseReason, fiber.StatusUnprocessableEntity, "admin.pending_reason_required", false},
	{accounts.ErrSetupClosed, fiber.StatusForbidden, "setup.bad_token", true},

	// Accounts: login and registration.
	{accounts.ErrBadCredentials, fiber.StatusUnauthorized, "auth.bad_credentials", false},
	{accounts.ErrTooManyAttempts, fiber.StatusTooManyRequests, "auth.too_many", false},
	{accounts.ErrTooManySignUps, fiber.StatusTooManyRequests, "auth.too_many_signups", false},
	{accounts.ErrEmailInvalid, fiber.StatusUnprocessableEntity, "auth.email_invalid", false},
	{accounts.ErrPasswordTooShort, fiber.StatusUnprocessableEntity, "auth.password_short", false},
	{accounts.ErrPasswordTooLong, fiber.StatusUnprocessableEntity, "auth.password_long", false},
	{accounts.ErrNameTooLong, fiber.StatusUnprocessableEntity, "auth.name_long", false},
	{accounts.ErrEmailTaken, fiber.StatusConflict, "auth.email_taken", false},
	// Said after the password check only (accounts.Login).
	{accounts.ErrSuspended, fiber.StatusForbidden, "account.err_suspended", false},

	// Accounts: the account page and the admin's customer actions.
	{accounts.ErrWrongPassword, fiber.StatusUnprocessableEntity, "account.err_wrong_password", false},
	{accounts.ErrLangUnknown, fiber.StatusUnprocessableEntity, "account.err_lang", false},
	{accounts.ErrSelfSuspension, fiber.StatusConflict, "account.err_self_suspend", false},
	{accounts.ErrLastAdmin, fiber.StatusConflict, "account.err_last_admin", false},
	{accounts.ErrNotAdmin, fiber.StatusForbidden, "error.admin_only", true},

	// Accounts: reset and email change links.
	{accounts.ErrNoMail, fiber.StatusConflict, "reset.mail_off", false},
	{accounts.ErrTooManyResets, fiber.StatusTooManyRequests, "reset.too_many", false},
	{accounts.ErrLinkInvalid, fiber.StatusBadRequest, "reset.link_invalid", false},
	{accounts.ErrWrongPassword, fiber.StatusUnprocessableEntity, "reset.wrong_password", false},
	{accounts.ErrSameEmail, fiber.StatusUnprocessableEntity, "reset.same_email", false},

	// Accounts: two-factor authentication.
	{accounts.ErrTwoFactorCode, fiber.StatusUnprocessableEntity, "twofactor.err_code", false},
	{accounts.ErrTwoFactorPassword, fiber.StatusUnprocessableEntity, "twofactor.err_password", false},
	{accounts.ErrTwoFactorOn, fiber.StatusConflict, "twofactor.err_on", false},
	{accounts.ErrTwoFactorOff, fiber.StatusConflict, "twofactor.err_off", false},
	{accounts.ErrTwoFactorExpired, fiber.StatusUnauthorized, "twofactor.err_expired", false},

	// Shop: buying, renewing, transferring, and the shop's admin forms.
	{errFormTokenInvalid, fiber.StatusConflict, "shop.err_form_expired", false},
	{shop.ErrTokenUsed, fiber.StatusConflict, "shop.err_form_expired", false},
	{wallet.ErrTransferNotCovered, fiber.StatusConflict, keyTransferNotCovered, false}, // before the purchase's
	{shop.ErrInsufficientFunds, fiber.StatusConflict, keyInsufficient, false},
	{shop.ErrOutOfStock, fiber.StatusConflict, "shop.err_out_of_stock", false},
	{shop.ErrNotForSale, fiber.StatusConflict, "shop.err_not_for_sale", false},

	{shop.ErrNotRenewable, fiber.StatusConflict, "service.err_not_renewable", false},
	{shop.ErrRenewTooEarly, fiber.StatusConflict, "service.err_too_early", false},
	{shop.ErrStatusInvalid, fiber.StatusUnprocessableEntity, "service.err_status_invalid", false},
	{shop.ErrStatusForbidden, fiber.StatusConflict, "service.err_status_forbidden", false},

	{shop.ErrNameRequired, fiber.StatusUnprocessableEntity, "product.err_name_required", false},
	{shop.ErrNameTooLong, fiber.StatusUnprocessableEntity, "product.err_name_long", false},
	{shop.ErrDescriptionTooLong, fiber.StatusUnprocessableEntity, "product.err_description_long", false},
	{shop.ErrPriceInvalid, fiber.StatusUnprocessableEntity, "product.err_price_invalid", false},
	{shop.ErrPriceNegative, fiber.StatusUnprocessableEntity, "product.err_price_negative", false},
	{shop.ErrPeriodInvalid, fiber.StatusUnprocessableEntity, "product.err_period", false},
	{shop.ErrStockInvalid, fiber.StatusUnprocessableEntity, "product.err_stock", false},

	{wallet.ErrTransfersDisabled, fiber.StatusForbidden, "fund.err_disabled", false},
	{wallet.ErrAmountInvalid, fiber.StatusUnprocessableEntity, "fund.err_amount", false},
	{wallet.ErrAmountTooSmall, fiber.StatusUnprocessableEntity, "fund.err_too_small", false},
	{wallet.ErrAmountTooLarge, fiber.StatusUnprocessableEntity, "fund.err_too_large", false},
	{wallet.ErrRecipientInvalid, fiber.StatusUnprocessableEntity, "fund.err_recipient_invalid", false},
	{wallet.ErrUnknownRecipient, fiber.StatusUnprocessableEntity, "fund.err_unknown_recipient", false},
	{wallet.ErrTransferToSelf, fiber.StatusUnprocessableEntity, "fund.err_self", false},
	{wallet.ErrTooManyTransfers, fiber.StatusTooManyRequests, "fund.err_rate", false},

	{shop.ErrMinInvalid, fiber.StatusUnprocessableEntity, "fundset.err_min", false},
	{shop.ErrMaxInvalid, fiber.StatusUnprocessableEntity, "fundset.err_max", false},
	{shop.ErrMinAboveMax, fiber.StatusUnprocessableEntity, "fundset.err_min_above_max", false},
	{shop.ErrCurrencyInvalid, fiber.StatusUnprocessableEntity, "site.err_currency_iso", false},
	{shop.ErrCurrencyLocked, fiber.StatusConflict, "site.err_currency_locked", false},
	{shop.ErrShopNameInvalid, fiber.StatusUnprocessableEntity, "fundset.err_shop_name", false},
	{shop.ErrShopAddrTooLong, fiber.StatusUnprocessableEntity, "fundset.err_shop_address", false},

	// Fund off, and the customer's control of a service's renewal (SPEC §6, §7).
	{shop.ErrFundOff, fiber.StatusConflict, "site.err_fund_off", false},
	{shop.ErrRenewalStopped, fiber.StatusConflict, "site.err_renewal_stopped", false},
	{shop.ErrProductRetired, fiber.StatusConflict, "site.err_product_retired", false},
	{shop.ErrNotCancellable, fiber.StatusConflict, "site.err_not_cancellable", false},

	// Site settings: branding, support, time zone, logo.
	{backoffice.ErrSiteNameInvalid, fiber.StatusUnprocessableEntity, "site.err_name", false},
	{backoffice.ErrSupportContactInvalid, fiber.StatusUnprocessableEntity, "site.err_support", false},
	{backoffice.ErrTimezoneInvalid, fiber.StatusUnprocessableEntity, "site.err_timezone", false},
	{backoffice.ErrLogoTooLarge, fiber.StatusUnprocessableEntity, "site.err_logo_too_large", false},
	{backoffice.ErrLogoNotPNG, fiber.StatusUnprocessableEntity, "site.err_logo_not_png", false},
	{backoffice.ErrLogoDimensions, fiber.StatusUnprocessableEntity, "site.err_logo_dimensions", false},

	// Invoicing: the VAT settings and the customer's billing details.
	{shop.ErrVATRateInvalid, fiber.StatusUnprocessableEntity, "invoicing.err_vat_rate", false},
	{shop.ErrVATMentionTooLong, fiber.StatusUnprocessableEntity, "invoicing.err_vat_mention", false},
	{accounts.ErrBillingNameTooLong, fiber.StatusUnprocessableEntity, "invoicing.err_billing_name", false},
	{accounts.ErrBillingAddressTooLong, fiber.StatusUnprocessableEntity, "invoicing.err_billing_address", false},

	// Notifications: the webhooks page.
	{notify.ErrURLInvalid, fiber.StatusUnprocessableEntity, "webhooks.err_url_invalid", false},
	{notify.ErrURLScheme, fiber.StatusUnprocessableEntity, "webhooks.err_url_scheme", false},
	{notify.ErrURLSelf, fiber.StatusUnprocessableEntity, "webhooks.err_url_self", false},
	{notify.ErrURLPrivate, fiber.StatusUnprocessableEntity, "webhooks.err_url_private", false},
	{notify.ErrNoEvents, fiber.StatusUnprocessableEntity, "webhooks.err_no_events", false},
	{notify.ErrSecretInvalid, fiber.StatusUnprocessableEntity, "webhooks.err_secret", false},
	{notify.ErrTooManyWebhooks, fiber.StatusConflict, "webhooks.err_too_many", false},
	{notify.ErrNotifyEmail, fiber.StatusUnprocessableEntity, "webhooks.err_email", false},

	// Back office: modules, roles, wallet adjustments.
	{backoffice.ErrFundRequired, fiber.StatusConflict, "admin.module_needs_fund", false},
	{backoffice.ErrInvalidRole, fiber.StatusBadRequest, "admin.role_invalid", false},
	{backoffice.ErrSelfDemotion, fiber.StatusConflict, "admin.role_self", false},
	{backoffice.ErrLastAdmin, fiber.StatusConflict, "admin.role_last_admin", false},
	{backoffice.ErrNotAdmin, fiber.StatusForbidden, "error.admin_only", true},
	{wallet.ErrAdjustmentInvalid, fiber.StatusUnprocessableEntity, "admin.adjust_bad_amount", false},
	{wallet.ErrAdjustmentZero, fiber.StatusUnprocessableEntity, "admin.adjust_zero", false},
	{wallet.ErrBalanceTooLarge, fiber.StatusUnprocessableEntity, "admin.adjust_too_large", false},
	{wallet.ErrReasonRequired, fiber.StatusUnprocessableEntity, "admin.adjust_reason_required", false},
	{wallet.ErrReasonTooLong, fiber.StatusUnprocessableEntity, "admin.adjust_reason_long", false},
	{wallet.ErrCustomerNoteTooLong, fiber.StatusUnprocessableEntity, "site.err_customer_note_long", false},
	// Its sentence takes the current balance, given by the handler.
	{wallet.ErrAdjustmentNegative, fiber.StatusUnprocessableEntity, "admin.adjust_negative", false},
}

// outcomeOf is the status and message key of a domain error. ok is false for an
// unexpected error. A bad Dedipass setting has a sentence per field, made by the
// settings page: its key here is "".
func outcomeOf(err error) (status int, key string, ok bool) {
	for _, row := range errorTable {
		if errors.Is(err, row.err) {
			return row.status, row.key, true
		}
	}
	var se *billing.ErrSettings
	if errors.As(err, &se) {
		return fiber.StatusUnprocessableEntity, "", true
	}
	return 0, "", false
}

// formOutcome is outcomeOf for a refusal that a form shows in place. ok is false for
// the errors the error page shows (page rows) and for unexpected ones: the handler
// returns those as they are.
func formOutcome(err error) (status int, key string, ok bool) {
	for _, row := range errorTable {
		if row.page && errors.Is(err, row.err) {
			return 0, "", false
		}
	}
	return outcomeOf(err)
}

// notFound is the error page for a missing thing, with a sentence naming it.
func notFound(c *fiber.Ctx, key string) error {
	status, _, _ := outcomeOf(db.ErrNotFound)
	return fiber.NewError(status, tr(c, key))
}

type redeemCase struct {
	outcome billing.Outcome
	reason  billing.Reason
}

// redeemTable is what the payment form answers for each outcome of a code.
var redeemTable = map[redeemCase]struct {
	status int
	key    string
}{
	{billing.OutcomeCredited, billing.ReasonNone}:           {fiber.StatusOK, "dedipass.msg_credited"},
	{billing.OutcomeTest, billing.ReasonNone}:               {fiber.StatusOK, "dedipass.msg_test"},
	{billing.OutcomeRefused, billing.ReasonTooManyAttempts}: {fiber.StatusTooManyRequests, "dedipass.msg_too_many"},
	{billing.OutcomeRefused, billing.ReasonBadFormat}:       {fiber.StatusUnprocessableEntity, "dedipass.msg_bad_format"},
	{billing.OutcomeRefused, billing.ReasonRefused}:         {fiber.StatusUnprocessableEntity, "dedipass.msg_refused"},
	{billing.OutcomeError, billing.ReasonNotConfigured}:     {fiber.StatusServiceUnavailable, "dedipass.msg_not_configured"},
	{billing.OutcomeError, billing.ReasonUnavailable}:       {fiber.StatusBadGateway, "dedipass.msg_unavailable"},
	{billing.OutcomeError, billing.ReasonTimeout}:           {fiber.StatusGatewayTimeout, "dedipass.msg_unavailable"},
	{billing.OutcomeError, billing.ReasonBadAnswer}:         {fiber.StatusBadGateway, "dedipass.msg_bad_answer"},
	{billing.OutcomeError, billing.ReasonHeld}:              {fiber.StatusOK, "dedipass.msg_held"},
	{billing.OutcomeDuplicate, billing.ReasonAlreadyYours}:  {fiber.StatusConflict, "dedipass.msg_already_yours"},
	{billing.OutcomeDuplicate, billing.ReasonAlreadyUsed}:   {fiber.StatusConflict, "dedipass.msg_already_used"},
}

// redeemOutcome is the status and message key of a code's outcome on the payment form.
func redeemOutcome(r billing.RedeemResult) (status int, key string) {
	if a, ok := redeemTable[redeemCase{r.Outcome, r.Reason}]; ok {
		return a.status, a.key
	}
	return fiber.StatusInternalServerError, "error.internal"
}

// callbackTable is what Dedipass is told about its callback (SPEC §5.4): the status,
// the JSON "status" word, and the message, followed by the result's Detail.
var callbackTable = map[billing.CallbackOutcome]struct {
	status  int
	word    string
	message string
}{
	billing.CallbackCredited:        {fiber.StatusOK, "success", "credited"},
	billing.CallbackAlreadyCredited: {fiber.StatusOK, "success", "already credited"},
	billing.CallbackRecorded:        {fiber.StatusOK, "success", "recorded as "},
	billing.CallbackWrongKey:        {fiber.StatusForbidden, "error", "invalid or missing private key"},
	billing.CallbackInvalid:         {fiber.StatusBadRequest, "error", ""},
	billing.CallbackUnknownCustomer: {fiber.StatusUnprocessableEntity, "error", "unknown customer"},
	billing.CallbackCreditedToOther: {fiber.StatusConflict, "error", "code already credited to another customer"},
}

// callbackOutcome is the status and JSON body word and message of a callback's result.
func callbackOutcome(r billing.CallbackResult) (status int, word, message string) {
	a, ok := callbackTable[r.Outcome]
	if !ok {
		return fiber.StatusInternalServerError, "error", "internal error"
	}
	return a.status, a.word, a.message + r.Detail
}

// errorHandler turns what a handler returned into a page: a fiber error as raised, a
// domain error through errorTable. JSON for /api/*, an HTML page elsewhere. Users see a sentence; details go to the log, never a stack trace.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	code := fiber.StatusInternalServerError
	lang := langOf(c)
	msg := ""
	var fe *fiber.Error
	switch {
	case errors.As(err, &fe):
		code = fe.Code
		msg = fe.Message
	default:
		if status, key, ok := outcomeOf(err); ok {
			code = status
			if key != "" {
				msg = i18n.T(lang, key)
			}
		}
	}
	if code >= 500 {
		s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "status", code, "err", err.Error())
	}
	// Our handlers raise fiber errors with a translated sentence; fiber's own ones carry
	// English defaults ("Not Found", "Cannot GET /x"), replaced by ours. A 500 never shows
	// its cause.
	if msg == "" || code == fiber.StatusInternalServerError || fe != nil && fe.Message == utils.StatusMessage(code) || strings.HasPrefix(msg, "Cannot ") {
		msg = i18n.T(lang, defaultErrorKey(code))
	}
	c.Response().Header.Del(fiber.HeaderContentEncoding)
	if strings.HasPrefix(c.Path(), "/api/") || strings.Contains(c.Get(fiber.HeaderAccept), "application/json") && !strings.Contains(c.Get(fiber.HeaderAccept), "text/html") {
		return c.Status(code).JSON(fiber.Map{"status": "error", "message": msg})
	}
	title := i18n.T(lang, errorTitleKey(code))
	if isHTMX(c) {
		// A small alert swapped in place of the fragment the request asked for.
		return s.fragment(c, code, "partials/error_fragment", fiber.Map{"Status": code, "ErrorTitle": title, "ErrorMessage": msg})
	}
	if rerr := s.page(c, code, "error", title, fiber.Map{"Status": code, "ErrorTitle": title, "ErrorMessage": msg}); rerr != nil {
		s.log.Error("render error page", "err", rerr.Error())
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(code).SendString(msg)
	}
	return nil
}

// defaultErrorKey is the sentence shown for a status when nothing better is known.
func defaultErrorKey(code int) string {
	switch code {
	case fiber.StatusNotFound:
		return "error.not_found"
	case fiber.StatusMethodNotAllowed:
		return "error.method"
	case fiber.StatusRequestEntityTooLarge:
		return "error.too_large"
	case fiber.StatusServiceUnavailable:
		return "error.unavailable"
	}
	if code >= 400 && code < 500 {
		return "error.bad_request"
	}
	return "error.internal"
}
