package shop

import (
	"context"
	"strconv"
	"strings"

	"recharge/db"
	"recharge/invoice"
	"recharge/mail"
	"recharge/notify"
	"recharge/settings"
)

// Purchase is what Buy did.
type Purchase struct {
	InvoiceID    int64
	ServiceID    int64
	ProductName  string
	PriceCents   int64
	BalanceAfter int64
	// Replayed: the same form token was used before; nothing was debited this time and
	// InvoiceID is the invoice of the first submission.
	Replayed bool
}

// Buy sells one product to a customer, paid from the wallet, in one transaction: the
// form token is claimed, the product is re-read (it must still be on sale), one unit of
// stock is taken when limited, the service and the invoice are created and the wallet
// is debited through tx.ApplyLedger (kind purchase, reference invoice:N). Any failure
// (ErrInsufficientFunds, ErrOutOfStock, ErrNotForSale, db.ErrNotFound) rolls everything
// back: no stock taken, no invoice, no service, no debit, and the token stays usable.
// A token that already bought returns the first Purchase with Replayed set. With the
// Fund module off nothing is sold (ErrFundOff).
func (s *Shop) Buy(ctx context.Context, set settings.Fund, userID, productID int64, token string) (*Purchase, error) {
	if set.Off {
		return nil, ErrFundOff
	}
	buyer, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out Purchase
	err = s.Store.Tx(ctx, func(tx *db.Tx) error {
		replay, prev, err := tx.ClaimFormToken(ctx, token, userID)
		if err != nil {
			return err
		}
		if replay {
			out = Purchase{Replayed: true, InvoiceID: refID(prev)}
			return nil
		}
		p, err := tx.ProductByID(ctx, productID)
		if err != nil {
			return err
		}
		if !p.Active {
			return ErrNotForSale
		}
		if err := tx.TakeStock(ctx, p.ID); err != nil {
			return err
		}
		now := s.now()
		sv := db.Service{UserID: userID, ProductID: p.ID, Name: p.Name, Status: db.ServiceActive,
			PriceCents: p.PriceCents, Period: p.Period}
		line := db.InvoiceLine{Description: p.Name, UnitCents: p.PriceCents}
		if p.Period == db.PeriodMonthly {
			due := AddMonth(now)
			sv.NextDueAt = &due
			line.PeriodFrom, line.PeriodTo = &now, &due
		}
		if err := tx.InsertService(ctx, &sv); err != nil {
			return err
		}
		line.ServiceID = &sv.ID
		inv := newInvoice(set, buyer, db.InvoicePurchase)
		if err := tx.InsertInvoice(ctx, &inv, []db.InvoiceLine{line}); err != nil {
			return err
		}
		entry := db.LedgerEntry{UserID: userID, AmountCents: -inv.TotalCents, Kind: db.KindPurchase,
			Reference: invoiceRef(inv.ID), Note: p.Name}
		if err := tx.ApplyLedger(ctx, &entry); err != nil {
			return err
		}
		if token != "" {
			if err := tx.SetFormTokenResult(ctx, token, invoiceRef(inv.ID)); err != nil {
				return err
			}
		}
		if err := s.notify(ctx, tx, buyer, "purchase", "purchase-"+strconv.FormatInt(inv.ID, 10), mail.Data{
			Product: p.Name, AmountCents: inv.TotalCents, BalanceCents: entry.BalanceAfterCents, Currency: inv.Currency,
			InvoiceNumber: invoice.Number(inv.Number), InvoiceID: inv.ID, URL: s.Mail.URL("/client/invoices/" + strconv.FormatInt(inv.ID, 10))}); err != nil {
			return err
		}
		if s.Notify != nil {
			if err := s.Notify.PurchaseCreated(ctx, tx, buyer, notify.Purchase{InvoiceID: inv.ID, ServiceID: sv.ID,
				ProductID: p.ID, Product: p.Name, AmountCents: inv.TotalCents, Currency: inv.Currency, Period: p.Period}); err != nil {
				return err
			}
		}
		out = Purchase{InvoiceID: inv.ID, ServiceID: sv.ID, ProductName: p.Name, PriceCents: p.PriceCents,
			BalanceAfter: entry.BalanceAfterCents}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// buyerOf is the buyer block printed on invoices (the customer number is printed
// from invoices.user_id, in the reader's language): the billing name and address
// when the customer gave them, else the account name; then the email.
func buyerOf(u *db.User) string {
	var parts []string
	if u.BillingName != "" {
		parts = append(parts, u.BillingName)
	} else if u.Name != "" {
		parts = append(parts, u.Name)
	}
	if u.BillingAddress != "" {
		parts = append(parts, u.BillingAddress)
	}
	return strings.Join(append(parts, u.Email), "\n")
}

// newInvoice is an invoice of kind to buyer with everything copied at issue: the
// seller, the buyer block, the currency and the VAT rate and mention in force.
func newInvoice(set settings.Fund, buyer *db.User, kind string) db.Invoice {
	return db.Invoice{UserID: buyer.ID, Kind: kind, Currency: set.Currency, Seller: set.Seller(),
		Buyer: buyerOf(buyer), VATRate: set.VAT.Rate, VATMention: set.VAT.Mention}
}

// notify queues a mail to the customer in the transaction tx (nothing without SMTP).
// id names the event: the same event never queues two mails.
func (s *Shop) notify(ctx context.Context, tx *db.Tx, u *db.User, template, id string, data mail.Data) error {
	if !s.Mail.Enabled() {
		return nil
	}
	data.Name = u.Name
	_, err := s.Mail.Queue(ctx, tx, mail.Message{To: u.Email, Lang: u.Lang, Template: template, ID: id, Data: data})
	return err
}
