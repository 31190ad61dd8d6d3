package accounts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"recharge/db"
	"recharge/i18n"
)

// This file holds what a user changes about their own account (SPEC §3.1: profile,
// password, sessions) and what an admin changes about a customer's (SPEC §8: name and
// email, suspension), plus the command line's way back in (`recharge user password`).

var (
	// ErrWrongPassword: the current password typed to confirm a change is not the right one.
	ErrWrongPassword = errors.New("current password is wrong")
	// ErrLangUnknown: the language asked for has no catalog.
	ErrLangUnknown = errors.New("unknown language")
	// ErrSuspended: the password was right but an admin suspended the account.
	ErrSuspended = errors.New("account suspended")
	// ErrSelfSuspension: an admin cannot suspend their own account.
	ErrSelfSuspension = errors.New("an admin cannot suspend their own account")
	// ErrLastAdmin: suspending this admin would leave no admin able to log in.
	ErrLastAdmin = errors.New("the last admin cannot be suspended")
	// ErrNotAdmin: the acting user lost the admin role (or was suspended) since their
	// request began.
	ErrNotAdmin = errors.New("the acting user is no longer an admin")
)

// maxNameLen bounds a display name, in characters.
const maxNameLen = 100

// cleanName is a display name as stored: trimmed, valid UTF-8, at most maxNameLen.
func cleanName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxNameLen || !utf8.ValidString(name) {
		return "", ErrNameTooLong
	}
	return name, nil
}

// checkNewPassword applies the registration rule to a new password.
func checkNewPassword(password string) error {
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return ErrPasswordTooShort
	}
	if len(password) > maxPasswordLen {
		return ErrPasswordTooLong
	}
	return nil
}

// hashNew validates and hashes a new password (in a hashing slot).
func hashNew(ctx context.Context, password string) (string, error) {
	if err := checkNewPassword(password); err != nil {
		return "", err
	}
	var hash string
	if err := withHashSlot(ctx, func() { hash = HashPassword(password) }); err != nil {
		return "", err
	}
	return hash, nil
}

// UpdateProfile saves the user's own name and language.
func (s *Service) UpdateProfile(ctx context.Context, userID int64, name, lang string) error {
	name, err := cleanName(name)
	if err != nil {
		return err
	}
	if !i18n.Supported(lang) {
		return ErrLangUnknown
	}
	return s.Store.SetUserProfile(ctx, userID, name, lang)
}

// ConfirmPassword checks the current password a user types to confirm a change. A
// wrong one counts as a failed login of (email, IP), so a stolen session cannot guess
// the password faster than the login form allows (ErrTooManyAttempts past the limit).
func (s *Service) ConfirmPassword(ctx context.Context, u *db.User, password, ip string) error {
	since := db.Now() - int64(LoginWindow/time.Second)
	pair := u.Email + "|" + LimitKey(ip)
	id, ok, err := s.Store.Reserve(ctx, db.BucketLogin, pair, since, MaxLoginFailures)
	if err != nil || !ok {
		return errors.Join(err, limitErr(ok, ErrTooManyAttempts))
	}
	good, err := checkPasswordBounded(ctx, u.PasswordHash, password)
	if err != nil { // not evaluated: the attempt does not count
		return errors.Join(err, s.Store.Release(ctx, id))
	}
	if !good {
		return ErrWrongPassword
	}
	_ = s.Store.ClearEvents(ctx, db.BucketLogin, pair)
	return nil
}

// ChangePassword sets a new password once the current one is confirmed, and ends every
// other session of the user (SPEC §3.1); the session of token stays logged in.
func (s *Service) ChangePassword(ctx context.Context, userID int64, token, current, next, ip string) error {
	if err := checkNewPassword(next); err != nil {
		return err
	}
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if err := s.ConfirmPassword(ctx, u, current, ip); err != nil {
		return err
	}
	hash, err := hashNew(ctx, next)
	if err != nil {
		return err
	}
	return s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.SetUserPassword(ctx, userID, hash); err != nil {
			return err
		}
		_, err := tx.DeleteOtherSessions(ctx, userID, HashToken(token))
		return err
	})
}

