// Package accounts owns the rules of user accounts: registration checks, password
// hashing (argon2id), login with rate limiting, sessions and the one-time setup token.
// Handlers call these functions; SQL stays in package db.
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"recharge/db"
	"recharge/mail"
	"recharge/settings"
)

// Errors with a user-facing meaning; handlers translate them.
var (
	ErrEmailInvalid     = errors.New("invalid email")
	ErrPasswordTooShort = errors.New("password too short")
	ErrPasswordTooLong  = errors.New("password too long")
	ErrNameTooLong      = errors.New("name too long")
	ErrEmailTaken       = errors.New("email already registered")
	ErrBadCredentials   = errors.New("wrong email or password")
	ErrTooManyAttempts  = errors.New("too many failed logins")
	ErrTooManySignUps   = errors.New("too many accounts created from this address")
	// ErrBusy: every password-hashing slot stayed taken for HashWait; try again.
	ErrBusy = errors.New("too many password checks at once")
	// ErrSetupClosed: the setup token was already used (or is not the right one).
	ErrSetupClosed = errors.New("setup token already used")
)

// Limits of the login rate limiter (SPEC §3).
const (
	MaxLoginFailures   = 5  // per (email, IP)
	MaxIPLoginFailures = 20 // per IP, any emails
	LoginWindow        = 15 * time.Minute

	MaxRegistrationsPerIP = 20
	RegistrationWindow    = time.Hour

	SessionLifetime = 30 * 24 * time.Hour
	MinPasswordLen  = 8
	maxPasswordLen  = 1024
)

// Service holds what the account rules need.
type Service struct {
	Store *db.Store
	Mail  *mail.Mailer // reset and confirmation links; without SMTP they are refused
}

// Register creates an account with the given role after validating input.
func (s *Service) Register(ctx context.Context, email, password, name, role, lang string) (*db.User, error) {
	u, err := newUser(ctx, email, password, name, role, lang)
	if err != nil {
		return nil, err
	}
	return u, createErr(s.Store.CreateUser(ctx, u))
}

// newUser validates a new account's fields and hashes its password (in a hashing slot).
func newUser(ctx context.Context, email, password, name, role, lang string) (*db.User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if err := checkNewPassword(password); err != nil {
		return nil, err
	}
	if name, err = cleanName(name); err != nil {
		return nil, err
	}
	if role != "admin" {
		role = "client"
	}
	hash, err := hashNew(ctx, password)
	if err != nil {
		return nil, err
	}
	return &db.User{Email: email, Name: name, PasswordHash: hash, Role: role, Lang: lang, Custom: randomHex(12)}, nil
}

// createErr names a taken email.
func createErr(err error) error {
	if errors.Is(err, db.ErrConflict) {
		return ErrEmailTaken
	}
	return err
}

// Login checks credentials with the limits of SPEC §3: 5 failures per (email, IP)
// and 20 per IP within LoginWindow. The attempt is reserved as a failure before the
// password is checked, so parallel guesses cannot exceed the limits, and forgotten
// again when the password is right. ip is the client's address (LimitKey groups it).
// For an account with two-factor on, a right password is only half a login: its
// (email, IP) reservation stays counted until the second factor is right too
// (SecondFactor), so knowing the password gives no fresh attempts at the code.
func (s *Service) Login(ctx context.Context, email, password, ip string) (*db.User, error) {
	if e, err := NormalizeEmail(email); err == nil {
		email = e
	} else {
		email = strings.ToLower(strings.TrimSpace(email))
	}
	at, err := s.reserveLogin(ctx, email, ip)
	if err != nil {
		return nil, err
	}
	u, err := s.Store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	hash := ""
	if err == nil {
		hash = u.PasswordHash
	} else {
		hash = dummyHash() // same work whether or not the account exists
	}
	good, herr := checkPasswordBounded(ctx, hash, password)
	if herr != nil { // not evaluated: the attempt does not count
		return nil, errors.Join(herr, at.release(ctx, s.Store))
	}
	if !good || u == nil || err != nil {
		return nil, ErrBadCredentials
	}
	if u.Suspended() {
		// Said only after the password check: without the password nobody learns
		// that the account exists, let alone that it is suspended.
		at.succeeded(ctx, s.Store)
		return nil, ErrSuspended
	}
	if u.TwoFactor() {
		_ = s.Store.Release(ctx, at.ipID)
		return u, nil
	}
	at.succeeded(ctx, s.Store)
	return u, nil
}

