// Package dedipass is Recharge's client for the Dedipass micropayment API
// (SPEC §5.2): it lists the offers a customer can pay with (Rates, cached a
// few minutes) and validates the single-use codes customers receive
// (Validate). It owns code syntax (ValidCode, CodeKey, SearchPrefix), the reading
// of the callback form (ParseCallback), the exact decoding of
// Dedipass's loosely typed JSON (numbers or strings, never through float64),
// the classification of provider failures (ErrUnavailable, ErrTimeout,
// ErrBadAnswer) and the removal of keys from everything it returns, so that
// nothing it hands back (errors, stored raw answers) contains a private key.
// It never touches the database; callers record the outcome.
package dedipass

import (
	"errors"
	"strings"
)

var (
	// ErrInvalidCode is returned, before any network call, for a code that
	// fails ValidCode.
	ErrInvalidCode = errors.New("invalid code: 1 to 64 letters or digits expected")

	// ErrNotConfigured is returned, before any network call, when a required
	// key is empty.
	ErrNotConfigured = errors.New("dedipass keys not configured")

	// ErrUnavailable is wrapped by every failure that says nothing about the
	// code itself: network error, timeout, non-200 status, a body that is not
	// JSON, an answer without "status". The code was not judged, so it may be
	// tried again later and nothing may be credited.
	ErrUnavailable = errors.New("dedipass unavailable")

	// ErrTimeout is wrapped, together with ErrUnavailable, when no complete
	// answer arrived within Client.Timeout or before the context's deadline.
	ErrTimeout = errors.New("timeout")

	// ErrBadAnswer is returned by Validate for a "success" answer that cannot
	// be credited: virtual_currency missing, not a decimal number, negative,
	// or the answer names another code. It deliberately does NOT wrap
	// ErrUnavailable: Dedipass did judge the code (and has probably consumed
	// it), so retrying is pointless; the caller should record the attempt as
	// an error for an admin to look at, using the Result returned alongside
	// (its Raw field holds the answer).
	ErrBadAnswer = errors.New("unusable answer from dedipass")
)

// MaxCodeLen is the longest code ValidCode accepts.
const MaxCodeLen = 64

// ValidCode reports whether code is 1 to 64 characters of [A-Za-z0-9]. Codes
// failing it are never sent to the network.
func ValidCode(code string) bool {
	if len(code) == 0 || len(code) > MaxCodeLen {
		return false
	}
	for i := 0; i < len(code); i++ {
		ch := code[i]
		if !(ch >= '0' && ch <= '9' || ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z') {
			return false
		}
	}
	return true
}

// CodeKey is the normalised form of a code used for uniqueness and search:
// its upper-case spelling, so "ab12" and "AB12" are the same payment.
func CodeKey(code string) string {
	return strings.ToUpper(code)
}

// SearchPrefix turns what an admin typed in a code search into the CodeKey prefix to
// look for. Surrounding spaces are ignored; "" means no code condition. ok is false
// when no code can start with q (a character outside [A-Za-z0-9], or longer than
// MaxCodeLen): nothing matches and there is nothing to ask the database.
func SearchPrefix(q string) (prefix string, ok bool) {
	q = strings.TrimSpace(q)
	if q == "" {
		return "", true
	}
	if !ValidCode(q) {
		return "", false
	}
	return CodeKey(q), true
}
