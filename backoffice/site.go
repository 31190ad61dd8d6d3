package backoffice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"recharge/db"
	"recharge/settings"
)

// Errors of the site settings form (SPEC §8).
var (
	ErrSiteNameInvalid       = errors.New("site name empty, too long or with control characters")
	ErrSupportContactInvalid = errors.New("support contact is neither an email address nor an http(s) URL")
	ErrTimezoneInvalid       = errors.New("unknown time zone")
	ErrLogoTooLarge          = errors.New("logo larger than 256 KB")
	ErrLogoNotPNG            = errors.New("logo is not a PNG image")
	ErrLogoDimensions        = errors.New("logo dimensions out of bounds")
)

// Limits of the site settings.
const (
	MaxSiteNameLen = 60
	MaxSupportLen  = 300
	// MaxLogoBytes caps the logo file (checked before it is decoded).
	MaxLogoBytes = 256 << 10
	// MaxLogoSide caps each side of the logo in pixels: a small file may announce a huge
	// image (a decompression bomb); only its header is read, so this is checked first.
	MaxLogoSide = 2048
)

// SiteForm is the site settings form as typed.
type SiteForm struct {
	RequireAdmin2FA bool
	Name            string
	SupportContact  string
	Timezone        string
}

// ParseSiteForm validates the form into settings. An empty name is the default
// name, an empty time zone the default zone, an empty contact no contact.
func ParseSiteForm(in SiteForm) (settings.Site, error) {
	out := settings.Site{RequireAdmin2FA: in.RequireAdmin2FA}
	var err error
	if out.Name, err = CheckSiteName(in.Name); err != nil {
		return out, err
	}
	if out.SupportContact, err = CheckSupportContact(in.SupportContact); err != nil {
		return out, err
	}
	if out.Timezone, err = CheckTimezone(in.Timezone); err != nil {
		return out, err
	}
	out.Location = settings.Location(out.Timezone)
	return out, nil
}

// CheckSiteName trims the name; empty = the default name.
func CheckSiteName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return settings.DefaultSiteName, nil
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxSiteNameLen {
		return "", ErrSiteNameInvalid
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return "", ErrSiteNameInvalid
		}
	}
	return name, nil
}

// CheckSupportContact accepts a bare email address (linked with mailto:) or an
// absolute http(s) URL with a host; empty = no contact.
func CheckSupportContact(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	if len(v) > MaxSupportLen || strings.ContainsAny(v, " \t\r\n<>\"'") {
		return "", ErrSupportContactInvalid
	}
	if strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
		u, err := url.Parse(v)
		if err != nil || u.Host == "" || u.User != nil {
			return "", ErrSupportContactInvalid
		}
		return v, nil
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" || !strings.Contains(v[strings.IndexByte(v, '@'):], ".") {
		return "", ErrSupportContactInvalid
	}
	return v, nil
}

// CheckTimezone accepts an IANA zone name (Go's embedded database: time/tzdata is
// imported by package settings); empty = the default zone.
func CheckTimezone(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return settings.DefaultTimezone, nil
	}
	// "Local" is this machine's zone, not a name; LoadLocation also takes paths.
	if name == "Local" || strings.ContainsAny(name, `\.`) || strings.HasPrefix(name, "/") {
		return "", ErrTimezoneInvalid
	}
	if _, err := time.LoadLocation(name); err != nil {
		return "", ErrTimezoneInvalid
	}
	return name, nil
}

// CheckLogo accepts a PNG of at most MaxLogoBytes whose sides are 1..MaxLogoSide
// pixels. Only the header is decoded for the size, then the whole image, so a file
// that merely starts like a PNG is refused too.
func CheckLogo(data []byte) error {
	if len(data) > MaxLogoBytes {
		return ErrLogoTooLarge
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return ErrLogoNotPNG
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide {
		return ErrLogoDimensions
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		return ErrLogoNotPNG
	}
	return nil
}

// SiteChange is one save of the site settings page: the settings, and the logo
// (Logo = a new file, checked with CheckLogo; RemoveLogo = back to none).
type SiteChange struct {
	Site       settings.Site
	Logo       []byte
	RemoveLogo bool
}

// SaveSiteSettings stores the site settings (SPEC §8) and the logo, and writes the
// audit entry, in one transaction. The details list every stored value (none of them
// is a secret) and the logo's size.
func (b *Backoffice) SaveSiteSettings(ctx context.Context, actor db.Actor, ch SiteChange) error {
	if ch.Logo != nil {
		if err := CheckLogo(ch.Logo); err != nil {
			return err
		}
	}
	kv := ch.Site.Values()
	details := fmt.Sprintf("require_admin_2fa=%s site_name=%q support_contact=%q timezone=%s",
		kv[settings.KeyRequireAdmin2FA], ch.Site.Name, ch.Site.SupportContact, ch.Site.Timezone)
	switch {
	case ch.Logo != nil:
		details += " logo=" + strconv.Itoa(len(ch.Logo)) + "B"
	case ch.RemoveLogo:
		details += " logo=removed"
	}
	return b.Store.Tx(ctx, func(tx *db.Tx) error {
		switch {
		case ch.Logo != nil:
			if err := tx.SetSiteAsset(ctx, db.AssetLogo, ch.Logo); err != nil {
				return err
			}
			// The version only grows, even for two uploads within one second.
			prev, err := tx.Setting(ctx, settings.KeyLogoVersion, "0")
			if err != nil {
				return err
			}
			v := db.Now()
			if p, _ := strconv.ParseInt(prev, 10, 64); p >= v {
				v = p + 1
			}
			kv[settings.KeyLogoVersion] = strconv.FormatInt(v, 10)
		case ch.RemoveLogo:
			if err := tx.DeleteSiteAsset(ctx, db.AssetLogo); err != nil {
				return err
			}
			kv[settings.KeyLogoVersion] = "0"
		}
		if err := tx.SetSettings(ctx, kv); err != nil {
			return err
		}
		return tx.Audit(ctx, actor, "settings.site", "settings:site", details)
	})
}