// loginAttempt is one attempt reserved against the login limits (reserveLogin).
type loginAttempt struct {
	pair         string // the (email, IP) subject
	pairID, ipID int64
}

// reserveLogin counts one attempt for email from ip in both login buckets before it is
// evaluated: ErrTooManyAttempts past either limit. A password and a second-factor code
// are attempts alike.
func (s *Service) reserveLogin(ctx context.Context, email, ip string) (loginAttempt, error) {
	ip = LimitKey(ip)
	since := db.Now() - int64(LoginWindow/time.Second)
	at := loginAttempt{pair: email + "|" + ip}
	var ok bool
	var err error
	at.pairID, ok, err = s.Store.Reserve(ctx, db.BucketLogin, at.pair, since, MaxLoginFailures)
	if err != nil || !ok {
		return at, errors.Join(err, limitErr(ok, ErrTooManyAttempts))
	}
	at.ipID, ok, err = s.Store.Reserve(ctx, db.BucketLoginIP, ip, since, MaxIPLoginFailures)
	if err != nil || !ok {
		return at, errors.Join(err, s.Store.Release(ctx, at.pairID), limitErr(ok, ErrTooManyAttempts))
	}
	return at, nil
}

// release forgets an attempt that could not be evaluated.
func (at loginAttempt) release(ctx context.Context, store *db.Store) error {
	return errors.Join(store.Release(ctx, at.pairID), store.Release(ctx, at.ipID))
}

// succeeded forgets the failures of the email from this IP and this attempt's IP slot.
func (at loginAttempt) succeeded(ctx context.Context, store *db.Store) {
	_ = store.ClearEvents(ctx, db.BucketLogin, at.pair)
	_ = store.Release(ctx, at.ipID)
}

// limitErr is refused when a reservation was refused, else nil.
func limitErr(ok bool, refused error) error {
	if ok {
		return nil
	}
	return refused
}

// SignUp is the public registration form (SPEC §3): at most MaxRegistrationsPerIP
// accounts per IP per hour, reserved before the password is hashed; a refused form
// (bad input, email taken) gives its slot back.
func (s *Service) SignUp(ctx context.Context, ip, email, password, name, lang string) (*db.User, error) {
	since := db.Now() - int64(RegistrationWindow/time.Second)
	id, ok, err := s.Store.Reserve(ctx, db.BucketRegister, LimitKey(ip), since, MaxRegistrationsPerIP)
	if err != nil || !ok {
		return nil, errors.Join(err, limitErr(ok, ErrTooManySignUps))
	}
	u, err := s.Register(ctx, email, password, name, "client", lang)
	if err != nil {
		return nil, errors.Join(err, s.Store.Release(ctx, id))
	}
	return u, nil
}

// LimitKey is the address rate limits count by: an IPv4 address as is, an IPv6
// address by its /64 (one customer line usually gets a whole /64).
func LimitKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() || a.Is4In6() {
		if err == nil {
			return a.Unmap().String()
		}
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// NewSession creates a session and returns the cookie token (never stored as is).
func (s *Service) NewSession(ctx context.Context, userID int64, ip, userAgent string) (string, error) {
	token := randomToken()
	sess := &db.Session{IDHash: HashToken(token), UserID: userID, ExpiresAt: db.Now() + int64(SessionLifetime/time.Second), IP: ip, UserAgent: cleanUserAgent(userAgent)}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return "", err
	}
	return token, nil
}

// SessionUser resolves a cookie token to its user (db.ErrNotFound for an expired or
// ended session, or a suspended account) and notes the session's last use, at most
// once a minute so that a page's requests do not each write.
func (s *Service) SessionUser(ctx context.Context, token string) (*db.User, error) {
	if token == "" || len(token) > 100 {
		return nil, db.ErrNotFound
	}
	hash := HashToken(token)
	u, lastSeen, err := s.Store.SessionUser(ctx, hash)
	if err != nil {
		return nil, err
	}
	if now := db.Now(); lastSeen < now-60 {
		// Best effort: a missed "last use" is not worth refusing the page.
		_ = s.Store.TouchSession(ctx, hash, now)
	}
	return u, nil
}

