package dedipass

import (
	"bytes"
	"encoding/json"
	"strings"

	"recharge/money"
)

// Dedipass sends the same field as a JSON number in one answer and a string
// in the next ("2.10", 2.1, "3", 0). Answers are therefore decoded into
// map[string]json.RawMessage and each field is read by the helpers below,
// which keep a number's literal text: no value ever goes through float64.

// object decodes a JSON object into its raw fields. ok is false when data is
// not a JSON object.
func object(data []byte) (fields map[string]json.RawMessage, ok bool) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, false
	}
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, false
	}
	return fields, true
}

// text returns a field as text: a string's value, a number's literal, "true"
// or "false". present is false for a missing field, null, an object or an
// array.
func text(fields map[string]json.RawMessage, name string) (s string, present bool) {
	raw, ok := fields[name]
	if !ok {
		return "", false
	}
	return rawText(raw)
}

func rawText(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	case c == '-' || c >= '0' && c <= '9':
		// Already validated as a JSON number by the outer Unmarshal.
		return string(raw), true
	case bytes.Equal(raw, []byte("true")), bytes.Equal(raw, []byte("false")):
		return string(raw), true
	}
	return "", false // null, object, array
}

// str returns a field's text, or "" when absent or not scalar.
func str(fields map[string]json.RawMessage, name string) string {
	s, _ := text(fields, name)
	return s
}

// micros reads a field holding a decimal number as a JSON number or string.
// present is false when the field is missing or null; err is set when it is
// present but not an exact decimal ParseMicros accepts.
func micros(fields map[string]json.RawMessage, name string) (m money.Micros, present bool, err error) {
	raw, ok := fields[name]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return 0, false, nil
	}
	s, ok := rawText(raw)
	if !ok {
		return 0, true, money.ErrInvalidAmount
	}
	m, err = money.ParseMicros(s)
	return m, true, err
}

// secretWords are the words that make a field name look like a credential: a field
// whose name contains one of them (compared without case) is never stored nor shown,
// whatever its value. The one list for the whole portal (the admin's raw view uses it
// too): key covers key, public_key, privateKey, api-key, secretKey, ….
var secretWords = []string{"key", "secret", "password", "token", "signature"}

// SecretField reports whether a field name looks like a credential (see secretWords).
func SecretField(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// StripKeys returns body, a JSON document, re-encoded without any field
// whose name looks like a credential (SecretField: key, public_key, privateKey,
// token, …, at any depth) or holds one of secrets, and with any string holding one of
// secrets (any spelling, see Leaks) replaced by "[removed]". Numbers keep their exact literal. ok is false when body is not
// JSON; the result is then nil.
func StripKeys(body []byte, secrets ...string) (clean []byte, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if dec.More() { // trailing data after the document
		return nil, false
	}
	return encodeStripped(v, secrets)
}

// encodeStripped removes the secrets from a decoded JSON value (strip) and encodes it
// the way raw answers are kept: no HTML escaping, no trailing newline.
func encodeStripped(v any, secrets []string) ([]byte, bool) {
	v = strip(v, secrets)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, false
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), true
}

func strip(v any, secrets []string) any {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if SecretField(k) || Leaks(k, secrets...) {
				delete(t, k)
				continue
			}
			t[k] = strip(child, secrets)
		}
		return t
	case []any:
		for i, child := range t {
			t[i] = strip(child, secrets)
		}
		return t
	case string:
		if Leaks(t, secrets...) {
			return "[removed]"
		}
		return t
	}
	return v
}
