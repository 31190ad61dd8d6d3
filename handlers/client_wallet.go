package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
	"recharge/wallet"
)

// ledgerRow is one ledger entry as the wallet page shows it.
type ledgerRow struct {
	db.LedgerEntry
	Link   string // the invoice of a purchase or renewal
	Detail string // what the entry is about (code, other customer, reason…)
}

// ledgerRows explains each entry: its invoice for purchases and renewals, the other
// customer for transfers, the code for Dedipass, the reason for adjustments.
// The customer never reads an adjustment's reason (internal, SPEC §6): they read its
// customer note, or a neutral line naming the site (neutral).
func ledgerRows(entries []db.LedgerEntry, neutral string) []ledgerRow {
	rows := make([]ledgerRow, len(entries))
	for i, e := range entries {
		r := ledgerRow{LedgerEntry: e, Detail: e.Note}
		r.LedgerEntry.Note = "" // the row carries only what the customer may read
		switch e.Kind {
		case db.KindAdjustment:
			r.Detail = e.CustomerNote
			if r.Detail == "" {
				r.Detail = neutral
			}
		case db.KindPurchase, db.KindRenewal:
			if id, ok := strings.CutPrefix(e.Reference, "invoice:"); ok {
				r.Link = "/client/invoices/" + id
			}
		case db.KindDedipass:
			r.Detail = strings.TrimPrefix(e.Reference, "dedipass:")
		}
		rows[i] = r
	}
	return rows
}

func (s *Server) walletPage(c *fiber.Ctx) error {
	return s.renderWallet(c, fiber.StatusOK, nil, fiber.Map{})
}

// renderWallet shows the balance, the transfer form and the ledger (25 a page).
func (s *Server) renderWallet(c *fiber.Ctx, status int, problem fiber.Map, form fiber.Map) error {
	u := currentUser(c)
	all, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	set := all.Fund
	p := pager(c, 25)
	entries, total, err := s.store.LedgerPage(c.UserContext(), u.ID, p.PerPage, p.Offset())
	if err != nil {
		return err
	}
	p.Total = total
	p.Path = "/client/wallet"
	return s.page(c, status, "client/wallet", tr(c, "fund.title"), fiber.Map{
		"Nav": "wallet", "BalanceShown": true, "Fund": set, "Ledger": ledgerRows(entries, tr(c, "site.adjustment_by", all.Site.Name)), "Pager": p,
		"Problem": problem, "Form": form, "TransferToken": s.formToken(c, "transfer"),
		"PerHour": wallet.TransfersPerHour, "MinCents": int64(set.TransferMin), "MaxCents": int64(set.TransferMax),
	})
}

// walletTransfer: POST /client/wallet/transfer (fields `email`, `amount`). Success →
// 303 to the wallet with a message; a refusal re-renders the wallet with the reason
// (403 disabled, 409 insufficient balance, 422 bad amount/recipient/limits, 429 rate).
func (s *Server) walletTransfer(c *fiber.Ctx) error {
	set, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	email, amount := c.FormValue("email"), c.FormValue("amount")
	token, err := s.checkFormToken(c, "transfer")
	if err == nil {
		var r *wallet.TransferResult
		r, err = s.wallet.Transfer(c.UserContext(), set.Fund, u.ID, email, amount, token)
		if err == nil {
			if r.Replayed {
				s.flash(c, "info", "flash.fund_already_sent")
			} else {
				s.log.Info("transfer", "from_user_id", u.ID, "cents", int64(r.Amount))
				s.flash(c, "success", "flash.fund_sent")
			}
			return c.Redirect("/client/wallet", fiber.StatusSeeOther)
		}
	}
	status, key, ok := formOutcome(err)
	if !ok {
		return err
	}
	return s.renderWallet(c, status, s.problem(c, key, key == keyTransferNotCovered),
		fiber.Map{"Email": email, "Amount": amount})
}
