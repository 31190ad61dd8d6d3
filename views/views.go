// Package views embeds the HTML templates: layouts/, partials/ (fragments that full
// pages include and htmx requests get alone) and one template per page.
package views

import "embed"

// FS holds every template.
//
//go:embed layouts partials public client admin *.html
var FS embed.FS
