// Package views embeds the HTML templates: layouts/, partials/ (fragments that full
// pages include and htmx requests get alone), one template per page in the folder of
// its room (public/, client/, admin/), and beside a page the fragment only it uses
// (admin/users_results).
package views

import "embed"

// FS holds every template.
//
//go:embed layouts partials public client admin *.html
var FS embed.FS
