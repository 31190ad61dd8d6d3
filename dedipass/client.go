package dedipass

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// DefaultTimeout bounds one call to Dedipass, body included (SPEC §5.2).
const DefaultTimeout = 5 * time.Second

// DefaultRatesTTL is how long a successful Rates answer is reused.
const DefaultRatesTTL = 5 * time.Minute

// maxBody caps what is read from Dedipass; a larger answer is a failure.
const maxBody = 2 << 20

// Client talks to one Dedipass API base URL. It is safe for concurrent use.
// Fields may be adjusted after New and before first use.
type Client struct {
	// BaseURL is the API root, e.g. "https://api.dedipass.com" or the
	// sandbox's URL; it may carry a path prefix.
	BaseURL string
	// HTTP sends the requests. New sets a client that does not follow
	// redirects: an API call never needs one, and following it would repeat
	// the private key to wherever it points (a redirect is reported as
	// "HTTP 302").
	HTTP *http.Client
	// Timeout bounds each call, from sending the request to the end of the
	// body (DefaultTimeout when zero). It is applied through the request's
	// context, so a shorter deadline on the caller's context also wins.
	Timeout time.Duration
	// RatesTTL is how long Rates reuses a successful answer for the same
	// public key (DefaultRatesTTL when zero; negative disables the cache).
	RatesTTL time.Duration

	mu    sync.Mutex
	rates map[string]ratesEntry
	now   func() time.Time // for tests
}

type ratesEntry struct {
	offers  []Offer
	fetched time.Time
}

// New returns a client for the API at baseURL.
func New(baseURL string) *Client {
	return &Client{
		BaseURL: baseURL,
		HTTP: &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Timeout:  DefaultTimeout,
		RatesTTL: DefaultRatesTTL,
		rates:    map[string]ratesEntry{},
		now:      time.Now,
	}
}

// NewInProcess returns a client whose requests rt answers in-process (the built-in
// sandbox, see sandbox.Server.RoundTrip): no network round trip to ourselves.
func NewInProcess(baseURL string, rt http.RoundTripper) *Client {
	c := New(baseURL)
	c.HTTP = &http.Client{Transport: rt}
	return c
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Client) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// get performs GET <BaseURL><path>?<query> and returns the body of a 200
// answer. Every failure wraps ErrUnavailable, and its text never contains
// the query (which holds the keys) nor any of secrets.
func (c *Client) get(ctx context.Context, path string, query url.Values, secrets ...string) ([]byte, error) {
	base, err := url.Parse(strings.TrimRight(c.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("%w: bad API base URL", ErrUnavailable)
	}
	u := *base
	u.Path = base.Path + path
	u.RawPath = ""
	u.RawQuery = query.Encode()
	u.Fragment = ""

	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrUnavailable, Redact(err.Error(), secrets...))
	}
	req.URL = &u
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Recharge")

	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, transportError(ctx, err, secrets)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, transportError(ctx, err, secrets)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: HTTP %d", ErrUnavailable, resp.StatusCode)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("%w: answer larger than %d bytes", ErrUnavailable, maxBody)
	}
	return bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), nil
}

// transportError classifies a failed exchange. net/http's *url.Error
// quotes the whole URL, query and keys included, so only its inner error's
// text is kept, and that is redacted too.
func transportError(ctx context.Context, err error, secrets []string) error {
	var timeout interface{ Timeout() bool }
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &timeout) && timeout.Timeout()) {
		return fmt.Errorf("%w: %w", ErrUnavailable, ErrTimeout)
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("%w: request canceled: %w", ErrUnavailable, context.Canceled)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("%w: %s", ErrUnavailable, Redact(err.Error(), secrets...))
}

// Redact replaces every spelling of each non-empty secret in s (as is, query-, path-,
// HTML- and JSON-escaped, in any case) by "[removed]". The one function that scrubs key
// values from text.
func Redact(s string, secrets ...string) string {
	for _, secret := range secrets {
		for _, form := range spellings(secret) {
			if containsFold(s, form) {
				s = regexp.MustCompile("(?i)"+regexp.QuoteMeta(form)).ReplaceAllLiteralString(s, "[removed]")
			}
		}
	}
	return s
}

// Leaks reports whether s holds any spelling of a non-empty secret (see Redact).
func Leaks(s string, secrets ...string) bool {
	for _, secret := range secrets {
		for _, form := range spellings(secret) {
			if containsFold(s, form) {
				return true
			}
		}
	}
	return false
}

// spellings are the ways a secret may be written in text: as is, query-, path-, HTML-
// and JSON-escaped (each compared without case). None for an empty secret.
func spellings(secret string) []string {
	if secret == "" {
		return nil
	}
	quoted, _ := json.Marshal(secret)
	return []string{secret, url.QueryEscape(secret), url.PathEscape(secret), html.EscapeString(secret),
		strings.Trim(string(quoted), `"`)}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// shorten keeps provider text in errors readable.
func shorten(s string) string {
	const max = 200
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
