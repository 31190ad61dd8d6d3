package settings

// Every key of the settings table, in one place. Values are strings: flags "1"/"0",
// amounts integer cents, times unix seconds. Parse (settings.go) is the one reader.
const (
	// Dedipass module (admin: Dedipass settings).
	KeyDedipassPublic      = "dedipass_public_key"
	KeyDedipassPrivate     = "dedipass_private_key" // write-only in the UI, never shown or logged
	KeyDedipassUnitCents   = "dedipass_unit_cents"  // cents credited per unit of virtual currency
	KeyDedipassCreditTests = "dedipass_credit_test_codes"
	KeyDedipassSandbox     = "dedipass_sandbox"
	// KeyDedipassWidget: the payment page embeds Dedipass's own widget (pay.js) instead
	// of the native offers and code form.
	KeyDedipassWidget = "dedipass_widget"
	// KeyDedipassMaxCredit: a code crediting more cents than this waits for the admin.
	KeyDedipassMaxCredit = "dedipass_max_credit_cents"

	// Module switches (absent = on, as on a fresh install).
	KeyModuleFund     = "module_fund"
	KeyModuleDedipass = "module_dedipass"
	// KeyDedipassDisabledAt: unix seconds when Dedipass went off.
	KeyDedipassDisabledAt = "module_dedipass_disabled_at"
	// KeyDedipassDisabledAfter is the id of the newest payment when Dedipass went off:
	// every payment with a larger id arrived while it was off (exact, unlike a time in
	// seconds that cannot order two events of the same second).
	KeyDedipassDisabledAfter = "module_dedipass_disabled_after_id"

	// Fund (wallet) settings.
	KeyTransfersEnabled = "transfers_enabled"
	KeyTransferMin      = "transfer_min_cents"
	KeyTransferMax      = "transfer_max_cents" // 0 = no maximum
	KeyCurrency         = "currency"           // ISO 4217 code
	KeyShopName         = "shop_name"          // seller name printed on invoices
	KeyShopAddress      = "shop_address"       // seller address printed on invoices

	// Invoicing (admin: site settings, VAT section). Prices include VAT.
	KeyVATRate    = "vat_rate"    // basis points, 0–10000 (2000 = 20 %)
	KeyVATMention = "vat_mention" // printed on invoices when the rate is 0

	// Site settings (admin: site settings, SPEC §8).
	KeyRequireAdmin2FA = "require_admin_2fa" // "1": an admin without two-factor cannot use /admin
	KeySiteName        = "site_name"         // shown in the header, titles, mails, TOTP issuer
	KeySupportContact  = "support_contact"   // an email or an http(s) URL; empty = none
	KeyTimezone        = "timezone"          // IANA name every date is shown in
	// KeyLogoVersion: unix seconds of the logo's upload (the file is in site_assets);
	// absent or "0" = no logo. Part of the logo's URL, so browsers never keep an old one.
	KeyLogoVersion = "site_logo_version"

	// Notifications (admin: webhooks, SPEC §8): the outgoing webhook endpoints as a
	// JSON array (see Webhook); their secrets are write-only in the UI, never logged.
	KeyWebhooks = "webhooks"
	// KeyWebhooksLastID: the largest endpoint id ever given (ids are never reused).
	KeyWebhooksLastID = "webhooks_last_id"
	// KeyNotifyEmail: where the admin mails go (a new pending payment); empty = every admin.
	KeyNotifyEmail = "notify_email"

	// Secrets of the portal itself, never part of Settings (read by their owners).
	KeyCSRFSecret     = "csrf_key"         // handlers: signs CSRF tokens
	KeySetupTokenHash = "setup_token_hash" // accounts: hash of the one-time setup token
)
