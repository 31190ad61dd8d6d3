package shop

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"recharge/db"
	"recharge/invoice"
	"recharge/mail"
	"recharge/settings"
)

// RenewWindow: a customer may renew an active monthly service by hand once its due
// date is at most this far away, so a service is paid at most about two months ahead
// (and a stray click cannot buy a year).
const RenewWindow = 32 * 24 * 3600

// AddMonth returns the same day and time one calendar month later (UTC), clamped to
// the last day of a shorter month: 31 January → 28/29 February, never 3 March.
func AddMonth(unix int64) int64 {
	t := time.Unix(unix, 0).UTC()
	y, m, d := t.Date()
	first := time.Date(y, m+1, 1, t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, t.Hour(), t.Minute(), t.Second(), 0, time.UTC).Unix()
}

// CanRenew reports whether the customer may renew sv from the wallet now: monthly, and
// either expired (renewal brings it back) or active with its due date within RenewWindow.
// Suspended and cancelled services are the admin's decision and cannot be renewed; a
// service whose renewal the customer stopped ends at its date (ErrRenewalStopped), and
// one whose product was deactivated is not renewed at the old price (ErrProductRetired).
func CanRenew(sv *db.Service, now int64) error {
	if sv.Period != db.PeriodMonthly {
		return ErrNotRenewable
	}
	if sv.Status == db.ServiceActive || sv.Status == db.ServiceExpired {
		if sv.RenewalStoppedAt != nil {
			return ErrRenewalStopped
		}
		if !sv.ProductActive {
			return ErrProductRetired
		}
	}
	switch sv.Status {
	case db.ServiceExpired:
		return nil
	case db.ServiceActive:
		if sv.NextDueAt != nil && *sv.NextDueAt-now > RenewWindow {
			return ErrRenewTooEarly
		}
		return nil
	}
	return ErrNotRenewable
}

// Renewal is what Renew did.
type Renewal struct {
	InvoiceID    int64
	ServiceID    int64
	NextDueAt    int64
	BalanceAfter int64
	Replayed     bool // same form token as before: nothing debited this time
}

