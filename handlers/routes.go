package handlers

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"recharge/static"
)

// routes declares every URL of the portal: the whole map at a glance.
func (s *Server) routes(app *fiber.App) {
	app.Use(recover.New())
	if s.cfg.MetricsToken != "" {
		app.Use(s.countRequests)
	}
	app.Use(s.securityHeaders)
	app.Use(serverTiming)
	app.Use(compress.New(compress.Config{Level: compress.LevelDefault}))
	app.Use("/static", filesystem.New(filesystem.Config{
		Root:   http.FS(static.FS),
		MaxAge: int((24 * time.Hour).Seconds()),
	}))
	app.Get("/healthz", s.healthz)
	app.Get("/favicon.ico", s.favicon)
	app.Get("/logo.png", s.siteLogo)
	app.Get("/metrics", s.metricsPage) // Bearer token, no session

	// Provider callbacks: no session, no CSRF; authenticated by the private key.
	api := app.Group("/api")
	api.Post("/dedipass", s.dedipassCallback)

	app.Use(s.loadSession, s.checkCSRF)

	app.Get("/", s.home)
	app.Get("/login", s.loginPage)
	app.Post("/login", s.loginSubmit)
	app.Get("/login/2fa", s.loginTwoFactorPage)
	app.Post("/login/2fa", s.loginTwoFactorSubmit)
	app.Get("/register", s.registerPage)
	app.Post("/register", s.registerSubmit)
	app.Post("/logout", s.logout)
	app.Post("/lang", s.switchLang)
	app.Get("/forgot", s.forgotPage)
	app.Post("/forgot", s.forgotSubmit)
	app.Get("/reset", s.resetPage)
	app.Post("/reset", s.resetSubmit)
	app.Get("/confirm-email", s.confirmEmailPage)
	app.Post("/confirm-email", s.confirmEmail)
	app.Get("/setup", s.setupPage)
	app.Post("/setup", s.setupSubmit)

	client := app.Group("/client", requireUser)
	client.Get("/", s.clientDashboard)
	client.Get("/account", s.accountPage)
	client.Post("/account/profile", s.accountProfile)
	client.Post("/account/password", s.accountPassword)
	client.Post("/account/sessions/revoke", s.accountRevokeSessions)
	dp := client.Group("/dedipass", s.requireModule("dedipass"))
	dp.Get("/", s.dedipassShow)
	dp.Post("/", s.dedipassRedeem)
	dp.Post("/sandbox-code", s.dedipassSandboxCode)
	dp.Get("/history", s.dedipassHistory)
	dp.Get("/balance", s.dedipassBalance)
	client.Get("/shop", s.shopPage)
	client.Post("/shop/:id/buy", s.shopBuy)
	client.Get("/services", s.servicesPage)
	client.Post("/services/:id/renew", s.serviceRenew)
	client.Post("/services/:id/cancel", s.serviceCancel)
	client.Get("/invoices", s.invoicesPage)
	client.Get("/invoices/:id.pdf", s.invoicePDF) // before /:id
	client.Get("/invoices/:id", s.invoicePage)
	client.Post("/account/billing", s.accountBilling)
	client.Post("/account/email", s.accountEmail)
	client.Get("/account/2fa", s.twoFactorPage)
	client.Post("/account/2fa", s.twoFactorEnable)
	client.Post("/account/2fa/disable", s.twoFactorDisable)
	client.Get("/wallet", s.requireModule("fund"), s.walletPage)
	client.Post("/wallet/transfer", s.requireModule("fund"), s.walletTransfer)

	admin := app.Group("/admin", requireAdmin, s.requireAdminTwoFactor)
	admin.Get("/", s.adminDashboard)
	admin.Get("/modules", s.adminModules)
	admin.Post("/modules/:name", s.adminModuleSet)
	admin.Get("/billing/dedipass", s.adminBilling)
	admin.Get("/billing/dedipass/export.csv", s.adminBillingExport) // before /:id
	admin.Get("/billing/dedipass/:id", s.adminPayment)
	admin.Post("/billing/dedipass/:id/assign", s.adminPaymentAssign)
	admin.Post("/billing/dedipass/:id/refuse", s.adminPaymentRefuse)
	admin.Get("/users", s.adminUsers)
	admin.Get("/users/:id", s.adminUser)
	admin.Post("/users/:id/role", s.adminUserRole)
	admin.Post("/users/:id/profile", s.adminUserProfile)
	admin.Post("/users/:id/suspend", s.adminUserSuspend)
	admin.Post("/users/:id/wallet", s.adminUserWallet)
	admin.Post("/users/:id/reset-link", s.adminUserResetLink)
	admin.Get("/outbox", s.adminOutbox)
	admin.Post("/outbox/:id/retry", s.adminOutboxRetry)
	admin.Post("/users/:id/2fa/reset", s.adminUserTwoFactorReset)
	admin.Get("/audit", s.adminAudit)
	admin.Get("/settings/dedipass", s.dedipassSettings)
	admin.Post("/settings/dedipass", s.dedipassSettingsSave)
	admin.Get("/settings/fund", s.adminFundSettings)
	admin.Post("/settings/fund", s.adminFundSettingsSave)
	admin.Get("/settings/webhooks", s.adminWebhooks)
	admin.Post("/settings/webhooks", s.adminWebhookAdd)
	admin.Post("/settings/webhooks/email", s.adminWebhookEmail)
	admin.Post("/settings/webhooks/:id/delete", s.adminWebhookRemove)
	admin.Post("/settings/webhooks/:id/test", s.adminWebhookTest)
	admin.Get("/settings/site", s.adminSiteSettings)
	admin.Post("/settings/site", s.adminSiteSettingsSave)
	admin.Get("/products", s.adminProducts)
	admin.Post("/products", s.adminProductCreate)
	admin.Get("/products/:id", s.adminProductEdit)
	admin.Post("/products/:id", s.adminProductUpdate)
	admin.Post("/products/:id/active", s.adminProductActive)
	admin.Post("/services/:id/status", s.adminServiceStatus)
	admin.Get("/services", s.adminServices)
	admin.Get("/invoices", s.adminInvoices)
	admin.Get("/invoices/export.csv", s.adminInvoicesExport) // before /:id
	admin.Get("/invoices/:id.pdf", s.adminInvoicePDF)
	admin.Get("/invoices/:id", s.adminInvoice)
	admin.Post("/settings/invoicing", s.adminVATSettingsSave)

	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
