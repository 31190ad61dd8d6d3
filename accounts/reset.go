package accounts

import (
	"context"
	"errors"
	"time"

	"recharge/db"
	"recharge/mail"
)

// Password reset and email change by mailed one-time links (SPEC §3.1, §3.2). The
// token travels in the link only; the database keeps its hash, and a conditional
// UPDATE spends it, so a link works once.

var (
	// ErrNoMail: the portal has no SMTP server, so it cannot mail a link.
	ErrNoMail = errors.New("mail is not set up")
	// ErrTooManyResets: more than MaxResetsPerEmail reset mails asked for one address.
	ErrTooManyResets = errors.New("too many reset requests for this email")
	// ErrLinkInvalid: the link is unknown, used or expired.
	ErrLinkInvalid = errors.New("link unknown, used or expired")
	// ErrSameEmail: the new email is the account's current one.
	ErrSameEmail = errors.New("this is already the account's email")
)

const (
	ResetTTL          = time.Hour
	EmailChangeTTL    = 24 * time.Hour
	MaxResetsPerEmail = 3
	ResetWindow       = time.Hour
)

// RequestReset mails a reset link when the account exists (SPEC §3.2). The answer is
// the same whether or not it does; the limit counts the address asked for, existing
// or not, so it reveals nothing either. A suspended account gets no link.
func (s *Service) RequestReset(ctx context.Context, email string) error {
	if !s.Mail.Enabled() {
		return ErrNoMail
	}
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil // no account has it: same answer
	}
	since := db.Now() - int64(ResetWindow/time.Second)
	if _, ok, err := s.Store.Reserve(ctx, db.BucketReset, email, since, MaxResetsPerEmail); err != nil || !ok {
		return errors.Join(err, limitErr(ok, ErrTooManyResets))
	}
	u, err := s.Store.UserByEmail(ctx, email)
	if errors.Is(err, db.ErrNotFound) || (err == nil && u.Suspended()) {
		return nil
	}
	if err != nil {
		return err
	}
	token := randomToken()
	return s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.CreateUserToken(ctx, &db.UserToken{TokenHash: HashToken(token), UserID: u.ID, Purpose: db.TokenReset,
			ExpiresAt: db.Now() + int64(ResetTTL/time.Second)}); err != nil {
			return err
		}
		_, err := s.Mail.Queue(ctx, tx, mail.Message{To: u.Email, Lang: u.Lang, Template: "reset",
			Data: mail.Data{Name: u.Name, URL: s.Mail.URL("/reset?token=" + token)}})
		return err
	})
}

// CheckResetLink reports whether a reset link is still good (the form shows it or
// says why not) without spending it.
func (s *Service) CheckResetLink(ctx context.Context, token string) error {
	_, err := s.liveLink(ctx, token, db.TokenReset)
	return err
}

// PendingEmail is the new address an email confirmation link would set, without
// spending the link (its page asks for a click first: mail scanners open links).
func (s *Service) PendingEmail(ctx context.Context, token string) (string, error) {
	t, err := s.liveLink(ctx, token, db.TokenEmail)
	if err != nil {
		return "", err
	}
	return t.Email, nil
}

// liveLink loads an unused, unexpired link of the purpose; ErrLinkInvalid otherwise.
func (s *Service) liveLink(ctx context.Context, token, purpose string) (*db.UserToken, error) {
	if token == "" {
		return nil, ErrLinkInvalid
	}
	t, err := s.Store.LiveUserToken(ctx, HashToken(token), purpose)
	if errors.Is(err, db.ErrNotFound) {
		return nil, ErrLinkInvalid
	}
	return t, err
}

