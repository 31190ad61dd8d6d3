package handlers

import (
	"context"
	"time"
)

// StartBackground runs periodic housekeeping until ctx ends.
func (s *Server) StartBackground(ctx context.Context) {
	s.startRenewals(ctx)
	go func() {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if err := s.store.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("session cleanup", "err", err.Error())
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}