// Logout kills a session.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.Store.DeleteSession(ctx, HashToken(token))
}

// --- setup token (first administrator) ---

const setupKey = settings.KeySetupTokenHash

// PrepareSetup returns a fresh one-time setup token when no admin exists ("" otherwise).
func (s *Service) PrepareSetup(ctx context.Context) (string, error) {
	exists, err := s.Store.AdminExists(ctx)
	if err != nil || exists {
		return "", err
	}
	token := randomToken()
	return token, s.Store.SetSettings(ctx, map[string]string{setupKey: HashToken(token)})
}

// SetupAllowed reports whether the setup page is open and the token is right.
func (s *Service) SetupAllowed(ctx context.Context, token string) (open, valid bool, err error) {
	exists, err := s.Store.AdminExists(ctx)
	if err != nil || exists {
		return false, false, err
	}
	want, err := s.Store.Setting(ctx, setupKey, "")
	if err != nil || want == "" {
		return want != "", false, err
	}
	return true, token != "" && subtle.ConstantTimeCompare([]byte(HashToken(token)), []byte(want)) == 1, nil
}

// CompleteSetup forgets the setup token once an admin exists otherwise (the CLI).
func (s *Service) CompleteSetup(ctx context.Context) error {
	return s.Store.DeleteSetting(ctx, setupKey)
}

// SetupAdmin creates the first administrator (SPEC §2). The token is claimed in the
// same transaction that creates the account: of parallel submissions, one claims it
// and the others get ErrSetupClosed; a refused account (bad input, email taken)
// leaves the token usable.
func (s *Service) SetupAdmin(ctx context.Context, ip, token, email, password, name, lang string) (*db.User, error) {
	u, err := newUser(ctx, email, password, name, "admin", lang)
	if err != nil {
		return nil, err
	}
	err = s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.ClaimSetting(ctx, setupKey, HashToken(token)); err != nil {
			if errors.Is(err, db.ErrNotFound) {
				return ErrSetupClosed
			}
			return err
		}
		if err := createErr(tx.CreateUser(ctx, u)); err != nil {
			return err
		}
		return tx.Audit(ctx, db.Actor{UserID: u.ID, IP: ip}, "setup.first_admin", u.Email, "")
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// --- hashing ---

// argon2id parameters: OWASP's equivalent setting m=7 MiB, t=5, p=1 (same strength as
// 19 MiB/t=2) keeps a login burst from inflating the server's memory.
const (
	argonTime    = 5
	argonMemory  = 7 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
)

// Each argon2id run takes argonMemory: hashSlots bounds how many run at once, so a
// flood of logins or registrations queues instead of exhausting memory. A request
// that waits longer than HashWait gets ErrBusy (503).
const (
	hashConcurrency = 2
	HashWait        = 3 * time.Second
)

var hashSlots = make(chan struct{}, hashConcurrency)

// withHashSlot runs fn (a password hash or check) in one of the hashing slots.
func withHashSlot(ctx context.Context, fn func()) error {
	t := time.NewTimer(HashWait)
	defer t.Stop()
	select {
	case hashSlots <- struct{}{}:
	case <-t.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-hashSlots }()
	fn()
	return nil
}

// checkPasswordBounded is CheckPassword in a hashing slot.
func checkPasswordBounded(ctx context.Context, hash, password string) (ok bool, err error) {
	err = withHashSlot(ctx, func() { ok = CheckPassword(hash, password) })
	return ok, err
}

// dummyHash is computed on the first login of an unknown email, not at start-up.
var dummyHash = sync.OnceValue(func() string { return HashPassword("not a real password, timing only") })

// HashPassword hashes with argon2id in the PHC string format.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// CheckPassword compares a password with a stored hash in constant time.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// HashToken is the stored form of a random token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
