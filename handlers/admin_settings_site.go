package handlers

import (
	"io"

	"github.com/gofiber/fiber/v2"

	"recharge/backoffice"
	"recharge/settings"
)

// adminSiteSettings: GET /admin/settings/site, the portal-wide settings (SPEC §8).
func (s *Server) adminSiteSettings(c *fiber.Ctx) error {
	set, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	return s.renderSiteSettings(c, fiber.StatusOK, siteFormFrom(set.Site), "")
}

// siteFormFrom fills the site settings form with the stored settings.
func siteFormFrom(site settings.Site) backoffice.SiteForm {
	return backoffice.SiteForm{RequireAdmin2FA: site.RequireAdmin2FA, Name: site.Name,
		SupportContact: site.SupportContact, Timezone: site.Timezone}
}

func (s *Server) renderSiteSettings(c *fiber.Ctx, status int, form backoffice.SiteForm, errKey string) error {
	site := s.siteSettings(c).Site
	data := fiber.Map{"Nav": "admin_site", "Form": form, "LogoVersion": site.LogoVersion,
		"MaxLogoKB": backoffice.MaxLogoBytes >> 10, "MaxLogoSide": backoffice.MaxLogoSide,
		"DefaultTimezone": settings.DefaultTimezone, "DefaultSiteName": settings.DefaultSiteName}
	s.vatFormData(c, data)
	if errKey != "" {
		data["ErrorKey"] = errKey
		switch errKey {
		case "site.err_logo_too_large":
			data["Error"] = tr(c, errKey, backoffice.MaxLogoBytes>>10)
		case "site.err_logo_dimensions":
			data["Error"] = tr(c, errKey, backoffice.MaxLogoSide)
		default:
			data["Error"] = tr(c, errKey)
		}
	}
	return s.page(c, status, "admin/settings_site", tr(c, "siteset.title"), data)
}

// siteFormOf reads the site settings form (require_admin_2fa = 1 when checked).
func siteFormOf(c *fiber.Ctx) backoffice.SiteForm {
	return backoffice.SiteForm{
		RequireAdmin2FA: c.FormValue("require_admin_2fa") == "1",
		Name:            c.FormValue("site_name"),
		SupportContact:  c.FormValue("support_contact"),
		Timezone:        c.FormValue("timezone"),
	}
}

// logoOf reads the optional `logo` file of the multipart form; its size is checked
// before it is read (the body itself is capped by BodyLimit).
func logoOf(c *fiber.Ctx) ([]byte, error) {
	fh, err := c.FormFile("logo")
	if err != nil || fh.Size == 0 {
		return nil, nil // no file chosen: the logo stays
	}
	if fh.Size > backoffice.MaxLogoBytes {
		return nil, backoffice.ErrLogoTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, backoffice.MaxLogoBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > backoffice.MaxLogoBytes {
		return nil, backoffice.ErrLogoTooLarge
	}
	return data, nil
}

// adminSiteSettingsSave: POST /admin/settings/site (multipart or urlencoded): fields
// site_name, support_contact, timezone, require_admin_2fa, logo (a PNG file) and
// remove_logo=1.
func (s *Server) adminSiteSettingsSave(c *fiber.Ctx) error {
	form := siteFormOf(c)
	site, err := backoffice.ParseSiteForm(form)
	ch := backoffice.SiteChange{Site: site, RemoveLogo: c.FormValue("remove_logo") == "1"}
	if err == nil {
		ch.Logo, err = logoOf(c)
	}
	if err == nil {
		err = s.backoffice.SaveSiteSettings(c.UserContext(), s.actor(c), ch)
	}
	if err != nil {
		if status, key, ok := formOutcome(err); ok {
			return s.renderSiteSettings(c, status, form, key)
		}
		return err
	}
	s.flash(c, "success", "flash.site_settings_saved")
	return c.Redirect("/admin/settings/site", fiber.StatusSeeOther)
}
