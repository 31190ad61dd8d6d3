package handlers

import (
	"github.com/gofiber/fiber/v2"

	"recharge/backoffice"
	"recharge/db"
)

// Translation keys for stored words (statuses, kinds, roles, audit actions, form fields).
// Every key is written out in full, never built by concatenation, so a search finds
// each use and i18n/keys_test.go can check that both catalogs define it. Templates reach
// these maps through the *Key template funcs: {{t $.Lang (payStatusKey .Status)}}.

// payStatusKeys: a Dedipass payment's status, the same words admin and client pages show.
var payStatusKeys = map[string]string{
	db.StatusCredited: "pay.status_credited",
	db.StatusPending:  "pay.status_pending",
	db.StatusRefused:  "pay.status_refused",
	db.StatusError:    "pay.status_error",
	db.StatusTest:     "pay.status_test",
}

// paySourceKeys: how a payment reached us (the payment form or the Dedipass callback).
var paySourceKeys = map[string]string{
	"form":     "admin.source_form",
	"callback": "admin.source_callback",
}

// roleKeys: an account's role.
var roleKeys = map[string]string{
	"client": "admin.role_client",
	"admin":  "admin.role_admin",
}

// ledgerKindKeys: the kind of a wallet movement, in the customer's history and the
// admin's view of it.
var ledgerKindKeys = map[string]string{
	db.KindDedipass:    "fund.kind_dedipass",
	db.KindAdjustment:  "fund.kind_adjustment",
	db.KindPurchase:    "fund.kind_purchase",
	db.KindRenewal:     "fund.kind_renewal",
	db.KindTransferIn:  "fund.kind_transfer_in",
	db.KindTransferOut: "fund.kind_transfer_out",
}

// serviceStatusKeys: a bought service's status.
var serviceStatusKeys = map[string]string{
	db.ServiceActive:    "service.status_active",
	db.ServiceSuspended: "service.status_suspended",
	db.ServiceCancelled: "service.status_cancelled",
	db.ServiceExpired:   "service.status_expired",
}

// invoiceStatusKeys: an invoice's status.
var invoiceStatusKeys = map[string]string{
	"paid":      "invoice.status_paid",
	"unpaid":    "invoice.status_unpaid",
	"cancelled": "invoice.status_cancelled",
	"refunded":  "invoice.status_refunded",
}

// invoiceKindKeys: what an invoice is for.
var invoiceKindKeys = map[string]string{
	db.InvoicePurchase: "invoice.kind_purchase",
	db.InvoiceRenewal:  "invoice.kind_renewal",
}

// auditKeys: the audit log's action codes (written by shop, backoffice, billing).
var auditKeys = map[string]string{
	"module.enable":       "audit.module.enable",
	"module.disable":      "audit.module.disable",
	"payment.assign":      "audit.payment.assign",
	"payment.refuse":      "audit.payment.refuse",
	"product.create":      "audit.product.create",
	"product.update":      "audit.product.update",
	"product.activate":    "audit.product.activate",
	"product.deactivate":  "audit.product.deactivate",
	"service.status":      "audit.service.status",
	"settings.dedipass":   "audit.settings.dedipass",
	"settings.fund":       "audit.settings.fund",
	"settings.vat":        "audit.settings.vat",
	"setup.first_admin":   "audit.setup.first_admin",
	"user.role":           "audit.user.role",
	"wallet.adjust":       "audit.wallet.adjust",
	"user.password_reset": "audit.user.password_reset",
	"user.reset_link":     "audit.user.reset_link",
	"user.email_change":   "audit.user.email_change",
	"outbox.retry":        "audit.outbox.retry",
	"user.profile":        "audit.user.profile",
	"user.suspend":        "audit.user.suspend",
	"user.unsuspend":      "audit.user.unsuspend",
	"user.password_set":   "audit.user.password_set",
	"settings.site":       "audit.settings.site",
	"user.2fa_reset":      "audit.user.2fa_reset",
	"webhook.add":         "audit.webhook.add",
	"webhook.remove":      "audit.webhook.remove",
	"webhook.test":        "audit.webhook.test",
	"notify.email":        "audit.notify.email",
}

// outboxStatusKeys and mailTemplateKeys: the admin's outbox page.
var outboxStatusKeys = map[string]string{
	"pending": "outbox.status_pending",
	"sent":    "outbox.status_sent",
	"failed":  "outbox.status_failed",
}

