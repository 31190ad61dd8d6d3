package shop

import (
	"context"
	"errors"
	"fmt"

	"recharge/db"
	"recharge/mail"
	"recharge/settings"
)

// LowBalanceNotice is how long before a monthly service's due date its customer is
// warned that the wallet will not cover the renewal (SPEC §3.2: 3 days before).
const LowBalanceNotice = 3 * 24 * 3600

// expire marks a due service expired (its wallet did not cover the renewal) and
// queues the customer's "renewal failed" mail in the same transaction.
func (s *Shop) expire(ctx context.Context, d db.DueService, now int64, set settings.Fund) (bool, error) {
	expired := false
	err := s.Store.Tx(ctx, func(tx *db.Tx) error {
		sv, err := tx.ServiceOfUser(ctx, d.ID, d.UserID)
		if err != nil {
			return err
		}
		if expired, err = tx.ExpireServiceIfDue(ctx, d.ID, now); err != nil || !expired {
			return err
		}
		u, err := tx.UserByID(ctx, d.UserID)
		if err != nil {
			return err
		}
		due := int64(0)
		if sv.NextDueAt != nil {
			due = *sv.NextDueAt
		}
		if s.Notify != nil {
			if err := s.Notify.ServiceExpired(ctx, tx, sv, u, set.Currency); err != nil {
				return err
			}
		}
		return s.notify(ctx, tx, u, "renewal_failed", fmt.Sprintf("renewal-failed-%d-%d", sv.ID, due), mail.Data{
			Product: sv.Name, AmountCents: sv.PriceCents, BalanceCents: u.BalanceCents, Currency: set.Currency,
			DueAt: due, URL: s.Mail.URL("/client/dedipass")})
	})
	return expired, err
}

// WarnLowBalances queues, once per service and due date, a mail to every customer
// whose monthly service is due within LowBalanceNotice and whose wallet holds less
// than its price. The background loop calls it with the renewals; it returns how many
// mails it queued.
func (s *Shop) WarnLowBalances(ctx context.Context, now int64) (int, error) {
	if !s.Mail.Enabled() {
		return 0, nil
	}
	set, err := settings.Load(ctx, s.Store)
	if err != nil {
		return 0, err
	}
	if !set.Modules.Fund {
		return 0, nil // no renewal runs: nothing to warn about
	}
	low, err := s.Store.ServicesShortOfBalance(ctx, now, now+LowBalanceNotice)
	if err != nil {
		return 0, err
	}
	queued := 0
	var errs []error
	for _, sv := range low {
		err := s.Store.Tx(ctx, func(tx *db.Tx) error {
			u, err := tx.UserByID(ctx, sv.UserID)
			if err != nil {
				return err
			}
			ok, err := s.Mail.Queue(ctx, tx, mail.Message{To: u.Email, Lang: u.Lang, Template: "renewal_low",
				ID: fmt.Sprintf("renewal-low-%d-%d", sv.ID, sv.NextDueAt),
				Data: mail.Data{Name: u.Name, Product: sv.Name, AmountCents: sv.PriceCents, BalanceCents: u.BalanceCents,
					Currency: set.Fund.Currency, DueAt: sv.NextDueAt, URL: s.Mail.URL("/client/dedipass")}})
			if ok {
				queued++
			}
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("low balance notice for service %d: %w", sv.ID, err))
		}
	}
	return queued, errors.Join(errs...)
}
