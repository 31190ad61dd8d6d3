package dedipass

import (
	"strings"
	"testing"
)

// FuzzValidCode: whatever the input, an accepted code is 1–64 ASCII letters/digits, so
// it is safe in a URL query, in SQL and in HTML, and its key is its upper-case form.
func FuzzValidCode(f *testing.F) {
	for _, s := range []string{"ABC123", "", "a", "AB CD", "é", "%_'\"\\", strings.Repeat("Z", 65), "\x00", "ＡＢ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !ValidCode(s) {
			return
		}
		if len(s) < 1 || len(s) > MaxCodeLen {
			t.Fatalf("accepted length %d", len(s))
		}
		for _, r := range s {
			if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
				t.Fatalf("accepted rune %q in %q", r, s)
			}
		}
		k := CodeKey(s)
		if k != strings.ToUpper(s) || !ValidCode(k) || CodeKey(k) != k {
			t.Fatalf("CodeKey(%q) = %q", s, k)
		}
	})
}
