package handlers

import (
	"context"
	"sync"
	"time"

	"recharge/shop"
)

// currencyCache keeps the shop currency (Fund settings) for a short while: every
// amount on every page is formatted with it, and reading the setting each time would
// cost a query per amount. Another instance's change shows within currencyTTL.
type currencyCache struct {
	mu   sync.Mutex
	code string
	at   time.Time
}

const currencyTTL = 30 * time.Second

// currencyCode is the shop currency (ISO 4217), default EUR.
func (s *Server) currencyCode() string {
	s.cur.mu.Lock()
	defer s.cur.mu.Unlock()
	if s.cur.code != "" && time.Since(s.cur.at) < currencyTTL {
		return s.cur.code
	}
	code, err := s.store.Setting(context.Background(), shop.KeyCurrency, "")
	if err != nil || code == "" {
		code = s.currency
	}
	s.cur.code, s.cur.at = code, time.Now()
	return code
}

// forgetCurrency drops the cached value (after the admin saved the Fund settings).
func (s *Server) forgetCurrency() {
	s.cur.mu.Lock()
	s.cur.code = ""
	s.cur.mu.Unlock()
}
