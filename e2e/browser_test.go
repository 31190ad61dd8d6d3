// Package e2e holds the real-browser tests: the portal runs on a loopback port with a
// fresh SQLite file, and headless Chromium (/usr/bin/chromium) clicks through it.
// Without Chromium the tests skip, except under CI=true where they must run.
// On failure, a screenshot lands in $E2E_SHOTS (default: the test's temp dir, logged).
package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds the browser or skips (fails under CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium not found at /usr/bin/chromium and CI=true: browser tests must run")
	}
	t.Skip("Chromium not installed; browser test skipped (set CI=true to make this fatal)")
	return ""
}

// Browser is one headless Chromium tab.
type Browser struct {
	t   *testing.T
	Ctx context.Context
}

// newBrowser starts Chromium with a fresh profile; width/height set the viewport.
func newBrowser(t *testing.T, width, height int) *Browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("lang", "fr-FR"),
		chromedp.Flag("accept-lang", "fr-FR,fr"),
		chromedp.WindowSize(width, height),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	b := &Browser{t: t, Ctx: ctx}
	t.Cleanup(func() {
		if t.Failed() {
			b.Screenshot("failure")
		}
		cancelT()
		cancelC()
		cancelA()
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// Run executes actions and fails the test on error.
func (b *Browser) Run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.Ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// Eval evaluates a JavaScript expression and returns its value.
func (b *Browser) Eval(expr string) any {
	b.t.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Evaluate[any](expr))
	if err != nil {
		b.t.Fatalf("eval %q: %v", expr, err)
	}
	return v
}

// Location is the current URL.
func (b *Browser) Location() string {
	b.t.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	return v
}

// Attr reads an attribute of the first element matching sel.
func (b *Browser) Attr(sel, name string) string {
	b.t.Helper()
	attrs, err := chromedp.Run(b.Ctx, chromedp.Attributes(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("attributes of %s: %v", sel, err)
	}
	return attrs[name]
}

// Screenshot saves a full-page PNG and logs where.
func (b *Browser) Screenshot(name string) string {
	dir := os.Getenv("E2E_SHOTS")
	if dir == "" {
		dir = b.t.TempDir()
	}
	_ = os.MkdirAll(dir, 0o755)
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s failed: %v", name, err)
		return ""
	}
	p := filepath.Join(dir, strings.ReplaceAll(b.t.Name(), "/", "_")+"-"+name+".png")
	if err := os.WriteFile(p, buf, 0o644); err == nil {
		b.t.Logf("screenshot: %s", p)
	}
	return p
}

// Text returns the text of the first element matching sel.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// Login signs in through the real form and waits for the dashboard.
func (b *Browser) Login(base, email, password string) {
	b.t.Helper()
	b.Run(
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#login-submit`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`main.content h1`)),
	)
}
