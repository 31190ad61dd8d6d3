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
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"recharge/db"
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
)

// Limits of the login rate limiter (SPEC §3).
const (
	MaxLoginFailures = 5
	LoginWindow      = 15 * time.Minute
	SessionLifetime  = 30 * 24 * time.Hour
	MinPasswordLen   = 8
	maxPasswordLen   = 1024
)

// Service holds what the account rules need.
type Service struct {
	Store *db.Store
}

// NormalizeEmail trims and lower-cases an email and checks its shape.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > 254 || !utf8.ValidString(email) {
		return "", ErrEmailInvalid
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") && !strings.HasSuffix(email, "@localhost") {
		return "", ErrEmailInvalid
	}
	return email, nil
}

// Register creates an account with the given role after validating input.
func (s *Service) Register(ctx context.Context, email, password, name, role, lang string) (*db.User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return nil, ErrPasswordTooShort
	}
	if len(password) > maxPasswordLen {
		return nil, ErrPasswordTooLong
	}
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) {
		return nil, ErrNameTooLong
	}
	if role != "admin" {
		role = "client"
	}
	u := &db.User{Email: email, Name: name, PasswordHash: HashPassword(password), Role: role, Lang: lang, Custom: randomHex(12)}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, db.ErrConflict) {
			return nil, ErrEmailTaken
		}
		return nil, err
	}
	return u, nil
}

// Login checks credentials with the rate limit of SPEC §3 (per email and per IP).
func (s *Service) Login(ctx context.Context, email, password, ip string) (*db.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	since := db.Now() - int64(LoginWindow/time.Second)
	byEmail, byIP, err := s.Store.LoginFailures(ctx, email, ip, since)
	if err != nil {
		return nil, err
	}
	if byEmail >= MaxLoginFailures || byIP >= MaxLoginFailures {
		return nil, ErrTooManyAttempts
	}
	u, err := s.Store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	ok := false
	if err == nil {
		ok = CheckPassword(u.PasswordHash, password)
	} else {
		CheckPassword(dummyHash(), password) // same work whether or not the account exists
	}
	if !ok {
		if err := s.Store.RecordLoginFailure(ctx, email, ip); err != nil {
			return nil, err
		}
		return nil, ErrBadCredentials
	}
	_ = s.Store.ClearLoginFailures(ctx, email)
	return u, nil
}

// NewSession creates a session and returns the cookie token (never stored as is).
func (s *Service) NewSession(ctx context.Context, userID int64, ip, userAgent string) (string, error) {
	token := randomToken()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	sess := &db.Session{IDHash: HashToken(token), UserID: userID, ExpiresAt: db.Now() + int64(SessionLifetime/time.Second), IP: ip, UserAgent: strings.ToValidUTF8(userAgent, "")}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return "", err
	}
	return token, nil
}

// SessionUser resolves a cookie token to its user.
func (s *Service) SessionUser(ctx context.Context, token string) (*db.User, error) {
	if token == "" || len(token) > 100 {
		return nil, db.ErrNotFound
	}
	return s.Store.SessionUser(ctx, HashToken(token))
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

// CompleteSetup forgets the setup token once the first admin exists.
func (s *Service) CompleteSetup(ctx context.Context) error {
	return s.Store.DeleteSetting(ctx, setupKey)
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
