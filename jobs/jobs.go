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
		h.WarnLowBalances(ctx, now)
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

// WarnLowBalances mails the customers whose wallet will not cover a renewal due soon.
func (h *Housekeeping) WarnLowBalances(ctx context.Context, now int64) {
	n, err := h.Shop.WarnLowBalances(ctx, now)
	if err != nil && ctx.Err() == nil {
		h.Log.Warn("low balance notices", "err", err.Error(), "queued", n)
	} else if n > 0 {
		h.Log.Info("low balance notices", "queued", n)
	}
}

// ForgetFormTokens deletes the form tokens created more than twice FormTokenTTL before
// now: they are refused anyway.
func (h *Housekeeping) ForgetFormTokens(ctx context.Context, now int64) {
	if err := h.Store.DeleteFormTokensBefore(ctx, now-int64(2*h.FormTokenTTL/time.Second)); err != nil && ctx.Err() == nil {
		h.Log.Warn("form token cleanup", "err", err.Error())
	}
}

// SentMailKept is how long a delivered mail stays in the outbox (the admin's log).
const SentMailKept = 90 * 24 * time.Hour

// DeleteExpiredSessions deletes dead sessions, old login failures, dead mailed links
// and mails delivered long ago.
func (h *Housekeeping) DeleteExpiredSessions(ctx context.Context) {
	now := db.Now()
	for what, err := range map[string]error{
		"session cleanup":   h.Store.DeleteExpiredSessions(ctx),
		"mailed links":      h.Store.DeleteOldUserTokens(ctx, now-24*3600),
		"sent mail cleanup": h.Store.DeleteSentOutbox(ctx, now-int64(SentMailKept/time.Second)),
	} {
		if err != nil && ctx.Err() == nil {
			h.Log.Warn(what, "err", err.Error())
		}
	}
}
