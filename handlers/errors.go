package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"recharge/db"
	"recharge/i18n"
)

// errorHandler is the one place errors become statuses and pages: JSON for /api/*, an
// HTML page elsewhere. Users see a sentence; details go to the log, never a stack trace.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	code := fiber.StatusInternalServerError
	lang := langOf(c)
	msg := ""
	var fe *fiber.Error
	switch {
	case errors.As(err, &fe):
		code = fe.Code
		msg = fe.Message
	case errors.Is(err, db.ErrUnavailable):
		code = fiber.StatusServiceUnavailable
	case errors.Is(err, db.ErrNotFound):
		code = fiber.StatusNotFound
	}
	if code >= 500 {
		s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "status", code, "err", err.Error())
	}
	// Our handlers raise fiber errors with a translated sentence; fiber's own ones carry
	// English defaults ("Not Found", "Cannot GET /x"), replaced by ours. A 500 never shows
	// its cause.
	if fe == nil || code == fiber.StatusInternalServerError || fe.Message == utils.StatusMessage(code) || strings.HasPrefix(msg, "Cannot ") {
		msg = i18n.T(lang, defaultErrorKey(code))
	}
	c.Response().Header.Del(fiber.HeaderContentEncoding)
	if strings.HasPrefix(c.Path(), "/api/") || strings.Contains(c.Get(fiber.HeaderAccept), "application/json") && !strings.Contains(c.Get(fiber.HeaderAccept), "text/html") {
		return c.Status(code).JSON(fiber.Map{"status": "error", "message": msg})
	}
	title := i18n.T(lang, errorTitleKey(code))
	if isHTMX(c) {
		// A small alert swapped in place of the fragment the request asked for.
		return s.render(c, code, "", "partials/error_fragment", title, fiber.Map{"Status": code, "ErrorTitle": title, "ErrorMessage": msg})
	}
	if rerr := s.render(c, code, "error", "", title, fiber.Map{"Status": code, "ErrorTitle": title, "ErrorMessage": msg}); rerr != nil {
		s.log.Error("render error page", "err", rerr.Error())
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(code).SendString(msg)
	}
	return nil
}

// defaultErrorKey is the sentence shown for a status when nothing better is known.
func defaultErrorKey(code int) string {
	switch code {
	case fiber.StatusNotFound:
		return "error.not_found"
	case fiber.StatusMethodNotAllowed:
		return "error.method"
	case fiber.StatusRequestEntityTooLarge:
		return "error.too_large"
	case fiber.StatusServiceUnavailable:
		return "error.unavailable"
	}
	if code >= 400 && code < 500 {
		return "error.bad_request"
	}
	return "error.internal"
}
