package handlers

import (
	"context"
	"time"

	"recharge/db"
)

// RenewalInterval is how often due monthly services are renewed or expired.
const RenewalInterval = 10 * time.Minute

// RunRenewals renews (or expires) every service due at now and forgets form tokens too
// old to be accepted. StartBackground calls it every RenewalInterval.
func (s *Server) RunRenewals(ctx context.Context, now int64) {
	rep, err := s.shop.RenewDue(ctx, now)
	if err != nil && ctx.Err() == nil {
		s.log.Error("service renewals", "err", err.Error(), "renewed", rep.Renewed, "expired", rep.Expired, "failed", rep.Failed)
	} else if rep.Renewed+rep.Expired > 0 {
		s.log.Info("service renewals", "renewed", rep.Renewed, "expired", rep.Expired)
	}
	if err := s.store.DeleteFormTokensBefore(ctx, now-int64(2*formTokenTTL/time.Second)); err != nil && ctx.Err() == nil {
		s.log.Warn("form token cleanup", "err", err.Error())
	}
}

// startRenewals runs RunRenewals at start and then every RenewalInterval until ctx ends.
func (s *Server) startRenewals(ctx context.Context) {
	go func() {
		t := time.NewTicker(RenewalInterval)
		defer t.Stop()
		for {
			s.RunRenewals(ctx, db.Now())
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}
