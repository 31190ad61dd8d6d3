package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"recharge/backoffice"
	"recharge/billing"
	"recharge/i18n"
)

// Flash is a message shown once at the top of a page.
type Flash struct {
	Kind string // success, error, warning, info
	Text string
}

// Modules says which optional modules are on (SPEC §4).
type Modules struct {
	Fund     bool
	Dedipass bool
}

// siteState is what every page of a request needs from the settings, read once per
// request (page, module guard and top-up link all ask).
type siteState struct {
	Modules Modules
	Raw     backoffice.ModuleState
	Sandbox bool
}

func (s *Server) site(c *fiber.Ctx) siteState {
	if st, ok := c.Locals("site").(siteState); ok {
		return st
	}
	var st siteState
	set, err := s.store.Settings(c.UserContext())
	if err != nil {
		s.log.Warn("settings unreadable, modules shown on", "err", err.Error())
		set = map[string]string{}
	}
	st.Raw = backoffice.StateOf(set)
	st.Modules = Modules{Fund: st.Raw.Fund, Dedipass: st.Raw.Dedipass}
	st.Sandbox = set[billing.KeySandbox] == "1"
	c.Locals("site", st)
	return st
}

// pageData builds the data every page and fragment needs, then adds the handler's own
// values.
func (s *Server) pageData(c *fiber.Ctx, title string, data fiber.Map) fiber.Map {
	lang := langOf(c)
	m := fiber.Map{
		"Lang":  lang,
		"Title": title,
		"CSRF":  s.csrfToken(c),
		"Path":  c.Path(),
		"Area":  "public",
	}
	site := s.site(c)
	m["Modules"], m["Sandbox"] = site.Modules, site.Sandbox
	if u := currentUser(c); u != nil {
		m["User"] = u
		m["Area"] = "client"
		if strings.HasPrefix(c.Path(), "/admin") && u.IsAdmin() {
			m["Area"] = "admin"
			if !isHTMX(c) {
				m["AdminWarnings"] = s.adminWarnings(c, site.Raw)
			}
		}
	}
	if v := c.Cookies(flashCookie); v != "" {
		s.clearCookie(c, flashCookie)
		if kind, key, ok := strings.Cut(v, ":"); ok && strings.HasPrefix(key, "flash.") {
			if text := i18n.T(lang, key); text != key {
				m["Flash"] = Flash{Kind: kindOf(kind), Text: text}
			}
		}
	}
	for k, v := range data {
		m[k] = v
	}
	return m
}

func kindOf(k string) string {
	switch k {
	case "success", "error", "warning", "info":
		return k
	}
	return "info"
}

// page answers with a full page: tmpl inside the main layout, titled title.
func (s *Server) page(c *fiber.Ctx, status int, tmpl, title string, data fiber.Map) error {
	return c.Status(status).Render(tmpl, s.pageData(c, title, data), "layouts/main")
}

// fragment answers with tmpl alone, no layout: the piece an htmx request swaps into the
// page it came from. A handler that serves both picks one with isHTMX.
func (s *Server) fragment(c *fiber.Ctx, status int, tmpl string, data fiber.Map) error {
	return c.Status(status).Render(tmpl, s.pageData(c, "", data))
}

func isHTMX(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" && c.Get("HX-History-Restore-Request") != "true"
}

// tr translates for the current request.
func tr(c *fiber.Ctx, key string, args ...any) string { return i18n.T(langOf(c), key, args...) }
