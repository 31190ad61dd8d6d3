package handlers

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
	"recharge/static"
)

// logoCopy is the logo of one version, kept in memory: the logo is sent with every
// page's header and as the favicon, and changes only when an admin uploads another
// (its version, the upload time, is a setting every request already has).
type logoCopy struct {
	version int64
	data    []byte
}

// logo returns the site's logo (nil when none is set), reading the database only
// when the version changed.
func (s *Server) logo(c *fiber.Ctx) ([]byte, error) {
	version := s.siteSettings(c).Site.LogoVersion
	if version == 0 {
		return nil, nil
	}
	if l := s.logoCache.Load(); l != nil && l.version == version {
		return l.data, nil
	}
	data, _, err := s.store.SiteAsset(c.UserContext(), db.AssetLogo)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.logoCache.Store(&logoCopy{version: version, data: data})
	return data, nil
}

// siteLogo: GET /logo.png, the logo of the site settings (?v=<version> in its links,
// so a cached copy is never an old logo). 404 when none is set.
func (s *Server) siteLogo(c *fiber.Ctx) error {
	data, err := s.logo(c)
	if err != nil {
		return err
	}
	if data == nil {
		return fiber.ErrNotFound
	}
	current := strconv.FormatInt(s.siteSettings(c).Site.LogoVersion, 10)
	return sendPNG(c, data, c.Query("v") == current) // another v: not kept a year
}

// favicon: GET /favicon.ico, the logo when one is set, else the built-in icon (a PNG:
// browsers read the type from the content).
func (s *Server) favicon(c *fiber.Ctx) error {
	data, err := s.logo(c)
	if err != nil {
		return err
	}
	if data == nil {
		if data, err = static.FS.ReadFile("favicon.png"); err != nil {
			return err
		}
	}
	return sendPNG(c, data, false)
}

// sendPNG answers an image; versioned URLs are kept a year, the others a little while.
func sendPNG(c *fiber.Ctx, data []byte, versioned bool) error {
	c.Set(fiber.HeaderContentType, "image/png")
	if versioned {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	}
	c.Set(fiber.HeaderContentLength, strconv.Itoa(len(data)))
	return c.Send(data)
}
