package accounts

// Two-factor authentication (SPEC §3.1): TOTP (RFC 6238: 6 digits, 30 s, SHA-1) with
// single-use recovery codes. A code is accepted for the current time step or one step
// either side (clock skew), and never twice: the step of every accepted code is
// recorded and only a later one passes, by a conditional UPDATE (db.UseTOTPStep), so
// two parallel requests with one code cannot both pass. Recovery codes are stored as
// hashes and used by a conditional UPDATE too.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"recharge/db"
)

// Errors of two-factor authentication; handlers map them to a status and a sentence.
var (
	// ErrTwoFactorCode: the code is neither a valid TOTP of now (unused) nor an unused
	// recovery code.
	ErrTwoFactorCode = errors.New("wrong two-factor code")
	// ErrTwoFactorOn: turning it on while it is on already.
	ErrTwoFactorOn = errors.New("two-factor authentication is already on")
	// ErrTwoFactorOff: turning it off (or confirming a code) while it is off.
	ErrTwoFactorOff = errors.New("two-factor authentication is off")
	// ErrTwoFactorPassword: the current password given to turn it off is wrong.
	ErrTwoFactorPassword = errors.New("wrong current password")
	// ErrTwoFactorExpired: the login waiting for its second factor is gone (expired,
	// logged out, or finished in another tab).
	ErrTwoFactorExpired = errors.New("login awaiting a second factor expired")
)

const (
	// TOTPIssuer names the portal in authenticator apps when no site name is given
	// (the site settings' name is, by the handlers).
	TOTPIssuer = "Recharge"
	totpPeriod = 30 // seconds per time step
	totpSkew   = 1  // steps accepted either side of the current one
	totpDigits = otp.DigitsSix

	// RecoveryCodeCount recovery codes are made when two-factor is turned on.
	RecoveryCodeCount = 10
	// recoveryCodeLen base32 characters: 60 random bits each.
	recoveryCodeLen = 12

	// TwoFactorSessionLifetime bounds the wait between the password and the code.
	TwoFactorSessionLifetime = 10 * time.Minute
)

// TwoFactorSetup is what the setup page shows: the secret as text, the otpauth URL and
// the same URL as a QR code (a PNG drawn here, no outside service).
type TwoFactorSetup struct {
	Secret string
	URL    string
	QRPNG  []byte
}

// SetUpTwoFactor returns the secret being set up for the user, creating it when there is
// none (a reload shows the same secret, so an app already scanned keeps working).
// issuer names the portal in the authenticator app (the site name; "" = TOTPIssuer).
func (s *Service) SetUpTwoFactor(ctx context.Context, userID int64, issuer string) (*TwoFactorSetup, error) {
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.TwoFactor() {
		return nil, ErrTwoFactorOn
	}
	if u.TOTPPending == "" {
		if err := s.Store.SetTOTPPending(ctx, userID, newTOTPSecret()); err != nil {
			return nil, err
		}
		// Another tab may have set one first: read back which secret won.
		if u, err = s.Store.UserByID(ctx, userID); err != nil {
			return nil, err
		}
		if u.TwoFactor() || u.TOTPPending == "" {
			return nil, ErrTwoFactorOn
		}
	}
	link := totpURL(issuer, u.Email, u.TOTPPending)
	key, err := otp.NewKeyFromURL(link)
	if err != nil {
		return nil, fmt.Errorf("totp key: %w", err)
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	return &TwoFactorSetup{Secret: u.TOTPPending, URL: link, QRPNG: buf.Bytes()}, nil
}

// EnableTwoFactor checks a code of the pending secret and turns two-factor on: the
// secret, its time step (so the same code cannot log in) and the hashes of
// RecoveryCodeCount new recovery codes are written in one transaction. The codes are
// returned to be shown once.
func (s *Service) EnableTwoFactor(ctx context.Context, userID int64, code string) ([]string, error) {
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.TwoFactor() {
		return nil, ErrTwoFactorOn
	}
	if u.TOTPPending == "" {
		return nil, ErrTwoFactorCode // the setup page was never shown: no secret to match
	}
	step, ok := totpStep(u.TOTPPending, normalizeCode(code), db.Now())
	if !ok {
		return nil, ErrTwoFactorCode
	}
	codes := make([]string, RecoveryCodeCount)
	hashes := make([]string, RecoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
		hashes[i] = hashRecoveryCode(codes[i])
	}
	err = s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.EnableTOTP(ctx, userID, u.TOTPPending, step); err != nil {
			if errors.Is(err, db.ErrNotFound) {
				return ErrTwoFactorOn // another tab confirmed it first
			}
			return err
		}
		if err := tx.DeleteRecoveryCodes(ctx, userID); err != nil {
			return err
		}
		return tx.AddRecoveryCodes(ctx, userID, hashes)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// DisableTwoFactor turns two-factor off for the user, who proves it is them with the
// current password and a code (TOTP or recovery). The attempt counts toward the login
// limits like a login does, so a stolen session cannot guess the password here.
func (s *Service) DisableTwoFactor(ctx context.Context, userID int64, ip, password, code string) error {
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if !u.TwoFactor() {
		return ErrTwoFactorOff
	}
	at, err := s.reserveLogin(ctx, u.Email, ip)
	if err != nil {
		return err
	}
	good, err := checkPasswordBounded(ctx, u.PasswordHash, password)
	if err != nil {
		return errors.Join(err, at.release(ctx, s.Store))
	}
	if !good {
		return ErrTwoFactorPassword
	}
	err = s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := useCode(ctx, tx, u, code); err != nil {
			return err
		}
		if err := tx.DisableTOTP(ctx, userID); err != nil {
			return err
		}
		return tx.DeleteTwoFactorSessions(ctx, userID)
	})
	if err != nil {
		return err
	}
	at.succeeded(ctx, s.Store)
	return nil
}