// Renew pays one more month of a customer's service from the wallet, in one
// transaction (invoice kind renewal, ledger kind renewal, new due date). An active
// service extends from its current due date; an expired one restarts from now.
// Another customer's service is db.ErrNotFound. Rules: CanRenew; with the Fund module
// off nothing is charged (ErrFundOff).
func (s *Shop) Renew(ctx context.Context, set settings.Fund, userID, serviceID int64, token string) (*Renewal, error) {
	if set.Off {
		return nil, ErrFundOff
	}
	buyer, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out Renewal
	err = s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.LockService(ctx, serviceID); err != nil {
			return err
		}
		sv, err := tx.ServiceOfUser(ctx, serviceID, userID)
		if err != nil {
			return err
		}
		replay, prev, err := tx.ClaimFormToken(ctx, token, userID)
		if err != nil {
			return err
		}
		if replay {
			out = Renewal{Replayed: true, InvoiceID: refID(prev), ServiceID: sv.ID}
			return nil
		}
		now := s.now()
		if err := CanRenew(sv, now); err != nil {
			return err
		}
		from := now
		if sv.Status == db.ServiceActive && sv.NextDueAt != nil {
			from = *sv.NextDueAt
		}
		r, err := s.renewTx(ctx, tx, sv, from, set, buyer, &userID)
		if err != nil {
			return err
		}
		if token != "" {
			if err := tx.SetFormTokenResult(ctx, token, invoiceRef(r.InvoiceID)); err != nil {
				return err
			}
		}
		out = *r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// renewTx charges one month from `from` and moves the due date, inside tx, and
// queues the customer's "renewal done" mail with it.
func (s *Shop) renewTx(ctx context.Context, tx *db.Tx, sv *db.Service, from int64, set settings.Fund, buyer *db.User, actor *int64) (*Renewal, error) {
	to := AddMonth(from)
	line := db.InvoiceLine{Description: sv.Name, UnitCents: sv.PriceCents, ServiceID: &sv.ID, PeriodFrom: &from, PeriodTo: &to}
	inv := newInvoice(set, buyer, db.InvoiceRenewal)
	if err := tx.InsertInvoice(ctx, &inv, []db.InvoiceLine{line}); err != nil {
		return nil, err
	}
	entry := db.LedgerEntry{UserID: sv.UserID, AmountCents: -inv.TotalCents, Kind: db.KindRenewal,
		Reference: invoiceRef(inv.ID), Note: sv.Name, ActorID: actor}
	if err := tx.ApplyLedger(ctx, &entry); err != nil {
		return nil, err
	}
	if err := tx.SetServiceDue(ctx, sv.ID, db.ServiceActive, to); err != nil {
		return nil, err
	}
	if err := s.notify(ctx, tx, buyer, "renewal_done", "renewal-"+strconv.FormatInt(inv.ID, 10), mail.Data{
		Product: sv.Name, AmountCents: inv.TotalCents, BalanceCents: entry.BalanceAfterCents, Currency: inv.Currency, DueAt: to,
		InvoiceNumber: invoice.Number(inv.Number), InvoiceID: inv.ID, URL: s.Mail.URL("/client/invoices/" + strconv.FormatInt(inv.ID, 10))}); err != nil {
		return nil, err
	}
	return &Renewal{InvoiceID: inv.ID, ServiceID: sv.ID, NextDueAt: to, BalanceAfter: entry.BalanceAfterCents}, nil
}

// RenewReport counts what RenewDue did.
type RenewReport struct {
	Renewed int // months charged
	Expired int // services marked expired (wallet did not cover the price)
	Ended   int // services expired uncharged: renewal stopped, or product retired
	Failed  int // unexpected errors (logged by the caller, retried next run)
}

// maxCatchUp bounds how many months one run charges a service that fell far behind
// (the server was off for a while): each month is its own invoice.
const maxCatchUp = 12

// RenewDue renews every active monthly service whose due date is at or before now: the
// wallet is charged one month per due period (one transaction each); when it does not
// cover the price the service is marked expired. Safe to run from several instances at
// once: every step re-checks the service inside its transaction. The background loop
// calls it periodically; tests call it directly with any `now`.
//
// A service whose renewal the customer stopped, or whose product was deactivated,
// expires at its due date without a charge or a mail. With the Fund module off the run
// does nothing: no charge, and no service expires for want of a wallet the customer
// cannot use; services stay as they are and the first run after Fund comes back
// charges (or expires) what fell due meanwhile, month by month as usual.
func (s *Shop) RenewDue(ctx context.Context, now int64) (RenewReport, error) {
	var rep RenewReport
	all, err := settings.Load(ctx, s.Store) // once per run
	if err != nil {
		return rep, err
	}
	if !all.Modules.Fund {
		return rep, nil
	}
	set := all.Fund
	failed := map[int64]bool{}
	var errs []error
	for pass := 0; pass < maxCatchUp; pass++ {
		due, err := s.Store.DueServices(ctx, now, 500)
		if err != nil {
			return rep, err
		}
		progress := false
		for _, d := range due {
			id := d.ID
			if failed[id] {
				continue
			}
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			progress = true
			renewed, err := s.renewDueOne(ctx, d, now, set)
			switch {
			case err == nil:
				if renewed {
					rep.Renewed++
				}
			case errors.Is(err, errEnds):
				ended, err := s.Store.ExpireServiceIfDue(ctx, id, now)
				if err != nil {
					failed[id] = true
					rep.Failed++
					errs = append(errs, fmt.Errorf("end service %d: %w", id, err))
				} else if ended {
					rep.Ended++
				}
			case errors.Is(err, ErrInsufficientFunds):
				expired, err := s.expire(ctx, d, now, set)
				if err != nil {
					failed[id] = true
					rep.Failed++
					errs = append(errs, fmt.Errorf("expire service %d: %w", id, err))
				} else if expired {
					rep.Expired++
				}
			default:
				failed[id] = true
				rep.Failed++
				errs = append(errs, fmt.Errorf("renew service %d: %w", id, err))
			}
		}
		if !progress {
			break
		}
	}
	return rep, errors.Join(errs...)
}

// errEnds: a due service is not to be renewed (renewal stopped, product retired).
var errEnds = errors.New("service ends at its due date")

// renewDueOne charges one month of one due service, if it is still due; errEnds when
// it is not to be renewed.
func (s *Shop) renewDueOne(ctx context.Context, d db.DueService, now int64, set settings.Fund) (bool, error) {
	u, err := s.Store.UserByID(ctx, d.UserID)
	if err != nil {
		return false, err
	}
	renewed := false
	err = s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.LockService(ctx, d.ID); err != nil {
			return err
		}
		sv, err := tx.ServiceOfUser(ctx, d.ID, d.UserID)
		if err != nil {
			return err
		}
		if sv.Status != db.ServiceActive || sv.Period != db.PeriodMonthly || sv.NextDueAt == nil || *sv.NextDueAt > now {
			return nil // renewed or changed by someone else meanwhile
		}
		if sv.RenewalStoppedAt != nil || !sv.ProductActive {
			return errEnds
		}
		if _, err := s.renewTx(ctx, tx, sv, *sv.NextDueAt, set, u, nil); err != nil {
			return err
		}
		renewed = true
		return nil
	})
	return renewed, err
}

