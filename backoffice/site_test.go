package backoffice

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand"
	"testing"
)

func TestCheckTimezone(t *testing.T) {
	for in, want := range map[string]string{"": "Europe/Paris", "Europe/Paris": "Europe/Paris", " America/Montreal ": "America/Montreal", "UTC": "UTC", "Asia/Kolkata": "Asia/Kolkata"} {
		if got, err := CheckTimezone(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, in := range []string{"Mars/Olympus", "Local", "../../etc/passwd", "/etc/localtime", "Europe/Paris\x00", "europe/paris x"} {
		if _, err := CheckTimezone(in); !errors.Is(err, ErrTimezoneInvalid) {
			t.Errorf("%q accepted: %v", in, err)
		}
	}
}

func TestCheckSupportContact(t *testing.T) {
	for _, ok := range []string{"", "support@host.fr", "help+billing@sub.host.co.uk", "https://host.fr/support", "http://help.host.fr"} {
		if _, err := CheckSupportContact(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"javascript:alert(1)", "support", "Support <a@b.fr>", "a@b", "ftp://host.fr", "https://", "https://user:pw@host.fr",
		"mailto:a@b.fr", "a@b.fr\nBcc: x@y.fr", `https://host.fr/"onmouseover=`, "data:text/html,hi"} {
		if _, err := CheckSupportContact(bad); !errors.Is(err, ErrSupportContactInvalid) {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}

func TestCheckSiteName(t *testing.T) {
	if n, err := CheckSiteName("  "); err != nil || n != "Recharge" {
		t.Fatalf("empty: %q %v", n, err)
	}
	if n, err := CheckSiteName(" Hébergeur du Sud "); err != nil || n != "Hébergeur du Sud" {
		t.Fatalf("name: %q %v", n, err)
	}
	for _, bad := range []string{"a\nb", "x\u202ey", string(make([]rune, 61))} {
		if _, err := CheckSiteName(bad); !errors.Is(err, ErrSiteNameInvalid) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func pngOf(t *testing.T, w, h int, noisy bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewSource(1))
	for i := range img.Pix {
		if noisy {
			img.Pix[i] = byte(r.Intn(256))
		} else {
			img.Pix[i] = 200
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeader is a PNG signature and IHDR chunk announcing w×h pixels, with a tiny body:
// what a decompression bomb looks like before it is inflated.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	_ = binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestCheckLogo(t *testing.T) {
	if err := CheckLogo(pngOf(t, 64, 64, false)); err != nil {
		t.Fatalf("small PNG refused: %v", err)
	}
	big := pngOf(t, 320, 320, true) // noise does not compress: ~300 KB
	if len(big) < 300<<10 {
		t.Fatalf("test image only %d bytes", len(big))
	}
	if err := CheckLogo(big); !errors.Is(err, ErrLogoTooLarge) {
		t.Fatalf("300 KB PNG: %v", err)
	}
	var jpg bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	img.Set(1, 1, color.White)
	_ = jpeg.Encode(&jpg, img, nil)
	if err := CheckLogo(jpg.Bytes()); !errors.Is(err, ErrLogoNotPNG) { // a JPEG named logo.png
		t.Fatalf("JPEG: %v", err)
	}
	if err := CheckLogo(pngHeader(100000, 100000)); !errors.Is(err, ErrLogoDimensions) {
		t.Fatalf("huge announced size: %v", err)
	}
	if err := CheckLogo(pngHeader(64, 64)); !errors.Is(err, ErrLogoNotPNG) { // header only, no image data
		t.Fatalf("truncated PNG: %v", err)
	}
	if err := CheckLogo([]byte("not an image")); !errors.Is(err, ErrLogoNotPNG) {
		t.Fatalf("text: %v", err)
	}
}