// NewTwoFactorSession starts the login of a user whose password was right and who has
// two-factor on: a session that is not logged in yet, living TwoFactorSessionLifetime.
func (s *Service) NewTwoFactorSession(ctx context.Context, userID int64, ip, userAgent string) (string, error) {
	token := randomToken()
	sess := &db.Session{IDHash: HashToken(token), UserID: userID, ExpiresAt: db.Now() + int64(TwoFactorSessionLifetime/time.Second),
		IP: ip, UserAgent: cleanUserAgent(userAgent)}
	if err := s.Store.CreateTwoFactorSession(ctx, sess); err != nil {
		return "", err
	}
	return token, nil
}

// TwoFactorSessionUser is the user whose login awaits a second factor under token;
// ErrTwoFactorExpired when there is none.
func (s *Service) TwoFactorSessionUser(ctx context.Context, token string) (*db.User, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrTwoFactorExpired
	}
	u, err := s.Store.TwoFactorSessionUser(ctx, HashToken(token))
	if errors.Is(err, db.ErrNotFound) {
		return nil, ErrTwoFactorExpired
	}
	return u, err
}

// SecondFactor finishes a login waiting under token with a code (TOTP or recovery).
// The attempt is reserved against the login limits (same buckets and subjects as
// Login) before the code is checked; a wrong code stays counted. A right one replaces
// the waiting session with a new logged-in one (new token: the one that waited is
// deleted) in the same transaction that consumes the code, and forgets the failures.
func (s *Service) SecondFactor(ctx context.Context, token, ip, userAgent, code string) (string, *db.User, error) {
	u, err := s.TwoFactorSessionUser(ctx, token)
	if err != nil {
		return "", nil, err
	}
	at, err := s.reserveLogin(ctx, u.Email, ip)
	if err != nil {
		return "", nil, err
	}
	fresh := randomToken()
	err = s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.TakeTwoFactorSession(ctx, HashToken(token)); err != nil {
			if errors.Is(err, db.ErrNotFound) {
				return ErrTwoFactorExpired
			}
			return err
		}
		if err := useCode(ctx, tx, u, code); err != nil {
			return err
		}
		return tx.CreateSession(ctx, &db.Session{IDHash: HashToken(fresh), UserID: u.ID,
			ExpiresAt: db.Now() + int64(SessionLifetime/time.Second), IP: ip, UserAgent: cleanUserAgent(userAgent)})
	})
	if errors.Is(err, ErrTwoFactorExpired) {
		return "", nil, errors.Join(err, at.release(ctx, s.Store))
	}
	if err != nil {
		return "", nil, err
	}
	at.succeeded(ctx, s.Store)
	return fresh, u, nil
}