// AdminStatuses are the statuses an admin may set.
var AdminStatuses = []string{db.ServiceActive, db.ServiceSuspended, db.ServiceCancelled}

// SetServiceStatus is the admin's suspend / cancel / reactivate of a service,
// audit-logged in the same transaction. An expired service comes back only when the
// customer pays (Renew), so an admin may cancel it but not reactivate or suspend it.
// A reactivated monthly service whose due date has passed is charged (or expires) at
// the next renewal run. It returns the service as it was before.
func (s *Shop) SetServiceStatus(ctx context.Context, actor db.Actor, serviceID int64, status string) (*db.Service, error) {
	valid := false
	for _, st := range AdminStatuses {
		valid = valid || st == status
	}
	if !valid {
		return nil, ErrStatusInvalid
	}
	var before *db.Service
	err := s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.LockService(ctx, serviceID); err != nil {
			return err
		}
		sv, err := tx.ServiceByID(ctx, serviceID)
		if err != nil {
			return err
		}
		before = sv
		if sv.Status == status {
			return nil
		}
		if sv.Status == db.ServiceExpired && status != db.ServiceCancelled {
			return ErrStatusForbidden
		}
		if err := tx.SetServiceStatus(ctx, sv.ID, status); err != nil {
			return err
		}
		return tx.Audit(ctx, actor, "service.status", "service:"+strconv.FormatInt(sv.ID, 10),
			fmt.Sprintf("user=%d %s → %s", sv.UserID, sv.Status, status))
	})
	if err != nil {
		return nil, err
	}
	return before, nil
}

// CanStopRenewal is the rule of a customer's "stop the renewal": an active monthly
// service with a due date (ErrNotCancellable otherwise).
func CanStopRenewal(sv *db.Service) error {
	if sv.Period != db.PeriodMonthly || sv.Status != db.ServiceActive || sv.NextDueAt == nil {
		return ErrNotCancellable
	}
	return nil
}

// StopRenewal is the customer's "stop renewing" of their own active monthly service
// (SPEC §7): it keeps running to its due date, then expires without a charge. Stopping
// twice keeps the first time. Another customer's service is db.ErrNotFound; a service
// without a renewal to stop (one-time, expired, suspended, cancelled) is
// ErrNotCancellable. It returns the service as it is now.
func (s *Shop) StopRenewal(ctx context.Context, userID, serviceID int64) (*db.Service, error) {
	var out *db.Service
	err := s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.LockService(ctx, serviceID); err != nil {
			return err
		}
		sv, err := tx.ServiceOfUser(ctx, serviceID, userID)
		if err != nil {
			return err
		}
		if err := CanStopRenewal(sv); err != nil {
			return err
		}
		if sv.RenewalStoppedAt == nil {
			if err := tx.StopServiceRenewal(ctx, sv.ID, userID); err != nil {
				return err
			}
		}
		out, err = tx.ServiceOfUser(ctx, serviceID, userID)
		return err
	})
	return out, err
}
