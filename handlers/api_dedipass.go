package handlers

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"recharge/billing"
)

// dedipassCallback is POST /api/dedipass (SPEC §5.4): authenticated by the private
// key, no session, no CSRF. It keeps crediting even when the module is disabled, so a
// paid code is never lost. Answers are JSON and never echo a key.
func (s *Server) dedipassCallback(c *fiber.Ctx) error {
	form := url.Values{}
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	switch {
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		mf, err := c.MultipartForm()
		if err != nil {
			return s.callbackAnswer(c, billing.CallbackResult{Outcome: billing.CallbackInvalid, Detail: "unreadable form"})
		}
		for k, v := range mf.Value {
			form[k] = v
		}
	default:
		c.Request().PostArgs().VisitAll(func(k, v []byte) { form.Add(string(k), string(v)) })
	}
	set, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	res, err := s.dedipass.Callback(c.UserContext(), set.Dedipass, form)
	if err != nil {
		return err
	}
	if res.Outcome == billing.CallbackWrongKey {
		s.log.Warn("dedipass callback with a wrong key", "ip", s.clientIP(c))
	}
	return s.callbackAnswer(c, res)
}

// callbackAnswer writes the JSON answer to Dedipass, as callbackTable says.
func (s *Server) callbackAnswer(c *fiber.Ctx, res billing.CallbackResult) error {
	status, word, message := callbackOutcome(res)
	body := fiber.Map{"status": word}
	if message != "" {
		body["message"] = message
	}
	return c.Status(status).JSON(body)
}
