package dedipass

import (
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// mentionTags are the formatting tags a legal mention keeps, without attributes.
var mentionTags = []string{"b", "strong", "i", "em", "u", "small", "br", "p", "span"}

// mentionPolicy is bluemonday's parser-based sanitiser with those tags alone: every
// attribute, link, script and style is dropped.
var mentionPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements(mentionTags...)
	return p
}()

// SanitizeMention turns the legal mention of an offer (HTML from Dedipass) into safe,
// balanced HTML: bluemonday keeps the formatting tags above, then the HTML5 parser
// closes what was left open and drops stray closing tags, so a mention cannot break
// the page around it.
func SanitizeMention(s string) string {
	if len(s) > 4000 {
		s = s[:4000]
	}
	clean := mentionPolicy.Sanitize(strings.ToValidUTF8(s, ""))
	nodes, err := html.ParseFragment(strings.NewReader(clean), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return html.EscapeString(clean)
	}
	var b strings.Builder
	for _, n := range nodes {
		if err := html.Render(&b, n); err != nil {
			return html.EscapeString(clean)
		}
	}
	return b.String()
}
