// Package i18n holds the translation catalogs (locales/<lang>/*.json, embedded) and
// picks the language of a request. Every user-visible string goes through T, so adding
// a language is adding a folder of JSON files. Each feature keeps its own catalog file
// (auth.json, shop.json, …) so parallel work does not collide.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed locales
var files embed.FS

// Default is the language used when nothing else decides.
const Default = "fr"

var catalogs = map[string]map[string]string{}

func init() {
	langs, err := fs.ReadDir(files, "locales")
	if err != nil {
		panic(err)
	}
	for _, l := range langs {
		cat := map[string]string{}
		entries, _ := fs.ReadDir(files, path.Join("locales", l.Name()))
		for _, e := range entries {
			b, err := files.ReadFile(path.Join("locales", l.Name(), e.Name()))
			if err != nil {
				panic(err)
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				panic(fmt.Sprintf("i18n: %s/%s: %v", l.Name(), e.Name(), err))
			}
			for k, v := range part {
				if _, dup := cat[k]; dup {
					panic(fmt.Sprintf("i18n: key %q defined twice in %s", k, l.Name()))
				}
				cat[k] = v
			}
		}
		catalogs[l.Name()] = cat
	}
}

// Languages lists the available languages, sorted.
func Languages() []string {
	out := make([]string, 0, len(catalogs))
	for l := range catalogs {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Supported reports whether lang has a catalog.
func Supported(lang string) bool { _, ok := catalogs[lang]; return ok }

// T translates key into lang, formatting args with fmt verbs in the message. A missing
// key falls back to the default language, then to the key itself (visible in tests).
func T(lang, key string, args ...any) string {
	msg, ok := catalogs[lang][key]
	if !ok {
		msg, ok = catalogs[Default][key]
		if !ok {
			msg = key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Keys returns every key of one language (for catalog completeness tests).
func Keys(lang string) []string {
	out := make([]string, 0, len(catalogs[lang]))
	for k := range catalogs[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// FromAcceptLanguage picks the best supported language of an Accept-Language header.
func FromAcceptLanguage(header string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		tag, q := part, 1.0
		if i := strings.Index(part, ";"); i >= 0 {
			tag = strings.TrimSpace(part[:i])
			var v float64
			if _, err := fmt.Sscanf(strings.TrimSpace(part[i+1:]), "q=%g", &v); err == nil {
				q = v
			}
		}
		base := strings.ToLower(tag)
		if i := strings.IndexAny(base, "-_"); i >= 0 {
			base = base[:i]
		}
		if Supported(base) && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

// Day writes a date the way every page, mail and invoice does, in the zone loc (nil =
// UTC): 31/01/2026, or 2026-01-31 in English.
func Day(lang string, loc *time.Location, unix int64) string {
	if loc == nil {
		loc = time.UTC
	}
	tm := time.Unix(unix, 0).In(loc)
	if lang == "en" {
		return tm.Format("2006-01-02")
	}
	return tm.Format("02/01/2006")
}
