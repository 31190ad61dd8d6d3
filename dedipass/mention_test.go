package dedipass

import (
	"strings"
	"testing"
)

func TestSanitizeMention(t *testing.T) {
	cases := map[string]string{
		"<b>2,50 €</b> par SMS":               "<b>2,50 €</b> par SMS",
		"Prix<br/>d'un SMS":                   "Prix<br>d&#39;un SMS",
		`<b onclick="x()">hi</b>`:             `&lt;b onclick=&#34;x()&#34;&gt;hi</b>`,
		`<script>alert(1)</script>`:           `&lt;script&gt;alert(1)&lt;/script&gt;`,
		`<a href="javascript:alert(1)">x</a>`: `&lt;a href=&#34;javascript:alert(1)&#34;&gt;x&lt;/a&gt;`,
		`&lt;script&gt;`:                      `&lt;script&gt;`,
		`<STRONG>Tarif</STRONG>`:              `<strong>Tarif</strong>`,
		`<img src=x onerror=alert(1)>`:        `&lt;img src=x onerror=alert(1)&gt;`,
		"1 &euro; + prix d&#39;un appel":      "1 € + prix d&#39;un appel",
		`<span style="color:red">x</span>`:    `&lt;span style=&#34;color:red&#34;&gt;x</span>`,
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
			if !allowedTag.MatchString("&lt;"+tag+"&gt;") || strings.ContainsAny(tag, " =\"'") {
				t.Fatalf("tag %q survived in %q (input %q)", tag, out, s)
			}
			out = out[i+j+1:]
		}
	})
}
