// Package static embeds the front-end assets: vendored htmx and Pico CSS (see
// VERSIONS) and our own small css/ and js/. Nothing is fetched from a CDN at run time.
package static

import "embed"

// FS holds every asset.
//
//go:embed vendor css js VERSIONS favicon.png
var FS embed.FS
