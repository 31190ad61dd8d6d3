package handlers

import (
	"strings"
	"time"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"recharge/accounts"
	"recharge/db"
	"recharge/i18n"
)

func (s *Server) home(c *fiber.Ctx) error {
	if u := currentUser(c); u != nil {
		if u.IsAdmin() {
			return c.Redirect("/admin", fiber.StatusSeeOther)
		}
		return c.Redirect("/client", fiber.StatusSeeOther)
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}

func (s *Server) healthz(c *fiber.Ctx) error {
	if err := s.store.Healthy(c.UserContext()); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "error"})
	}
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *Server) loginPage(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return s.home(c)
	}
	return s.page(c, fiber.StatusOK, "public/login", tr(c, "auth.login_title"), fiber.Map{"Next": safeNext(c.Query("next"))})
}

func (s *Server) loginSubmit(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	next := safeNext(c.FormValue("next"))
	u, err := s.accounts.Login(c.UserContext(), email, c.FormValue("password"), s.clientIP(c))
	if err != nil {
		status, key, ok := formOutcome(err)
		if !ok {
			return err
		}
		s.log.Info("login refused", "ip", s.clientIP(c), "reason", key)
		return s.page(c, status, "public/login", tr(c, "auth.login_title"),
			fiber.Map{"Error": tr(c, key), "Email": email, "Next": next})
	}
	if u.TwoFactor() { // half a login: the code is asked at /login/2fa
		return s.startTwoFactor(c, u.ID, next)
	}
	if err := s.startSession(c, u.ID); err != nil {
		return err
	}
	return c.Redirect(landing(u, next), fiber.StatusSeeOther)
}

// landing is where a login goes: next when it is a safe local path, else the user's
// home (admins to /admin).
func landing(u *db.User, next string) string {
	if next != "" {
		return next
	}
	if u.IsAdmin() {
		return "/admin"
	}
	return "/client"
}

// startSession issues a brand-new session id (never reuses one: no fixation).
func (s *Server) startSession(c *fiber.Ctx, userID int64) error {
	if old, ok := c.Locals("session").(string); ok && old != "" {
		_ = s.accounts.Logout(c.UserContext(), old)
	}
	tok, err := s.accounts.NewSession(c.UserContext(), userID, s.clientIP(c), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	s.setCookie(c, sessionCookie, tok, accounts.SessionLifetime)
	return nil
}

func (s *Server) registerPage(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return s.home(c)
	}
	return s.page(c, fiber.StatusOK, "public/register", tr(c, "auth.register_title"), nil)
}

func (s *Server) registerSubmit(c *fiber.Ctx) error {
	email, name := strings.TrimSpace(c.FormValue("email")), c.FormValue("name")
	u, err := s.accounts.SignUp(c.UserContext(), s.clientIP(c), email, c.FormValue("password"), name, langOf(c))
	if err != nil {
		status, key, ok := formOutcome(err)
		if !ok {
			return err
		}
		return s.page(c, status, "public/register", tr(c, "auth.register_title"),
			fiber.Map{"Error": tr(c, key), "Email": email, "Name": name})
	}
	s.log.Info("account registered", "user_id", u.ID)
	if err := s.startSession(c, u.ID); err != nil {
		return err
	}
	s.flash(c, "success", "flash.welcome")
	return c.Redirect("/client", fiber.StatusSeeOther)
}

func (s *Server) logout(c *fiber.Ctx) error {
	// The cookie's session, logged in or still waiting for its second factor.
	if tok := c.Cookies(sessionCookie); tok != "" {
		if err := s.accounts.Logout(c.UserContext(), tok); err != nil {
			return err
		}
	}
	s.clearCookie(c, sessionCookie)
	s.flash(c, "info", "flash.logged_out")
	return c.Redirect("/login", fiber.StatusSeeOther)
}

func (s *Server) switchLang(c *fiber.Ctx) error {
	lang := c.FormValue("lang")
	if !i18n.Supported(lang) {
		return fiber.NewError(fiber.StatusBadRequest, tr(c, "lang.unknown"))
	}
	s.setCookie(c, langCookie, lang, 365*24*time.Hour)
	if u := currentUser(c); u != nil {
		if err := s.store.SetUserLang(c.UserContext(), u.ID, lang); err != nil {
			return err
		}
	}
	back := safeNext(c.FormValue("back"))
	if back == "" {
		back = "/"
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}

// safeNext keeps only local paths, so ?next= cannot send a user to another site: "/"
// followed by neither "/" nor a backslash, and no backslash or control character
// anywhere (browsers drop TABs and newlines from URLs and read a backslash as "/", so
// "/<TAB>/evil.example" is another origin).
func safeNext(p string) string {
	if len(p) > 500 || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") ||
		strings.ContainsRune(p, '\\') || strings.IndexFunc(p, unicode.IsControl) >= 0 {
		return ""
	}
	return p
}