// ResetTwoFactor is the admin's reset of a user's two-factor (lost phone and codes):
// secret, pending secret and recovery codes cleared, logins awaiting a code ended,
// audited in the same transaction.
func (s *Service) ResetTwoFactor(ctx context.Context, actor db.Actor, userID int64) error {
	return s.Store.Tx(ctx, func(tx *db.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		if err := tx.DisableTOTP(ctx, userID); err != nil {
			return err
		}
		if err := tx.DeleteTwoFactorSessions(ctx, userID); err != nil {
			return err
		}
		details := "was_on=false"
		if u.TwoFactor() {
			details = "was_on=true"
		}
		return tx.Audit(ctx, actor, "user.2fa_reset", u.Email, details)
	})
}

// RecoveryCodesLeft counts the recovery codes the user can still use.
func (s *Service) RecoveryCodesLeft(ctx context.Context, userID int64) (int64, error) {
	return s.Store.UnusedRecoveryCodes(ctx, userID)
}

// useCode consumes a code of u inside tx: a TOTP of a time step later than the last
// accepted one, or an unused recovery code. ErrTwoFactorCode otherwise.
func useCode(ctx context.Context, tx *db.Tx, u *db.User, code string) error {
	if !u.TwoFactor() {
		return ErrTwoFactorCode // reset by an admin meanwhile
	}
	c := normalizeCode(code)
	if len(c) == totpDigits.Length() {
		step, ok := totpStep(u.TOTPSecret, c, db.Now())
		if !ok {
			return ErrTwoFactorCode
		}
		return codeErr(tx.UseTOTPStep(ctx, u.ID, u.TOTPSecret, step))
	}
	if len(c) != recoveryCodeLen {
		return ErrTwoFactorCode
	}
	return codeErr(tx.UseRecoveryCode(ctx, u.ID, hashRecoveryCode(c)))
}

// codeErr: a conditional update that changed nothing means the code was used already.
func codeErr(err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return ErrTwoFactorCode
	}
	return err
}

// totpStep is the time step, within totpSkew of now, whose code is code.
func totpStep(secret, code string, now int64) (int64, bool) {
	if len(code) != totpDigits.Length() || strings.Trim(code, "0123456789") != "" {
		return 0, false
	}
	cur := now / totpPeriod
	found, step := false, int64(0)
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), hotp.ValidateOpts{Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false
		}
		// Every step is compared (constant work); the latest match wins.
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			found, step = true, s
		}
	}
	return step, found
}

// totpURL is the otpauth:// URL authenticator apps read from the QR code.
func totpURL(issuer, account, secret string) string {
	if issuer = strings.ReplaceAll(strings.TrimSpace(issuer), ":", " "); issuer == "" {
		issuer = TOTPIssuer
	}
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + account, RawQuery: v.Encode()}
	return u.String()
}

// newTOTPSecret is 160 random bits in base32 without padding (RFC 4226's advice).
func newTOTPSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// newRecoveryCode is recoveryCodeLen random base32 characters, shown as xxxx-xxxx-xxxx.
func newRecoveryCode() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	c := strings.ToLower(base32.StdEncoding.EncodeToString(b))[:recoveryCodeLen]
	return c[:4] + "-" + c[4:8] + "-" + c[8:]
}

// normalizeCode drops what people type around a code (spaces, dashes) and the case.
func normalizeCode(code string) string {
	if len(code) > 64 {
		return ""
	}
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, code))
}

// hashRecoveryCode is the stored form of a recovery code (its 60 random bits make a
// plain hash enough).
func hashRecoveryCode(code string) string {
	sum := sha256.Sum256([]byte("recovery:" + normalizeCode(code)))
	return hex.EncodeToString(sum[:])
}

// cleanUserAgent is the stored form of a User-Agent header.
func cleanUserAgent(ua string) string {
	if len(ua) > 300 {
		ua = ua[:300]
	}
	return strings.ToValidUTF8(ua, "")
}
