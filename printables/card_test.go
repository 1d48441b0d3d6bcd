package printables

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestRenderCard: a share card is a 1080 × 1350 PNG whose QR scans back to
// the sign's payload, for a vendor, a market fee and a sign with every
// text at its longest (which stays inside the card's margins); a sign
// that cannot be printed is refused the same way, and nothing is written.
func TestRenderCard(t *testing.T) {
	needTools(t, "zbarimg")
	r := renderer(t)
	for _, tt := range []struct {
		name string
		sign Sign
		want string // the payload, as the sign's QR carries it
	}{
		{"vendor", vendorSign(), payloadOf(t, vendorSign())},
		{"market fee", feeSign(), payloadOf(t, feeSign())},
		{"every text at its longest", longSign(), payloadOf(t, longSign())},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := r.RenderCard(&b, tt.sign); err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b.Bytes()))
			if err != nil {
				t.Fatalf("the card is not a PNG: %v", err)
			}
			if got := img.Bounds().Size(); got != (image.Point{X: 1080, Y: 1350}) {
				t.Errorf("the card is %v, want 1080×1350", got)
			}
			file := filepath.Join(t.TempDir(), "card.png")
			if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := zbar(t, file); len(got) != 1 || got[0] != tt.want {
				t.Errorf("the card's QR reads %q, want %q", got, tt.want)
			}
			// Nothing is drawn in the side margins: every text fitted.
			band := img.At(0, 0)
			for y := range 1350 {
				for _, x := range []int{0, 20, 1059, 1079} {
					if c := img.At(x, y); !sameColour(c, band) && !sameColour(c, color.White) {
						t.Fatalf("the card has ink at (%d, %d) in its margin: %v", x, y, c)
					}
				}
			}
		})
	}
	var b bytes.Buffer
	bad := vendorSign()
	bad.BIN = "123"
	var fe *FieldError
	if err := r.RenderCard(&b, bad); !errors.As(err, &fe) || b.Len() != 0 {
		t.Errorf("a card with a bad BIN: %v and %d bytes written; want a *FieldError and nothing", err, b.Len())
	}
}

// payloadOf is the payload the sign's QR carries.
func payloadOf(t *testing.T, s Sign) string {
	t.Helper()
	s, err := validate(normalize(s))
	if err != nil {
		t.Fatal(err)
	}
	p, err := encode(payloadFor(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sameColour(a, b color.Color) bool {
	r1, g1, b1, _ := a.RGBA()
	r2, g2, b2, _ := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2
}

// BenchmarkRenderCard draws one share card.
func BenchmarkRenderCard(b *testing.B) {
	r := renderer(b)
	s := vendorSign()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := r.RenderCard(&buf, s); err != nil {
			b.Fatal(err)
		}
	}
}
