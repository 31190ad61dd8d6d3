package handlers

import (
	"bufio"
	"context"
	"encoding/csv"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"recharge/money"
)

// CSV exports (SPEC §8). Every export goes through streamCSV, so they all share one
// format choice and one protection against formulas:
//
//   - by default RFC 4180: ',' between cells, CRLF line ends, no BOM, decimals with '.';
//   - with excel=1, what French Excel opens by double-click: ';' between cells, a UTF-8
//     BOM (else Excel reads Windows-1252), CRLF, decimals with ',' (else "1.53" becomes
//     a date or text).
//
// A handler only names the file, gives the header and writes its rows:
//
//	return s.streamCSV(c, "invoices", header, func(ctx context.Context, out *csvOut) error {
//		return store.EachInvoice(ctx, f, func(inv *db.Invoice) error {
//			return out.Row(inv.Number, out.Money(inv.TotalCents), …)
//		})
//	})

// csvOut writes the rows of one export.
type csvOut struct {
	w     *bufio.Writer
	cw    *csv.Writer
	excel bool
	rows  int
}

// csvExcel reports whether the request asks for the French Excel form (excel=1).
func csvExcel(c *fiber.Ctx) bool {
	v := c.Query("excel")
	return v == "1" || v == "true"
}

// newCSVOut starts an export on w: the BOM when excel, and the CSV writer set up.
func newCSVOut(w *bufio.Writer, excel bool) *csvOut {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180 §2.1, and what Excel writes
	if excel {
		cw.Comma = ';'
		_, _ = w.WriteString("\ufeff")
	}
	return &csvOut{w: w, cw: cw, excel: excel}
}

// Money is an amount as a spreadsheet reads it: "1234.50", or "1234,50" for Excel.
// No grouping and no currency sign, so the cell stays a number.
func (o *csvOut) Money(c money.Cents) string {
	if o.excel {
		return strings.Replace(c.Decimal(), ".", ",", 1)
	}
	return c.Decimal()
}

// Row writes one row; every cell is passed through csvSafe. Rows reach the client in
// batches of 500, as they are read.
func (o *csvOut) Row(cells ...string) error {
	for i := range cells {
		cells[i] = csvSafe(cells[i])
	}
	if err := o.cw.Write(cells); err != nil {
		return err
	}
	if o.rows++; o.rows%500 == 0 {
		return o.flush()
	}
	return nil
}

func (o *csvOut) flush() error {
	o.cw.Flush()
	if err := o.cw.Error(); err != nil {
		return err
	}
	return o.w.Flush()
}

// streamCSV answers with an attachment named <name>-<UTC time>.csv: the header, then the
// rows that write produces. The body is streamed after the handler returned (a million
// rows never sit in memory), so write gets its own context rather than the request's.
func (s *Server) streamCSV(c *fiber.Ctx, name string, header []string, write func(ctx context.Context, out *csvOut) error) error {
	excel := csvExcel(c)
	file := name + "-" + time.Now().UTC().Format("20060102-150405") + ".csv"
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+file+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	log := s.log
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		out := newCSVOut(w, excel)
		err := out.Row(header...)
		if err == nil {
			err = write(ctx, out)
		}
		if err == nil {
			err = out.flush()
		}
		if err != nil {
			log.Warn("csv export stopped", "export", name, "rows", out.rows, "err", err.Error())
		}
	})
	return nil
}

// csvSafe keeps a cell from being read as a formula by spreadsheets (CSV injection): a
// leading = + - @ (or tab / carriage return, which some programs strip first) gets a
// quote. A plain number ("-12.50", "-3", "-0,05") is left alone: it is no formula, and
// a negative amount must stay a number.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) && !plainNumber(v) {
		return "'" + v
	}
	return v
}

// plainNumber: an optional '-', digits, and at most one '.' or ',' followed by digits.
func plainNumber(v string) bool {
	v = strings.TrimPrefix(v, "-")
	digits, sep := 0, false
	for i := 0; i < len(v); i++ {
		switch ch := v[i]; {
		case ch >= '0' && ch <= '9':
			digits++
		case (ch == '.' || ch == ',') && !sep && digits > 0 && i < len(v)-1:
			sep = true
		default:
			return false
		}
	}
	return digits > 0
}

// exportLinks are the two download links of a list's current filter: the RFC 4180 file
// and the one French Excel opens (excel=1).
func exportLinks(path string, filter url.Values) (csvURL, excelURL string) {
	excel := url.Values{"excel": {"1"}}
	for k, v := range filter {
		excel[k] = v
	}
	csvURL = path
	if len(filter) > 0 {
		csvURL += "?" + filter.Encode()
	}
	return csvURL, path + "?" + excel.Encode()
}
