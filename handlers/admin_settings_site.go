package handlers

import (
	"github.com/gofiber/fiber/v2"

	"recharge/settings"
)

// adminSiteSettings: GET /admin/settings/site, the portal-wide settings (SPEC §8).
func (s *Server) adminSiteSettings(c *fiber.Ctx) error {
	set, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	return s.renderSiteSettings(c, fiber.StatusOK, set.Site, "")
}

func (s *Server) renderSiteSettings(c *fiber.Ctx, status int, form settings.Site, errKey string) error {
	data := fiber.Map{"Nav": "admin_site", "Form": form}
	s.vatFormData(c, data)
	if errKey != "" {
		data["Error"] = tr(c, errKey)
	}
	return s.page(c, status, "admin/settings_site", tr(c, "siteset.title"), data)
}

// siteFormOf reads the site settings form (require_admin_2fa = 1 when checked).
func siteFormOf(c *fiber.Ctx) settings.Site {
	return settings.Site{RequireAdmin2FA: c.FormValue("require_admin_2fa") == "1"}
}

// adminSiteSettingsSave: POST /admin/settings/site.
func (s *Server) adminSiteSettingsSave(c *fiber.Ctx) error {
	form := siteFormOf(c)
	if err := s.backoffice.SaveSiteSettings(c.UserContext(), s.actor(c), form); err != nil {
		if status, key, ok := formOutcome(err); ok {
			return s.renderSiteSettings(c, status, form, key)
		}
		return err
	}
	s.flash(c, "success", "flash.site_settings_saved")
	return c.Redirect("/admin/settings/site", fiber.StatusSeeOther)
}