// SetPassword is `recharge user password`: the account with email gets password and
// every one of its sessions ends. db.ErrNotFound when no account has the email.
func (s *Service) SetPassword(ctx context.Context, email, password string, resetTwoFactor bool) (*db.User, error) {
	if e, err := NormalizeEmail(email); err == nil {
		email = e
	}
	hash, err := hashNew(ctx, password)
	if err != nil {
		return nil, err
	}
	var u *db.User
	err = s.Store.Tx(ctx, func(tx *db.Tx) error {
		var err error
		if u, err = tx.UserByEmail(ctx, email); err != nil {
			return err
		}
		if err := tx.SetUserPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		n, err := tx.DeleteUserSessions(ctx, u.ID)
		if err != nil {
			return err
		}
		details := fmt.Sprintf("sessions ended: %d", n)
		if resetTwoFactor { // the admin who lost their phone and recovery codes
			if err := tx.DisableTOTP(ctx, u.ID); err != nil {
				return err
			}
			details += fmt.Sprintf("; two-factor turned off (was on: %v)", u.TwoFactor())
		}
		return tx.Audit(ctx, db.Actor{IP: "command line"}, "user.password_set", userTarget(u.ID), details)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// SessionInfo is one logged-in session as its owner sees it.
type SessionInfo struct {
	Browser, OS string // "" when the user agent does not say
	IP          string
	CreatedAt   int64
	LastSeenAt  int64
	Current     bool // the session of this request
}

// Sessions lists the user's logged-in sessions; the one of token is marked Current.
func (s *Service) Sessions(ctx context.Context, userID int64, token string) ([]SessionInfo, error) {
	rows, err := s.Store.SessionsOfUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	mine := HashToken(token)
	out := make([]SessionInfo, 0, len(rows))
	for _, r := range rows {
		b, o := Device(r.UserAgent)
		seen := r.LastSeenAt
		if seen == 0 {
			seen = r.CreatedAt
		}
		out = append(out, SessionInfo{Browser: b, OS: o, IP: r.IP, CreatedAt: r.CreatedAt, LastSeenAt: seen, Current: r.IDHash == mine})
	}
	return out, nil
}

// RevokeOtherSessions ends every session of the user except the one of token.
func (s *Service) RevokeOtherSessions(ctx context.Context, userID int64, token string) (int64, error) {
	return s.Store.DeleteOtherSessions(ctx, userID, HashToken(token))
}

// Device names the browser and the system of a user agent in a few words ("Firefox",
// "Linux"); "" for what it does not recognise. Order matters: Edge and Opera also say
// Chrome, Chrome also says Safari, Android also says Linux.
func Device(ua string) (browser, os string) {
	for _, b := range []struct{ marker, name string }{
		{"Edg", "Edge"}, {"OPR/", "Opera"}, {"Opera", "Opera"}, {"SamsungBrowser", "Samsung Internet"},
		{"Firefox/", "Firefox"}, {"FxiOS", "Firefox"}, {"Chromium/", "Chromium"}, {"CriOS", "Chrome"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.marker) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ marker, name string }{
		{"Windows", "Windows"}, {"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"},
		{"CrOS", "ChromeOS"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"}, {"Linux", "Linux"}, {"BSD", "BSD"},
	} {
		if strings.Contains(ua, o.marker) {
			os = o.name
			break
		}
	}
	return browser, os
}

// --- the admin's actions on a customer (SPEC §8) ---

func userTarget(id int64) string { return "user:" + strconv.FormatInt(id, 10) }

// checkActor refuses an actor who is no longer an admin able to log in; called inside
// the write, since the actor's session was read before it.
func checkActor(ctx context.Context, tx *db.Tx, actor db.Actor) error {
	a, err := tx.UserByID(ctx, actor.UserID)
	if err != nil || !a.IsAdmin() || a.Suspended() {
		return ErrNotAdmin
	}
	return nil
}

// AdminUpdateProfile changes a customer's name and email, normalised and checked as at
// registration (ErrEmailTaken when another account has it). Audited; changed is false
// when nothing differed (nothing is written then).
func (s *Service) AdminUpdateProfile(ctx context.Context, actor db.Actor, userID int64, name, email string) (changed bool, err error) {
	email, err = NormalizeEmail(email)
	if err != nil {
		return false, err
	}
	if name, err = cleanName(name); err != nil {
		return false, err
	}
	err = s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := checkActor(ctx, tx, actor); err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		if u.Name == name && u.Email == email {
			return nil
		}
		if err := createErr(tx.SetUserNameEmail(ctx, userID, name, email)); err != nil {
			return err
		}
		var details []string
		if u.Email != email {
			details = append(details, "email: "+u.Email+" → "+email)
		}
		if u.Name != name {
			details = append(details, "name: "+strconv.Quote(u.Name)+" → "+strconv.Quote(name))
		}
		changed = true
		return tx.Audit(ctx, actor, "user.profile", userTarget(userID), strings.Join(details, "; "))
	})
	return changed, err
}

// SetSuspended suspends or reinstates an account (SPEC §8). Suspending ends all the
// account's sessions; its login is refused (ErrSuspended) until it is reinstated. An
// admin cannot suspend themself, and the last admin able to log in can never be
// suspended (SPEC §3): like a demotion (backoffice.SetRole), the write takes the lock
// of every admin row first and counts the active admins after the change, so two admins
// suspending (or demoting) each other at once cannot leave none. changed is false when
// the account already was in that state.
func (s *Service) SetSuspended(ctx context.Context, actor db.Actor, userID int64, suspended bool) (changed bool, err error) {
	if suspended && userID == actor.UserID {
		return false, ErrSelfSuspension
	}
	err = s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.LockAdmins(ctx); err != nil {
			return err
		}
		if err := checkActor(ctx, tx, actor); err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		if u.Suspended() == suspended {
			return nil
		}
		if !suspended {
			if err := tx.SetUserSuspended(ctx, userID, nil); err != nil {
				return err
			}
			changed = true
			return tx.Audit(ctx, actor, "user.unsuspend", userTarget(userID), u.Email)
		}
		now := db.Now()
		if err := tx.SetUserSuspended(ctx, userID, &now); err != nil {
			return err
		}
		if n, err := tx.CountActiveAdmins(ctx); err != nil {
			return err
		} else if n == 0 {
			return ErrLastAdmin
		}
		ended, err := tx.DeleteUserSessions(ctx, userID)
		if err != nil {
			return err
		}
		changed = true
		return tx.Audit(ctx, actor, "user.suspend", userTarget(userID), fmt.Sprintf("%s; sessions ended: %d", u.Email, ended))
	})
	return changed, err
}
