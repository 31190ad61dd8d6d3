package invoice

import (
	"bytes"
	"os"
	"testing"

	"recharge/db"
)

// WritePDF makes a PDF of a long, accented invoice (INVOICE_PDF_SAMPLE=file.pdf keeps
// it for a look); its text is checked over HTTP in handlers/invoices_test.go.
func TestWritePDFSample(t *testing.T) {
	out := os.Getenv("INVOICE_PDF_SAMPLE")
	if out == "" {
		out = t.TempDir() + "/sample.pdf"
	}
	from, to := int64(1767225600), int64(1769904000)
	sid := int64(3)
	inv := &db.Invoice{ID: 7, Number: 42, UserID: 3, TotalCents: 123456, Currency: "EUR", Kind: "purchase", CreatedAt: 1767225600,
		Seller: "Hébergeur Éclair SAS\n1 rue de la Paix\n75002 Paris\nSIRET 123 456 789 00012", Buyer: "Noémie Bérard EI\n12 place de l'Église\n69002 Lyon\nnoemie@example.com", VATRate: 2000}
	lines := []db.InvoiceLine{{Description: "Serveur dédié « été » — 8 cœurs, 64 Go de RAM, une description assez longue pour passer à la ligne dans la colonne", Quantity: 1, UnitCents: 123456, TotalCents: 123456, ServiceID: &sid, PeriodFrom: &from, PeriodTo: &to}}
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := WritePDF(f, "fr", nil, inv, lines); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b, []byte("%%EOF")) {
		t.Fatalf("not a whole PDF (%d bytes, %v)", len(b), err)
	}
}
