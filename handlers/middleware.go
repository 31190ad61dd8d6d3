package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
	"recharge/i18n"
)

const (
	sessionCookie = "rc_session"
	anonCookie    = "rc_anon"
	langCookie    = "rc_lang"
	flashCookie   = "rc_flash"
)

// securityHeaders sets the headers every answer carries (issue #2, hardening).
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	if s.secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	return c.Next()
}

// loadSession resolves the session cookie and picks the language.
func (s *Server) loadSession(c *fiber.Ctx) error {
	if tok := c.Cookies(sessionCookie); tok != "" {
		u, err := s.accounts.SessionUser(c.UserContext(), tok)
		switch {
		case err == nil:
			c.Locals("user", u)
			c.Locals("session", tok)
			// Nothing a logged-in user sees is kept by the browser: Back after logout
			// must not show the wallet (SPEC §3).
			c.Set(fiber.HeaderCacheControl, "no-store")
		case errors.Is(err, db.ErrNotFound):
			// expired or logged out: treat as anonymous
		default:
			return err
		}
	}
	c.Locals("lang", s.pickLang(c))
	return c.Next()
}

func (s *Server) pickLang(c *fiber.Ctx) string {
	if u := currentUser(c); u != nil && i18n.Supported(u.Lang) {
		return u.Lang
	}
	if l := c.Cookies(langCookie); i18n.Supported(l) {
		return l
	}
	if l := i18n.FromAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage)); l != "" {
		return l
	}
	return i18n.Default
}

func currentUser(c *fiber.Ctx) *db.User {
	u, _ := c.Locals("user").(*db.User)
	return u
}

func langOf(c *fiber.Ctx) string {
	if l, ok := c.Locals("lang").(string); ok {
		return l
	}
	return i18n.Default
}

// csrfToken is the token of this browser as this response carries it. The browser's
// token is an HMAC (key kept in the database, so every instance agrees) of a random
// HttpOnly browser cookie set here when missing; it stays the same across login and
// logout, so a page loaded before logging in still posts, and another site can
// neither read the cookie nor compute the token. On the wire it is masked afresh for
// each response (a random pad, then the token XOR the pad), so a compressed page never
// repeats it and BREACH-style guessing learns nothing.
func (s *Server) csrfToken(c *fiber.Ctx) string {
	if t, ok := c.Locals("csrf").(string); ok {
		return t
	}
	raw := s.browserToken(c)
	pad := make([]byte, len(raw))
	_, _ = rand.Read(pad)
	masked := make([]byte, 0, 2*len(raw))
	masked = append(masked, pad...)
	for i := range raw {
		masked = append(masked, raw[i]^pad[i])
	}
	t := base64.RawURLEncoding.EncodeToString(masked)
	c.Locals("csrf", t)
	return t
}

// browserToken is the unmasked token of this browser (csrfToken).
func (s *Server) browserToken(c *fiber.Ctx) []byte {
	anon := c.Cookies(anonCookie)
	if len(anon) < 20 || len(anon) > 64 {
		b := make([]byte, 24)
		_, _ = rand.Read(b)
		anon = base64.RawURLEncoding.EncodeToString(b)
		s.setCookie(c, anonCookie, anon, 400*24*time.Hour)
		c.Request().Header.SetCookie(anonCookie, anon) // later calls in this request agree
	}
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("browser:" + anon))
	return m.Sum(nil)
}

// csrfValid unmasks a token sent back and compares it in constant time.
func (s *Server) csrfValid(c *fiber.Ctx, got string) bool {
	b, err := base64.RawURLEncoding.DecodeString(got)
	want := s.browserToken(c)
	if err != nil || len(b) != 2*len(want) {
		return false
	}
	pad, x := b[:len(want)], b[len(want):]
	for i := range x {
		x[i] ^= pad[i]
	}
	return subtle.ConstantTimeCompare(x, want) == 1
}

// checkCSRF refuses state-changing requests without the right token (SPEC §9).
// /api/* (provider callbacks) is exempt: it authenticates with the private key.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if strings.HasPrefix(c.Path(), "/api/") {
		return c.Next()
	}
	got := c.Get("X-CSRF-Token")
	if got == "" {
		got = c.FormValue("_csrf")
	}
	if got == "" || !s.csrfValid(c, got) {
		return fiber.NewError(fiber.StatusForbidden, i18n.T(langOf(c), "error.csrf"))
	}
	return c.Next()
}

// requireUser sends anonymous visitors to the login page.
func requireUser(c *fiber.Ctx) error {
	if currentUser(c) == nil {
		next := c.OriginalURL()
		target := "/login"
		if c.Method() == fiber.MethodGet && safeNext(next) != "" {
			target += "?next=" + url.QueryEscape(next)
		}
		if c.Get("HX-Request") == "true" {
			c.Set("HX-Redirect", target)
			return c.SendStatus(fiber.StatusUnauthorized)
		}
		return c.Redirect(target, fiber.StatusSeeOther)
	}
	return c.Next()
}

// requireAdmin: anonymous → login, client → 403.
func requireAdmin(c *fiber.Ctx) error {
	u := currentUser(c)
	if u == nil {
		return requireUser(c)
	}
	if !u.IsAdmin() {
		return fiber.NewError(fiber.StatusForbidden, i18n.T(langOf(c), "error.admin_only"))
	}
	return c.Next()
}

func (s *Server) setCookie(c *fiber.Ctx, name, value string, maxAge time.Duration) {
	ck := &fiber.Cookie{Name: name, Value: value, Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode}
	if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
		ck.Expires = time.Now().Add(maxAge)
	}
	c.Cookie(ck)
}

func (s *Server) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode,
		MaxAge: -1, Expires: time.Unix(1, 0)})
}

// flash stores a one-shot message key shown on the next page.
func (s *Server) flash(c *fiber.Ctx, kind, key string) {
	s.setCookie(c, flashCookie, kind+":"+key, 5*time.Minute)
}

// requireModule answers 404 on a client page whose module is off (SPEC §4).
func (s *Server) requireModule(name string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		m := s.siteSettings(c).Modules
		on := m.Fund
		if name == "dedipass" {
			on = m.Dedipass
		}
		if !on {
			return fiber.ErrNotFound
		}
		return c.Next()
	}
}

// actor is who acts in this request, for the audit log.
func (s *Server) actor(c *fiber.Ctx) db.Actor {
	return db.Actor{UserID: currentUser(c).ID, IP: s.clientIP(c)}
}

// The Content Security Policy of every page: nothing but our own origin.
const csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// DedipassWidgetOrigin serves Dedipass's widget (pay.js and the frames it opens).
const DedipassWidgetOrigin = "https://api.dedipass.com"

// widgetCSP is the policy of the payment page in widget mode alone: Dedipass's origin
// may also run its script and frames there.
const widgetCSP = "default-src 'self'; img-src 'self' data: " + DedipassWidgetOrigin + "; style-src 'self'; script-src 'self' " + DedipassWidgetOrigin +
	"; frame-src " + DedipassWidgetOrigin + "; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
