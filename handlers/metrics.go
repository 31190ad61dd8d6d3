package handlers

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"recharge/metrics"
)

// metricsPage: GET /metrics — Prometheus text format (SPEC §8). Off (404) unless
// --metrics-token is set; then only with "Authorization: Bearer <token>" (401
// otherwise, compared in constant time).
func (s *Server) metricsPage(c *fiber.Ctx) error {
	if s.cfg.MetricsToken == "" {
		return fiber.ErrNotFound
	}
	got, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	// Hashes of equal length: the comparison time says nothing about the token's length.
	a, b := sha256.Sum256([]byte(strings.TrimSpace(got))), sha256.Sum256([]byte(s.cfg.MetricsToken))
	if !ok || subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
		return c.Status(fiber.StatusUnauthorized).SendString("401 Unauthorized: Authorization: Bearer <metrics token> required\n")
	}
	return s.metricsHandler(c)
}

// countRequests counts every answered request by method, route pattern (the matched
// fiber route, never the raw URL: bounded labels) and status. Installed only when
// metrics are on.
func (s *Server) countRequests(c *fiber.Ctx) error {
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		var fe *fiber.Error
		switch {
		case errors.As(err, &fe):
			status = fe.Code
		default:
			status = fiber.StatusInternalServerError
			if st, _, ok := outcomeOf(err); ok {
				status = st
			}
		}
	}
	r := c.Route()
	route := r.Path
	if r.Method == "USE" {
		route = "unmatched" // stopped by a middleware or the catch-all: no page pattern
	}
	metrics.HTTPRequest(c.Method(), route, status)
	return err
}

var promHandler = adaptor.HTTPHandler(metrics.Handler())

func (s *Server) metricsHandler(c *fiber.Ctx) error { return promHandler(c) }
