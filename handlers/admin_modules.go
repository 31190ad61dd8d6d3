package handlers

import (
	"github.com/gofiber/fiber/v2"

	"recharge/i18n"
	"recharge/settings"
)

func (s *Server) modulesPage(c *fiber.Ctx, status int, formErr string) error {
	set, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	st := set.Modules
	return s.page(c, status, "admin/modules", tr(c, "admin.modules_title"),
		fiber.Map{"Nav": "admin_modules", "State": st, "Error": formErr})
}

// adminModules: GET /admin/modules.
func (s *Server) adminModules(c *fiber.Ctx) error {
	return s.modulesPage(c, fiber.StatusOK, "")
}

// adminModuleSet: POST /admin/modules/{dedipass|fund}, field enabled = 1 | 0.
func (s *Server) adminModuleSet(c *fiber.Ctx) error {
	name := c.Params("name")
	var on bool
	switch c.FormValue("enabled") {
	case "1":
		on = true
	case "0":
	default:
		return fiber.NewError(fiber.StatusBadRequest, tr(c, "admin.module_bad_value"))
	}
	ch, err := s.backoffice.SetModule(c.UserContext(), s.actor(c), name, on)
	if err != nil {
		status, key, ok := formOutcome(err)
		if !ok {
			return err // unknown module: the error page
		}
		return s.modulesPage(c, status, tr(c, key))
	}
	key := "flash.admin_module_unchanged"
	switch {
	case ch.DedipassTurnedOff:
		key = "flash.admin_fund_off_dedipass_off"
	case ch.Changed:
		key = moduleFlashKey(name, on)
	}
	kind := "success"
	if ch.DedipassTurnedOff {
		kind = "warning"
	}
	s.flash(c, kind, key)
	return c.Redirect("/admin/modules", fiber.StatusSeeOther)
}

// adminWarnings are the banners every admin page shows (layout slot AdminWarnings).
func (s *Server) adminWarnings(c *fiber.Ctx, st settings.Modules) []string {
	n, since, err := s.backoffice.PaymentsWhileDisabled(c.UserContext(), st)
	if err != nil {
		s.log.Warn("admin warnings", "err", err.Error())
		return nil
	}
	if n == 0 {
		return nil
	}
	return []string{i18n.Plural(langOf(c), int64(n), "admin.warn_payments_while_disabled_one", "admin.warn_payments_while_disabled_other",
		n, dateTime(s.localeOf(c), since))}
}
