package handlers

import (
	"github.com/gofiber/fiber/v2"

	"recharge/settings"
	"recharge/shop"
	"recharge/wallet"
)

// fundFormOf shows stored settings in the form (decimals as typed by people).
func fundFormOf(f settings.Fund) shop.FundForm {
	form := shop.FundForm{TransfersEnabled: f.TransfersEnabled, TransferMin: f.TransferMin.Decimal(),
		Currency: f.Currency, ShopName: f.ShopName, ShopAddress: f.ShopAddress}
	if f.TransferMax > 0 {
		form.TransferMax = f.TransferMax.Decimal()
	}
	return form
}

func (s *Server) adminFundSettings(c *fiber.Ctx) error {
	set, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	return s.renderFundSettings(c, fiber.StatusOK, fundFormOf(set.Fund), "")
}

func (s *Server) renderFundSettings(c *fiber.Ctx, status int, form shop.FundForm, errKey string) error {
	data := fiber.Map{"Nav": "admin_fund", "Form": form, "PerHour": wallet.TransfersPerHour}
	if errKey != "" {
		data["Error"] = tr(c, errKey)
	}
	return s.page(c, status, "admin/settings_fund", tr(c, "fundset.title"), data)
}

// adminFundSettingsSave: POST /admin/settings/fund (fields transfers_enabled 1/0,
// transfer_min, transfer_max (empty = no maximum), currency, shop_name, shop_address).
func (s *Server) adminFundSettingsSave(c *fiber.Ctx) error {
	form := shop.FundForm{
		TransfersEnabled: c.FormValue("transfers_enabled") == "1",
		TransferMin:      c.FormValue("transfer_min"),
		TransferMax:      c.FormValue("transfer_max"),
		Currency:         c.FormValue("currency"),
		ShopName:         c.FormValue("shop_name"),
		ShopAddress:      c.FormValue("shop_address"),
	}
	set, err := shop.ParseFundForm(form)
	if err != nil {
		if status, key, ok := formOutcome(err); ok {
			return s.renderFundSettings(c, status, form, key)
		}
		return err
	}
	if err := s.shop.SaveFundSettings(c.UserContext(), s.actor(c), set); err != nil {
		if status, key, ok := formOutcome(err); ok {
			return s.renderFundSettings(c, status, form, key)
		}
		return err
	}
	s.flash(c, "success", "flash.fund_settings_saved")
	return c.Redirect("/admin/settings/fund", fiber.StatusSeeOther)
}
