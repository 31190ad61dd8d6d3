package dedipass

import (
	"html"
	"regexp"
	"strings"
)

// allowedTag matches an escaped allow-listed tag without attributes, e.g. "&lt;b&gt;",
// "&lt;/strong&gt;", "&lt;br /&gt;".
var allowedTag = regexp.MustCompile(`(?i)&lt;(/?)(b|strong|i|em|u|small|br|p|span)\s*/?&gt;`)

// SanitizeMention turns the legal mention of an offer (HTML from Dedipass) into safe
// HTML: everything is escaped, then a few formatting tags without attributes are
// allowed back. No attribute, link, script or style can survive.
func SanitizeMention(s string) string {
	if len(s) > 4000 {
		s = s[:4000]
	}
	s = strings.ToValidUTF8(s, "")
	escaped := html.EscapeString(html.UnescapeString(s))
	return allowedTag.ReplaceAllStringFunc(escaped, func(m string) string {
		sub := allowedTag.FindStringSubmatch(m)
		tag := strings.ToLower(sub[2])
		if tag == "br" {
			return "<br>"
		}
		return "<" + sub[1] + tag + ">"
	})
}
