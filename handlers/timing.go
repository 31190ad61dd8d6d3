package handlers

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// serverTiming reports the handler time in a Server-Timing header (the benchmark reads
// it to measure server time without the network).
func serverTiming(c *fiber.Ctx) error {
	t0 := time.Now()
	err := c.Next()
	c.Set("Server-Timing", "app;dur="+strconv.FormatFloat(float64(time.Since(t0).Microseconds())/1000, 'f', 3, 64))
	return err
}
