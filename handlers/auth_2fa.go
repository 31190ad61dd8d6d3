package handlers

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"recharge/accounts"
)

// startTwoFactor answers a right password of an account with two-factor on: a session
// waiting for the code (the same cookie, not logged in anywhere) and 303 to /login/2fa.
func (s *Server) startTwoFactor(c *fiber.Ctx, userID int64, next string) error {
	ctx := c.UserContext()
	if old := c.Cookies(sessionCookie); old != "" { // an earlier login left in the middle
		_ = s.accounts.Logout(ctx, old)
	}
	tok, err := s.accounts.NewTwoFactorSession(ctx, userID, s.clientIP(c), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	s.setCookie(c, sessionCookie, tok, accounts.TwoFactorSessionLifetime)
	target := "/login/2fa"
	if next != "" {
		target += "?next=" + url.QueryEscape(next)
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// loginTwoFactorPage: GET /login/2fa, the code form of a login whose password was right.
func (s *Server) loginTwoFactorPage(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return s.home(c)
	}
	if _, err := s.accounts.TwoFactorSessionUser(c.UserContext(), c.Cookies(sessionCookie)); err != nil {
		return s.twoFactorLoginGone(c, err)
	}
	return s.renderLoginTwoFactor(c, fiber.StatusOK, safeNext(c.Query("next")), "")
}

// loginTwoFactorSubmit: POST /login/2fa (code = a TOTP or a recovery code). A right
// code replaces the waiting session with a logged-in one under a new token.
func (s *Server) loginTwoFactorSubmit(c *fiber.Ctx) error {
	if currentUser(c) != nil { // logged in already (another tab finished)
		return s.home(c)
	}
	next := safeNext(c.FormValue("next"))
	tok, u, err := s.accounts.SecondFactor(c.UserContext(), c.Cookies(sessionCookie), s.clientIP(c),
		c.Get(fiber.HeaderUserAgent), c.FormValue("code"))
	if err != nil {
		if errors.Is(err, accounts.ErrTwoFactorExpired) {
			return s.twoFactorLoginGone(c, err)
		}
		status, key, ok := formOutcome(err)
		if !ok {
			return err
		}
		s.log.Info("second factor refused", "ip", s.clientIP(c), "reason", key)
		return s.renderLoginTwoFactor(c, status, next, tr(c, key))
	}
	s.setCookie(c, sessionCookie, tok, accounts.SessionLifetime)
	return c.Redirect(landing(u, next), fiber.StatusSeeOther)
}

func (s *Server) renderLoginTwoFactor(c *fiber.Ctx, status int, next, errText string) error {
	return s.page(c, status, "public/login_2fa", tr(c, "twofactor.login_title"), fiber.Map{"Next": next, "Error": errText})
}

// twoFactorLoginGone sends a browser whose waiting login is gone back to the login page.
func (s *Server) twoFactorLoginGone(c *fiber.Ctx, err error) error {
	if !errors.Is(err, accounts.ErrTwoFactorExpired) {
		return err
	}
	s.clearCookie(c, sessionCookie)
	s.flash(c, "warning", "flash.twofactor_login_expired")
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// requireAdminTwoFactor: with require_admin_2fa on, an admin without two-factor is sent
// to its setup page until it is on (SPEC §3.1).
func (s *Server) requireAdminTwoFactor(c *fiber.Ctx) error {
	u := currentUser(c)
	if u == nil || u.TwoFactor() {
		return c.Next()
	}
	set, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	if !set.Site.RequireAdmin2FA {
		return c.Next()
	}
	s.flash(c, "warning", "flash.twofactor_required_admin")
	if isHTMX(c) {
		c.Set("HX-Redirect", "/client/account/2fa")
		return c.SendStatus(fiber.StatusForbidden)
	}
	return c.Redirect("/client/account/2fa", fiber.StatusSeeOther)
}
