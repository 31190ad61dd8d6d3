package backoffice

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
)

// RawField is one field of a stored provider answer, safe to show.
type RawField struct {
	Name  string
	Value string
}

// RawView is a stored callback or API answer made safe for an admin page.
type RawView struct {
	Format string     // "json", "form", "text" or "" when empty
	Fields []RawField // for json and form, in a stable order
	Text   string     // the whole answer, redacted (pretty-printed for JSON)
}

const redacted = "[removed]"

// secretName reports whether a field name looks like a credential: it is dropped
// whatever its value (the stored answers already have keys removed; this is the
// second lock, in case a provider renames a field).
func secretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"key", "secret", "password", "token", "signature"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// SafeRaw parses a stored raw answer (JSON, a form-encoded callback, or anything
// else) and removes every field named like a key and every occurrence of the given
// secret values (the configured Dedipass keys).
func SafeRaw(raw string, secrets ...string) RawView {
	scrub := func(s string) string {
		for _, sec := range secrets {
			if len(sec) >= 4 {
				s = strings.ReplaceAll(s, sec, redacted)
			}
		}
		return s
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return RawView{}
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber() // keep numbers exactly as sent
	if err := dec.Decode(&v); err == nil && !dec.More() {
		v = dropSecrets(v)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		_ = enc.Encode(v)
		view := RawView{Format: "json", Text: scrub(strings.TrimSpace(buf.String()))}
		if obj, ok := v.(map[string]any); ok {
			for _, k := range sortedKeys(obj) {
				val := ""
				switch x := obj[k].(type) {
				case string:
					val = x
				case nil:
					val = "null"
				default:
					b, _ := json.Marshal(x)
					val = string(b)
				}
				view.Fields = append(view.Fields, RawField{Name: k, Value: scrub(val)})
			}
		}
		return view
	}
	if strings.Contains(raw, "=") && !strings.ContainsAny(raw, " \n{<") {
		if form, err := url.ParseQuery(raw); err == nil {
			view := RawView{Format: "form"}
			clean := url.Values{}
			for _, k := range sortedKeys(form) {
				if secretName(k) {
					continue
				}
				for _, val := range form[k] {
					view.Fields = append(view.Fields, RawField{Name: k, Value: scrub(val)})
					clean.Add(k, val)
				}
			}
			view.Text = scrub(clean.Encode())
			return view
		}
	}
	return RawView{Format: "text", Text: scrub(raw)}
}

func dropSecrets(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if secretName(k) {
				delete(x, k)
				continue
			}
			x[k] = dropSecrets(val)
		}
	case []any:
		for i := range x {
			x[i] = dropSecrets(x[i])
		}
	}
	return v
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
