package invoice

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"recharge/db"
	"recharge/i18n"
	"recharge/mail"
	"recharge/money"
)

// zoneName names the zone the invoice's dates are written in (UTC when none).
func zoneName(loc *time.Location) string {
	if loc == nil {
		return "UTC"
	}
	return loc.String()
}

// Totals are the amounts printed under the lines: HT and TVA split from the
// tax-included total at the rate the invoice was issued with (Split).
type Totals struct {
	HT, TVA, TTC int64
	Rate         int64 // basis points; 0 = no tax lines, the mention instead
}

// TotalsOf computes an invoice's totals.
func TotalsOf(inv *db.Invoice) Totals {
	ht, tva := Split(inv.TotalCents, inv.VATRate)
	return Totals{HT: ht, TVA: tva, TTC: inv.TotalCents, Rate: inv.VATRate}
}

// WritePDF writes the invoice as an A4 PDF in lang: seller and buyer blocks, number
// and dates, the lines, then HT / TVA / TTC when it was issued with a VAT rate, or
// the total and the VAT mention. The PDF core fonts speak Windows-1252, so the text
// goes through fpdf's translator (é, €, « » print right; a character outside that
// code page prints as "?"). Its metadata dates are the invoice's, so the same
// invoice always gives the same bytes.
func WritePDF(w io.Writer, lang string, loc *time.Location, inv *db.Invoice, lines []db.InvoiceLine) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	issued := time.Unix(inv.CreatedAt, 0).UTC()
	pdf.SetCreationDate(issued)
	pdf.SetModificationDate(issued)
	number := Number(inv.Number)
	title := i18n.T(lang, "invoice.title", number)
	pdf.SetTitle(title, true)
	pdf.SetProducer("Recharge", true)
	pdf.SetMargins(18, 18, 18)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AddPage()
	t := func(s string) string { return tr(s) }
	amount := func(c int64) string { return t(money.Cents(c).Format(lang, inv.Currency)) }
	const width = 210.0 - 36 // A4 minus the margins

	// Head: title and dates on the left, status on the right.
	pdf.SetFont("Helvetica", "B", 18)
	pdf.CellFormat(width, 9, t(title), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	pdf.SetTextColor(90, 90, 90)
	pdf.CellFormat(width, 6, t(i18n.T(lang, "invoice.issued_on", i18n.Day(lang, loc, inv.CreatedAt), zoneName(loc))), "", 1, "L", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	pdf.Ln(6)

	// Seller and buyer side by side.
	col := width/2 - 4
	top := pdf.GetY()
	block := func(x float64, heading, body, extra string) float64 {
		pdf.SetXY(x, top)
		pdf.SetFont("Helvetica", "B", 9)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(col, 5, t(strings.ToUpper(heading)), "", 2, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		pdf.SetFont("Helvetica", "", 10)
		pdf.MultiCell(col, 5, t(body), "", "L", false)
		if extra != "" {
			pdf.SetX(x)
			pdf.SetFont("Helvetica", "", 9)
			pdf.SetTextColor(90, 90, 90)
			pdf.MultiCell(col, 5, t(extra), "", "L", false)
			pdf.SetTextColor(0, 0, 0)
		}
		return pdf.GetY()
	}
	left, _, _, _ := pdf.GetMargins()
	y1 := block(left, i18n.T(lang, "invoice.seller"), inv.Seller, "")
	y2 := block(left+width/2+4, i18n.T(lang, "invoice.buyer"), inv.Buyer, i18n.T(lang, "invoice.customer_no", inv.UserID))
	pdf.SetXY(left, max(y1, y2)+8)

	// Lines.
	cols := []float64{width - 20 - 32 - 32, 20, 32, 32}
	pdf.SetFont("Helvetica", "B", 9)
	pdf.SetFillColor(238, 238, 238)
	for i, h := range []string{"invoice.col_description", "invoice.col_qty", "invoice.col_unit", "invoice.col_total"} {
		align := "R"
		if i == 0 {
			align = "L"
		}
		pdf.CellFormat(cols[i], 7, t(i18n.T(lang, h)), "B", 0, align, true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 10)
	for _, l := range lines {
		desc := l.Description
		if l.PeriodFrom != nil && l.PeriodTo != nil {
			desc += "\n" + i18n.T(lang, "invoice.period", i18n.Day(lang, loc, *l.PeriodFrom), i18n.Day(lang, loc, *l.PeriodTo))
		}
		y := pdf.GetY()
		pdf.MultiCell(cols[0], 6, t(desc), "", "L", false)
		next := pdf.GetY()
		pdf.SetXY(left+cols[0], y)
		pdf.CellFormat(cols[1], 6, strconv.FormatInt(l.Quantity, 10), "", 0, "R", false, 0, "")
		pdf.CellFormat(cols[2], 6, amount(l.UnitCents), "", 0, "R", false, 0, "")
		pdf.CellFormat(cols[3], 6, amount(l.TotalCents), "", 0, "R", false, 0, "")
		pdf.SetXY(left, next+1)
		pdf.Line(left, pdf.GetY(), left+width, pdf.GetY())
	}
	pdf.Ln(3)

	// Totals, right-aligned under the amounts.
	label := cols[0] + cols[1] + cols[2]
	row := func(name, value string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		pdf.SetFont("Helvetica", style, 10)
		pdf.CellFormat(label, 7, t(name), "", 0, "R", false, 0, "")
		pdf.CellFormat(cols[3], 7, value, "", 1, "R", false, 0, "")
	}
	tot := TotalsOf(inv)
	if tot.Rate > 0 {
		row(i18n.T(lang, "invoicing.total_ht"), amount(tot.HT), false)
		row(i18n.T(lang, "invoicing.vat_line", Rate(lang, tot.Rate)), amount(tot.TVA), false)
		row(i18n.T(lang, "invoicing.total_ttc"), amount(tot.TTC), true)
	} else {
		row(i18n.T(lang, "invoice.total"), amount(tot.TTC), true)
	}
	pdf.Ln(6)
	pdf.SetFont("Helvetica", "", 9)
	if tot.Rate == 0 && inv.VATMention != "" {
		pdf.MultiCell(width, 5, t(inv.VATMention), "", "L", false)
	}
	pdf.MultiCell(width, 5, t(i18n.T(lang, "invoice.paid_by_wallet", i18n.Day(lang, loc, inv.CreatedAt), zoneName(loc))), "", "L", false)
	pdf.SetTextColor(90, 90, 90)
	pdf.MultiCell(width, 5, t(i18n.T(lang, "invoice.currency", inv.Currency)), "", "L", false)
	return pdf.Output(w)
}

// MailAttachment is the mailer's Attach: the PDF of the invoice a mail names, in the
// mail's language and the site's time zone. An invoice that no longer exists sends the
// mail without it.
func MailAttachment(store *db.Store) func(ctx context.Context, d mail.Data, lang string, b mail.Brand) (string, []byte, error) {
	return func(ctx context.Context, d mail.Data, lang string, b mail.Brand) (string, []byte, error) {
		inv, lines, err := store.InvoiceByID(ctx, d.InvoiceID)
		if errors.Is(err, db.ErrNotFound) {
			return "", nil, nil
		}
		if err != nil {
			return "", nil, err
		}
		var buf bytes.Buffer
		if err := WritePDF(&buf, lang, b.Location, inv, lines); err != nil {
			return "", nil, err
		}
		return FileName(inv.Number), buf.Bytes(), nil
	}
}