var mailTemplateKeys = map[string]string{
	"reset":          "outbox.mail_reset",
	"email_confirm":  "outbox.mail_email_confirm",
	"topup":          "outbox.mail_topup",
	"purchase":       "outbox.mail_purchase",
	"renewal_done":   "outbox.mail_renewal_done",
	"renewal_low":    "outbox.mail_renewal_low",
	"renewal_failed": "outbox.mail_renewal_failed",
	"pending_admin":  "webhooks.outbox_pending_admin",
}

// webhookEventKeys: the events a webhook endpoint hears (the webhooks page, its log).
var webhookEventKeys = map[string]string{
	"payment.credited": "webhooks.event_payment_credited",
	"payment.pending":  "webhooks.event_payment_pending",
	"purchase.created": "webhooks.event_purchase_created",
	"service.expired":  "webhooks.event_service_expired",
	"webhook.test":     "webhooks.event_test",
}

// dedipassSettingsKeys: the sentence for each bad field of the Dedipass settings form
// (billing.ErrSettings.Field).
var dedipassSettingsKeys = map[string]string{
	"public_key":        "dedipass.settings_bad_public_key",
	"private_key":       "dedipass.settings_bad_private_key",
	"unit_cents":        "dedipass.settings_bad_unit_cents",
	"max_credit_cents":  "dedipass.settings_bad_max_credit_cents",
	"credit_test_codes": "dedipass.settings_bad_credit_test_codes",
	"sandbox":           "dedipass.settings_bad_sandbox",
	"widget":            "dedipass.settings_bad_widget",
}

// keyOf returns the key of a stored word, or the word itself when the map does not know
// it: t then shows the raw word rather than a half-built key.
func keyOf(keys map[string]string, word string) string {
	if k, ok := keys[word]; ok {
		return k
	}
	return word
}

// keyFuncs are the template funcs turning a stored word into its key.
func keyFuncs() map[string]any {
	return map[string]any{
		"payStatusKey":     func(s string) string { return keyOf(payStatusKeys, s) },
		"paySourceKey":     func(s string) string { return keyOf(paySourceKeys, s) },
		"roleKey":          func(s string) string { return keyOf(roleKeys, s) },
		"ledgerKindKey":    func(s string) string { return keyOf(ledgerKindKeys, s) },
		"serviceStatusKey": func(s string) string { return keyOf(serviceStatusKeys, s) },
		"invoiceStatusKey": func(s string) string { return keyOf(invoiceStatusKeys, s) },
		"invoiceKindKey":   func(s string) string { return keyOf(invoiceKindKeys, s) },
		"auditKey":         func(s string) string { return keyOf(auditKeys, s) },
		"outboxStatusKey":  func(s string) string { return keyOf(outboxStatusKeys, s) },
		"mailTemplateKey":  func(s string) string { return keyOf(mailTemplateKeys, s) },
		"webhookEventKey":  func(s string) string { return keyOf(webhookEventKeys, s) },
	}
}

// dedipassSettingsKey is the sentence for a bad Dedipass settings field.
func dedipassSettingsKey(field string) string {
	if k, ok := dedipassSettingsKeys[field]; ok {
		return k
	}
	return "error.bad_request"
}

// moduleFlashKey is the flash shown after a module was switched on or off.
func moduleFlashKey(name string, on bool) string {
	switch {
	case name == backoffice.ModuleFund && on:
		return "flash.admin_module_fund_on"
	case name == backoffice.ModuleFund:
		return "flash.admin_module_fund_off"
	case name == backoffice.ModuleDedipass && on:
		return "flash.admin_module_dedipass_on"
	case name == backoffice.ModuleDedipass:
		return "flash.admin_module_dedipass_off"
	}
	return "flash.admin_module_unchanged"
}

// errorTitleKey is the error page's title for a status; "error.title" when it has none.
func errorTitleKey(code int) string {
	switch code {
	case fiber.StatusBadRequest:
		return "error.title_400"
	case fiber.StatusForbidden:
		return "error.title_403"
	case fiber.StatusNotFound:
		return "error.title_404"
	case fiber.StatusConflict:
		return "error.title_409"
	case fiber.StatusRequestEntityTooLarge:
		return "error.title_413"
	case fiber.StatusUnprocessableEntity:
		return "error.title_422"
	case fiber.StatusTooManyRequests:
		return "error.title_429"
	case fiber.StatusInternalServerError:
		return "error.title_500"
	case fiber.StatusServiceUnavailable:
		return "error.title_503"
	}
	return "error.title"
}
