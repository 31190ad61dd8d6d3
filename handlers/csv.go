package handlers

import (
	"bufio"
	"context"
	"encoding/csv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// csvSafe keeps a cell from being read as a formula by spreadsheets: a leading
// = + - @ (or tab / carriage return, which some programs strip first) gets a quote.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// streamCSV answers an RFC 4180 CSV download named name: a UTF-8 BOM, the header,
// then every row each hands to write (cells made formula-safe), streamed as they are
// read so a million rows never sit in memory. each runs after the handler returned,
// with its own context; its error stops the file and is logged.
func (s *Server) streamCSV(c *fiber.Ctx, name string, header []string, each func(ctx context.Context, write func(row []string) error) error) {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	log := s.log
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		_, _ = w.WriteString("\ufeff") // BOM: spreadsheets then read UTF-8 correctly
		cw := csv.NewWriter(w)
		_ = cw.Write(header)
		n := 0
		err := each(ctx, func(row []string) error {
			for i := range row {
				row[i] = csvSafe(row[i])
			}
			if err := cw.Write(row); err != nil {
				return err
			}
			if n++; n%500 == 0 {
				cw.Flush()
				if err := cw.Error(); err != nil {
					return err
				}
				return w.Flush() // the client gets rows as they are read
			}
			return nil
		})
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			log.Warn("csv export stopped", "file", name, "rows", n, "err", err.Error())
		}
	})
}
