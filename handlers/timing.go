package handlers

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// serverTiming reports the handler time in a Server-Timing header to admins alone
// (the benchmark reads it to measure server time without the network); anyone else
// could use it to time what the server does with their input.
func serverTiming(c *fiber.Ctx) error {
	t0 := time.Now()
	err := c.Next()
	if currentUser(c).IsAdmin() {
		c.Set("Server-Timing", "app;dur="+strconv.FormatFloat(float64(time.Since(t0).Microseconds())/1000, 'f', 3, 64))
	}
	return err
}