// ResetPassword spends a reset link: the new password is set and every session of
// the user ends. It returns the user.
func (s *Service) ResetPassword(ctx context.Context, ip, token, password string) (*db.User, error) {
	if err := checkNewPassword(password); err != nil {
		return nil, err
	}
	if err := s.CheckResetLink(ctx, token); err != nil {
		return nil, err // before hashing: a dead link costs no hashing slot
	}
	var hash string
	if err := withHashSlot(ctx, func() { hash = HashPassword(password) }); err != nil {
		return nil, err
	}
	var u *db.User
	err := s.Store.Tx(ctx, func(tx *db.Tx) error {
		t, err := tx.UseUserToken(ctx, HashToken(token), db.TokenReset)
		if errors.Is(err, db.ErrNotFound) {
			return ErrLinkInvalid
		}
		if err != nil {
			return err
		}
		if err := tx.SetUserPassword(ctx, t.UserID, hash); err != nil {
			return err
		}
		if _, err := tx.DeleteUserSessions(ctx, t.UserID); err != nil {
			return err
		}
		if u, err = tx.UserByID(ctx, t.UserID); err != nil {
			return err
		}
		return tx.Audit(ctx, db.Actor{UserID: u.ID, IP: ip}, "user.password_reset", userTarget(u.ID), "")
	})
	return u, err
}

// CreateResetLink is the admin's way back in for a customer when there is no mail:
// a reset link to hand over, shown once (only its hash is kept), audited.
func (s *Service) CreateResetLink(ctx context.Context, actor db.Actor, userID int64) (string, error) {
	token := randomToken()
	err := s.Store.Tx(ctx, func(tx *db.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		if err := tx.CreateUserToken(ctx, &db.UserToken{TokenHash: HashToken(token), UserID: u.ID, Purpose: db.TokenReset,
			ExpiresAt: db.Now() + int64(ResetTTL/time.Second)}); err != nil {
			return err
		}
		return tx.Audit(ctx, actor, "user.reset_link", userTarget(u.ID), u.Email)
	})
	if err != nil {
		return "", err
	}
	return s.Mail.URL("/reset?token=" + token), nil
}

// RequestEmailChange mails a confirmation link to the new address; the account keeps
// its email until the link is opened (ConfirmEmail).
func (s *Service) RequestEmailChange(ctx context.Context, u *db.User, newEmail, currentPassword, ip string) (string, error) {
	if !s.Mail.Enabled() {
		return "", ErrNoMail
	}
	email, err := NormalizeEmail(newEmail)
	if err != nil {
		return "", err
	}
	if email == u.Email {
		return "", ErrSameEmail
	}
	if err := s.ConfirmPassword(ctx, u, currentPassword, ip); err != nil {
		return "", err
	}
	if _, err := s.Store.UserByEmail(ctx, email); err == nil {
		return "", ErrEmailTaken
	} else if !errors.Is(err, db.ErrNotFound) {
		return "", err
	}
	token := randomToken()
	err = s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.CreateUserToken(ctx, &db.UserToken{TokenHash: HashToken(token), UserID: u.ID, Purpose: db.TokenEmail,
			Email: email, ExpiresAt: db.Now() + int64(EmailChangeTTL/time.Second)}); err != nil {
			return err
		}
		_, err := s.Mail.Queue(ctx, tx, mail.Message{To: email, Lang: u.Lang, Template: "email_confirm",
			Data: mail.Data{Name: u.Name, Email: email, URL: s.Mail.URL("/confirm-email?token=" + token)}})
		return err
	})
	return email, err
}

// ConfirmEmail spends an email confirmation link: the account takes the new address.
func (s *Service) ConfirmEmail(ctx context.Context, ip, token string) (*db.User, error) {
	var u *db.User
	err := s.Store.Tx(ctx, func(tx *db.Tx) error {
		t, err := tx.UseUserToken(ctx, HashToken(token), db.TokenEmail)
		if errors.Is(err, db.ErrNotFound) {
			return ErrLinkInvalid
		}
		if err != nil {
			return err
		}
		if u, err = tx.UserByID(ctx, t.UserID); err != nil {
			return err
		}
		if err := tx.SetUserNameEmail(ctx, u.ID, u.Name, t.Email); err != nil {
			if errors.Is(err, db.ErrConflict) {
				return ErrEmailTaken
			}
			return err
		}
		u.Email = t.Email
		return tx.Audit(ctx, db.Actor{UserID: u.ID, IP: ip}, "user.email_change", userTarget(u.ID), t.Email)
	})
	return u, err
}
