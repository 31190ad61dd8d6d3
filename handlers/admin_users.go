package handlers

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
	"recharge/money"
	"recharge/shop"
	"recharge/wallet"
)

// adminUsers: GET /admin/users?q= — search by email (contains, literal text).
func (s *Server) adminUsers(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	if len(q) > 254 {
		q = q[:254]
	}
	p := pager(c, 25)
	users, total, err := s.store.SearchUsers(c.UserContext(), q, p.PerPage, p.Offset())
	if err != nil {
		return err
	}
	p.Total = total
	if q != "" {
		p.Query = url.Values{"q": {q}}
	}
	data := fiber.Map{"Nav": "admin_users", "Users": users, "Pager": p, "Q": q}
	if isHTMX(c) { // live search asks for the results alone
		return s.fragment(c, fiber.StatusOK, "admin/users_results", data)
	}
	return s.page(c, fiber.StatusOK, "admin/users", tr(c, "admin.users_title"), data)
}

// userPage renders GET /admin/users/{id}; form errors re-render it with a status.
func (s *Server) userPage(c *fiber.Ctx, status int, extra fiber.Map) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	u, err := s.store.UserByID(ctx, id)
	if errors.Is(err, db.ErrNotFound) {
		return notFound(c, "admin.user_not_found")
	}
	if err != nil {
		return err
	}
	twoFactor := u.TwoFactor()
	u.PasswordHash, u.TOTPSecret, u.TOTPPending = "", "", ""
	p := pager(c, 20)
	ledger, ledgerTotal, err := s.store.LedgerPage(ctx, id, p.PerPage, p.Offset())
	if err != nil {
		return err
	}
	p.Total = ledgerTotal
	services, err := s.store.ServicesOfUser(ctx, id)
	if err != nil {
		return err
	}
	payments, paymentsTotal, err := s.store.PaymentsOfUser(ctx, id, 10, 0)
	if err != nil {
		return err
	}
	invoices, invoicesTotal, err := s.store.InvoicesOfUser(ctx, id, 10, 0)
	if err != nil {
		return err
	}
	data := fiber.Map{
		"ProfileName": u.Name, "ProfileEmail": u.Email,
		"Nav": "admin_users", "Customer": u, "Ledger": ledger, "Pager": p,
		"Services": services, "Payments": payments, "PaymentsTotal": paymentsTotal,
		"Invoices": invoices, "InvoicesTotal": invoicesTotal,
		"IsSelf":          u.ID == currentUser(c).ID,
		"TwoFactorOn":     twoFactor,
		"Currency":        s.currencyCode(),
		"ServiceStatuses": shop.AdminStatuses,
	}
	if u.SuspendedAt != nil {
		data["SuspendedSince"] = dateTime(s.localeOf(c), *u.SuspendedAt)
	}
	for k, v := range extra {
		data[k] = v
	}
	return s.page(c, status, "admin/user", u.Email, data)
}

// adminUser: GET /admin/users/{id}.
func (s *Server) adminUser(c *fiber.Ctx) error { return s.userPage(c, fiber.StatusOK, nil) }

// userAction runs one admin action on the customer of the path and answers it: the
// customer page with the refusal in place (errKey names the message's slot, extra
// keeps what was typed), or a redirect to the page with flashKey when something
// changed.
func (s *Server) userAction(c *fiber.Ctx, errKey string, extra fiber.Map, act func(id int64) (changed bool, flashKey string, err error)) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	changed, flashKey, err := act(id)
	if errors.Is(err, db.ErrNotFound) {
		return notFound(c, "admin.user_not_found")
	}
	if err != nil {
		status, key, ok := formOutcome(err)
		if !ok {
			return err
		}
		data := fiber.Map{errKey: tr(c, key)}
		for k, v := range extra {
			data[k] = v
		}
		return s.userPage(c, status, data)
	}
	if changed {
		s.flash(c, "success", flashKey)
	}
	return c.Redirect("/admin/users/"+strconv.FormatInt(id, 10), fiber.StatusSeeOther)
}

// adminUserRole: POST /admin/users/{id}/role, field role = client | admin.
func (s *Server) adminUserRole(c *fiber.Ctx) error {
	return s.userAction(c, "RoleError", nil, func(id int64) (bool, string, error) {
		changed, err := s.backoffice.SetRole(c.UserContext(), s.actor(c), id, c.FormValue("role"))
		return changed, "flash.admin_role_saved", err
	})
}

// adminUserWallet: POST /admin/users/{id}/wallet, fields amount (decimal, may be
// negative), reason (required, internal) and customer_note (optional, what the
// customer reads).
func (s *Server) adminUserWallet(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	amount, reason, note := c.FormValue("amount"), c.FormValue("reason"), c.FormValue("customer_note")
	_, err = s.wallet.Adjust(c.UserContext(), s.actor(c), id, amount, reason, note)
	if err == nil {
		s.flash(c, "success", "flash.admin_wallet_adjusted")
		return c.Redirect("/admin/users/"+strconv.FormatInt(id, 10), fiber.StatusSeeOther)
	}
	if errors.Is(err, db.ErrNotFound) {
		return notFound(c, "admin.user_not_found")
	}
	status, key, ok := formOutcome(err)
	if !ok {
		return err
	}
	var args []any
	if errors.Is(err, wallet.ErrAdjustmentNegative) { // the sentence states the balance
		var balance int64
		if u, err := s.store.UserByID(c.UserContext(), id); err == nil {
			balance = u.BalanceCents
		}
		args = append(args, money.Cents(balance).Format(langOf(c), s.currencyCode()))
	}
	return s.userPage(c, status, fiber.Map{"AdjustError": tr(c, key, args...), "AdjustAmount": amount, "AdjustReason": reason, "AdjustNote": note})
}

// adminUserProfile: POST /admin/users/{id}/profile, fields name and email (normalised
// and checked as at registration; an email another account has → 409).
func (s *Server) adminUserProfile(c *fiber.Ctx) error {
	name, email := c.FormValue("name"), c.FormValue("email")
	return s.userAction(c, "ProfileError", fiber.Map{"ProfileName": name, "ProfileEmail": email}, func(id int64) (bool, string, error) {
		changed, err := s.accounts.AdminUpdateProfile(c.UserContext(), s.actor(c), id, name, email)
		return changed, "flash.admin_profile_saved", err
	})
}

// adminUserSuspend: POST /admin/users/{id}/suspend, field suspended = 1 | 0.
// Suspending ends the account's sessions and refuses its logins (SPEC §8).
func (s *Server) adminUserSuspend(c *fiber.Ctx) error {
	var suspend bool
	switch c.FormValue("suspended") {
	case "1":
		suspend = true
	case "0":
	default:
		return fiber.NewError(fiber.StatusBadRequest, tr(c, "account.err_suspended_value"))
	}
	return s.userAction(c, "SuspendError", nil, func(id int64) (bool, string, error) {
		changed, err := s.accounts.SetSuspended(c.UserContext(), s.actor(c), id, suspend)
		if changed {
			s.log.Info("account suspension changed", "user_id", id, "suspended", suspend, "by", currentUser(c).ID)
		}
		if suspend {
			return changed, "flash.admin_user_suspended", err
		}
		return changed, "flash.admin_user_unsuspended", err
	})
}
