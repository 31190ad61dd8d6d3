package handlers

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"recharge/mail"
	"recharge/settings"
)

type loadedSettings struct {
	set settings.Settings
	err error
}

// settingsOf is the request's settings, loaded once (one query) on first use and shared
// by the page chrome, the module guards and the domain calls of the request. A stored
// amount that is not a number is logged and replaced by its default.
func (s *Server) settingsOf(c *fiber.Ctx) (settings.Settings, error) {
	if l, ok := c.Locals("settings").(loadedSettings); ok {
		return l.set, l.err
	}
	set, err := settings.Load(c.UserContext(), s.store)
	if errors.Is(err, settings.ErrCorrupted) {
		s.log.Warn("a stored setting is corrupted; its default is used", "err", err.Error())
		err = nil
	}
	if err == nil {
		s.currency.Store(&set.Fund.Currency)
	}
	c.Locals("settings", loadedSettings{set, err})
	return set, err
}

// siteSettings is settingsOf for what every page shows (menus, module guards, the
// sandbox banner): when the database cannot be read, the defaults (modules on).
func (s *Server) siteSettings(c *fiber.Ctx) settings.Settings {
	set, err := s.settingsOf(c)
	if err != nil {
		s.log.Warn("settings unreadable, modules shown on", "err", err.Error())
		set, _ = settings.Parse(nil)
	}
	return set
}

// currencyCode is the shop currency the templates format amounts with: the one the
// latest request loaded (every page loads the settings before rendering).
func (s *Server) currencyCode() string {
	if c := s.currency.Load(); c != nil {
		return *c
	}
	return settings.DefaultCurrency
}

// MailBrand is what the outbox worker signs mails with, read from the settings when a
// batch is sent: the site name, the shop currency and the site's time zone.
func (s *Server) MailBrand(ctx context.Context) mail.Brand {
	set, err := settings.Load(ctx, s.store)
	if err != nil && !errors.Is(err, settings.ErrCorrupted) {
		s.log.Warn("settings unreadable, mails signed with the defaults", "err", err.Error())
		set, _ = settings.Parse(nil)
	}
	return mail.Brand{Site: set.Site.Name, Currency: set.Fund.Currency, Location: set.Site.Loc()}
}
