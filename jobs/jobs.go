// Package jobs owns the portal's periodic housekeeping, run in the background beside the
// HTTP server: renewing or expiring monthly services that are due, forgetting form tokens
// too old to be accepted, and deleting expired sessions. It works on the store and the
// shop service alone; main starts it, tests call one run directly.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"recharge/db"
	"recharge/shop"
)

// RenewalInterval is how often due monthly services are renewed or expired.
const RenewalInterval = 10 * time.Minute

// SessionCleanupInterval is how often expired sessions are deleted.
const SessionCleanupInterval = time.Hour

// Housekeeping is the periodic jobs and what they work on.
type Housekeeping struct {
	Store *db.Store
	Shop  *shop.Shop
	Log   *slog.Logger
	// FormTokenTTL is how long a form token is accepted (handlers.FormTokenTTL); tokens
	// twice that old are deleted.
	FormTokenTTL time.Duration
}

// Start runs every job at once and then at its interval, until ctx ends.
func (h *Housekeeping) Start(ctx context.Context) {
	go every(ctx, RenewalInterval, func() {
		now := db.Now()
		h.RunRenewals(ctx, now)
		h.ForgetFormTokens(ctx, now)
	})
	go every(ctx, SessionCleanupInterval, func() { h.DeleteExpiredSessions(ctx) })
}

// every calls run now and then every interval until ctx ends.
func every(ctx context.Context, interval time.Duration, run func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		run()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunRenewals renews (or expires) every service due at now.
func (h *Housekeeping) RunRenewals(ctx context.Context, now int64) {
	rep, err := h.Shop.RenewDue(ctx, now)
	if err != nil && ctx.Err() == nil {
		h.Log.Error("service renewals", "err", err.Error(), "renewed", rep.Renewed, "expired", rep.Expired, "failed", rep.Failed)
	} else if rep.Renewed+rep.Expired > 0 {
		h.Log.Info("service renewals", "renewed", rep.Renewed, "expired", rep.Expired)
	}
}

// ForgetFormTokens deletes the form tokens created more than twice FormTokenTTL before
// now: they are refused anyway.
func (h *Housekeeping) ForgetFormTokens(ctx context.Context, now int64) {
	if err := h.Store.DeleteFormTokensBefore(ctx, now-int64(2*h.FormTokenTTL/time.Second)); err != nil && ctx.Err() == nil {
		h.Log.Warn("form token cleanup", "err", err.Error())
	}
}

// DeleteExpiredSessions deletes dead sessions and old login failures.
func (h *Housekeeping) DeleteExpiredSessions(ctx context.Context) {
	if err := h.Store.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
		h.Log.Warn("session cleanup", "err", err.Error())
	}
}
