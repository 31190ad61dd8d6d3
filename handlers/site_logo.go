package handlers

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
	"recharge/static"
)

// siteLogo: GET /logo.png, the logo of the site settings (?v=<version> in its links,
// so a cached copy is never an old logo). 404 when none is set.
func (s *Server) siteLogo(c *fiber.Ctx) error {
	data, _, err := s.store.SiteAsset(c.UserContext(), db.AssetLogo)
	if err != nil {
		return err
	}
	return sendPNG(c, data, c.Query("v") != "")
}

// favicon: GET /favicon.ico, the logo when one is set, else the built-in icon (a PNG:
// browsers read the type from the content).
func (s *Server) favicon(c *fiber.Ctx) error {
	data, _, err := s.store.SiteAsset(c.UserContext(), db.AssetLogo)
	if errors.Is(err, db.ErrNotFound) {
		data, err = static.FS.ReadFile("favicon.png")
	}
	if err != nil {
		return err
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
