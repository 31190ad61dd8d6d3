package handlers

import (
	"github.com/gofiber/fiber/v2"

	"recharge/shop"
)

// The VAT section of the site settings page (SPEC §7, §8): its own form, posted to
// POST /admin/settings/invoicing, drawn by views/partials/settings_vat.html.

// vatFormData adds the VAT form to the site settings page's data: what a refused
// post typed (with its message), else the stored settings.
func (s *Server) vatFormData(c *fiber.Ctx, data fiber.Map) {
	if typed, ok := c.Locals("vatForm").(fiber.Map); ok {
		for k, v := range typed {
			data[k] = v
		}
		return
	}
	set := s.siteSettings(c)
	data["VATForm"] = shop.VATFormOf(set.Fund.VAT)
}

// adminVATSettingsSave: POST /admin/settings/invoicing, fields vat_rate (a percentage
// such as 20 or 5,5) and vat_mention; audited. New invoices take them; issued ones
// keep theirs.
func (s *Server) adminVATSettingsSave(c *fiber.Ctx) error {
	form := shop.VATForm{Rate: c.FormValue("vat_rate"), Mention: c.FormValue("vat_mention")}
	v, err := shop.ParseVATForm(form)
	if err == nil {
		err = s.shop.SaveVATSettings(c.UserContext(), s.actor(c), v)
	}
	if err != nil {
		status, key, ok := formOutcome(err)
		if !ok {
			return err
		}
		c.Locals("vatForm", fiber.Map{"VATForm": form, "VATError": tr(c, key)})
		set, err := s.settingsOf(c)
		if err != nil {
			return err
		}
		return s.renderSiteSettings(c, status, siteFormFrom(set.Site), "")
	}
	s.flash(c, "success", "flash.vat_settings_saved")
	return c.Redirect("/admin/settings/site#site-vat", fiber.StatusSeeOther)
}
