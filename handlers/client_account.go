package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"recharge/i18n"
)

// The account page (SPEC §3.1): profile, email, password, two-factor and sessions.
// The email change (POST /client/account/email) and the two-factor pages belong to the
// mail and 2FA work; this page only links to them.

// langOption is one choice of the language select, named in its own language.
type langOption struct {
	Code, Name string
}

func languageOptions() []langOption {
	var out []langOption
	for _, l := range i18n.Languages() {
		out = append(out, langOption{Code: l, Name: i18n.T(l, "account.lang_name")})
	}
	return out
}

// sessionToken is the cookie token of this request's session ("" when anonymous).
func sessionToken(c *fiber.Ctx) string {
	tok, _ := c.Locals("session").(string)
	return tok
}

// accountPage: GET /client/account.
func (s *Server) accountPage(c *fiber.Ctx) error { return s.accountView(c, fiber.StatusOK, nil) }

// accountView renders the account page; a refused form re-renders it with its message
// and what was typed (extra), under status.
func (s *Server) accountView(c *fiber.Ctx, status int, extra fiber.Map) error {
	u := currentUser(c)
	sessions, err := s.accounts.Sessions(c.UserContext(), u.ID, sessionToken(c))
	if err != nil {
		return err
	}
	lang := u.Lang
	if !i18n.Supported(lang) {
		lang = langOf(c)
	}
	data := fiber.Map{
		"Nav": "account", "Sessions": sessions, "Languages": languageOptions(),
		"ProfileName": u.Name, "ProfileLang": lang, "MailOff": !s.mail.Enabled(),
		"BillingName": u.BillingName, "BillingAddress": u.BillingAddress,
	}
	for k, v := range extra {
		data[k] = v
	}
	return s.page(c, status, "client/account", tr(c, "account.title"), data)
}

// accountProfile: POST /client/account/profile, fields name and lang.
func (s *Server) accountProfile(c *fiber.Ctx) error {
	u := currentUser(c)
	name, lang := c.FormValue("name"), c.FormValue("lang")
	if err := s.accounts.UpdateProfile(c.UserContext(), u.ID, name, lang); err != nil {
		status, key, ok := formOutcome(err)
		if !ok {
			return err
		}
		return s.accountView(c, status, fiber.Map{"ProfileError": tr(c, key), "ProfileName": name})
	}
	// The language cookie follows, so the login page speaks it too after logout.
	s.setCookie(c, langCookie, lang, 365*24*time.Hour)
	s.flash(c, "success", "flash.account_profile_saved")
	return c.Redirect("/client/account", fiber.StatusSeeOther)
}

// accountPassword: POST /client/account/password, fields current_password and
// password. Every other session of the user ends; this one stays.
func (s *Server) accountPassword(c *fiber.Ctx) error {
	u := currentUser(c)
	err := s.accounts.ChangePassword(c.UserContext(), u.ID, sessionToken(c), c.FormValue("current_password"), c.FormValue("password"), s.clientIP(c))
	if err != nil {
		status, key, ok := formOutcome(err)
		if !ok {
			return err
		}
		s.log.Info("password change refused", "user_id", u.ID, "reason", key)
		return s.accountView(c, status, fiber.Map{"PasswordError": tr(c, key)})
	}
	s.log.Info("password changed", "user_id", u.ID)
	s.flash(c, "success", "flash.account_password_changed")
	return c.Redirect("/client/account", fiber.StatusSeeOther)
}

// accountRevokeSessions: POST /client/account/sessions/revoke ends every other
// session of the caller (the query takes the caller's id: nobody else's is touched).
func (s *Server) accountRevokeSessions(c *fiber.Ctx) error {
	u := currentUser(c)
	n, err := s.accounts.RevokeOtherSessions(c.UserContext(), u.ID, sessionToken(c))
	if err != nil {
		return err
	}
	s.log.Info("other sessions ended", "user_id", u.ID, "count", n)
	s.flash(c, "success", "flash.account_sessions_revoked")
	return c.Redirect("/client/account", fiber.StatusSeeOther)
}
