package backoffice

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strings"

	"recharge/dedipass"
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

// SafeRaw parses a stored raw answer (JSON, a form-encoded callback, or anything
// else) and removes every field named like a credential (dedipass.SecretField: the
// stored answers already have keys removed, this is the second lock in case a provider
// renames a field) and every occurrence of the given secret values (the configured
// Dedipass keys).
func SafeRaw(raw string, secrets ...string) RawView {
	// Very short values (a test key "1") would blank half the page: not scrubbed.
	var long []string
	for _, sec := range secrets {
		if len(sec) >= 4 {
			long = append(long, sec)
		}
	}
	scrub := func(s string) string { return dedipass.Redact(s, long...) }
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
				if dedipass.SecretField(k) {
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
			if dedipass.SecretField(k) {
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
