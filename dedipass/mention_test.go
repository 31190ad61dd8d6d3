package dedipass

import (
	"slices"
	"strings"
	"testing"
)

func TestSanitizeMention(t *testing.T) {
	cases := map[string]string{
		"<b>2,50 €</b> par SMS":               "<b>2,50 €</b> par SMS",
		"Prix<br/>d'un SMS":                   "Prix<br/>d&#39;un SMS",
		`<b onclick="x()">hi</b>`:             `<b>hi</b>`,
		`<script>alert(1)</script>`:           ``,
		`<a href="javascript:alert(1)">x</a>`: `x`,
		`&lt;script&gt;`:                      `&lt;script&gt;`,
		`<STRONG>Tarif</STRONG>`:              `<strong>Tarif</strong>`,
		`<img src=x onerror=alert(1)>`:        ``,
		"1 &euro; + prix d&#39;un appel":      "1 € + prix d&#39;un appel",
		`<span style="color:red">x</span>`:    `<span>x</span>`,
		"x</span> y<b>open":                   "x y<b>open</b>",
	}
	for in, want := range cases {
		if got := SanitizeMention(in); got != want {
			t.Errorf("SanitizeMention(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSanitizeMention(f *testing.F) {
	for _, s := range []string{"<b>x</b>", "<script>", `<a href="x">`, "&lt;b&gt;", "<br/>", "\xff<b>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := strings.ToLower(SanitizeMention(s))
		// Only attribute-free allow-listed tags may appear as markup.
		for i := strings.Index(out, "<"); i >= 0; i = strings.Index(out, "<") {
			j := strings.Index(out[i:], ">")
			if j < 0 {
				t.Fatalf("unterminated tag in %q", out)
			}
			tag := strings.Trim(out[i+1:i+j], "/")
			if !slices.Contains(mentionTags, tag) {
				t.Fatalf("tag %q survived in %q (input %q)", tag, out, s)
			}
			out = out[i+j+1:]
		}
	})
}

// Unbalanced tags from the provider cannot break the page: the result is balanced.
func TestSanitizeMentionBalances(t *testing.T) {
	for _, in := range []string{"x</p></span> y", "<b>open", "<p><span>a</p>b", "</div></main><b>z</b>"} {
		out := SanitizeMention(in)
		for _, tag := range []string{"b", "p", "span"} {
			if o, c := strings.Count(out, "<"+tag+">"), strings.Count(out, "</"+tag+">"); o != c {
				t.Errorf("SanitizeMention(%q) = %q: %d <%s> for %d </%s>", in, out, o, tag, c, tag)
			}
		}
		if strings.Contains(out, "</div>") || strings.Contains(out, "</main>") {
			t.Errorf("SanitizeMention(%q) = %q: foreign closing tag", in, out)
		}
	}
}
