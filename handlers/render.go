package handlers

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"recharge/i18n"
)

// Locale is how a page shows dates: the reader's language and the site's time zone
// (settings, read with the request). The templates' date and day take it first:
// {{date $.Locale .CreatedAt}}.
type Locale struct {
	Lang string
	Loc  *time.Location
}

// localeOf is the request's Locale.
func (s *Server) localeOf(c *fiber.Ctx) Locale {
	return Locale{Lang: langOf(c), Loc: s.siteSettings(c).Site.Loc()}
}

// dateTime formats an instant with its time of day; "" for 0.
func dateTime(l Locale, unix int64) string {
	if unix == 0 {
		return ""
	}
	tm := time.Unix(unix, 0).In(l.location())
	if l.Lang == "en" {
		return tm.Format("2006-01-02 15:04")
	}
	return tm.Format("02/01/2006 15:04")
}

// dayOf formats the local day of an instant.
func dayOf(l Locale, unix int64) string { return i18n.Day(l.Lang, l.location(), unix) }

func (l Locale) location() *time.Location {
	if l.Loc == nil {
		return time.UTC // never reached from a page: pageData always sets it
	}
	return l.Loc
}

// Flash is a message shown once at the top of a page.
type Flash struct {
	Kind string // success, error, warning, info
	Text string
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
	site := s.siteSettings(c)
	m["Modules"], m["Sandbox"] = site.Modules, site.Dedipass.Sandbox
	m["Site"], m["Locale"] = site.Site, Locale{Lang: lang, Loc: site.Site.Loc()}
	if u := currentUser(c); u != nil {
		m["User"] = u
		m["Area"] = "client"
		if strings.HasPrefix(c.Path(), "/admin") && u.IsAdmin() {
			m["Area"] = "admin"
			if !isHTMX(c) {
				m["AdminWarnings"] = s.adminWarnings(c, site.Modules)
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
