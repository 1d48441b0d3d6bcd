package qr

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// scan reads a QR code back from an image with an independent decoder.
// The image is a clean render, so it uses zxing's pure-barcode mode: the
// camera-style detector of gozxing misjudges the dimension of some
// version-5 symbols however they are drawn (skip2/go-qrcode's own PNGs of
// the v024 payload fail it at 600 px too).
func scan(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res.GetText()
}

// TestPNGScans: the PNG of every encode case scans back to its payload.
func TestPNGScans(t *testing.T) {
	cases := []struct {
		name    string
		payload string
		level   ECLevel
		size    int
	}{}
	for _, c := range loadVectors(t).EncodeCases {
		cases = append(cases, struct {
			name    string
			payload string
			level   ECLevel
			size    int
		}{c.VectorID, c.Payload, ECMedium, 512})
	}
	sign, err := Encode(stallSign)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []ECLevel{ECLow, ECMedium, ECQuartile, ECHigh} {
		cases = append(cases, struct {
			name    string
			payload string
			level   ECLevel
			size    int
		}{"stall sign at level " + string("LMQH"[l]), sign, l, 300})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := NewMatrix(c.payload, c.level)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := m.WritePNG(&buf, c.size); err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != c.size || b.Dy() != c.size {
				t.Fatalf("image is %v, want %dx%d", b, c.size, c.size)
			}
			if got := scan(t, img); got != c.payload {
				t.Errorf("scanned %q, want %q", got, c.payload)
			}
		})
	}
}

// TestPNGFollowsMatrix: every pixel of the PNG is the colour of the module
// under it, inside a light margin of at least QuietZone modules, for sizes
// that do and do not divide evenly into modules.
func TestPNGFollowsMatrix(t *testing.T) {
	m, err := NewMatrix(withCRC(static), ECMedium)
	if err != nil {
		t.Fatal(err)
	}
	total := m.Size() + 2*QuietZone
	for _, size := range []int{total, total + 7, 300, 512, 1001} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			var buf bytes.Buffer
			if err := m.WritePNG(&buf, size); err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
				t.Fatalf("image is %v, want %dx%d", b, size, size)
			}
			scale := size / total
			offset := (size-total*scale)/2 + QuietZone*scale
			module := func(p int) int { // module under pixel p, -1 outside the symbol
				if p < offset || p >= offset+m.Size()*scale {
					return -1
				}
				return (p - offset) / scale
			}
			for py := range size {
				for px := range size {
					r, _, _, _ := img.At(px, py).RGBA()
					x, y := module(px), module(py)
					if want := x >= 0 && y >= 0 && m.Dark(x, y); (r < 0x8000) != want {
						t.Fatalf("pixel (%d,%d) dark = %v, module (%d,%d) dark = %v", px, py, r < 0x8000, x, y, want)
					}
				}
			}
		})
	}
}

func TestMatrixShape(t *testing.T) {
	m, err := NewMatrix(withCRC(static), ECMedium)
	if err != nil {
		t.Fatal(err)
	}
	// A QR symbol is 17+4v modules for version v; the finder pattern puts
	// a dark 7x7 ring in the top-left corner.
	if n := m.Size(); n < 21 || (n-17)%4 != 0 {
		t.Fatalf("Size() = %d, not a QR symbol size", n)
	}
	for i := range 7 {
		for _, xy := range [][2]int{{i, 0}, {0, i}, {i, 6}, {6, i}} {
			if !m.Dark(xy[0], xy[1]) {
				t.Errorf("finder ring module %v is light", xy)
			}
		}
	}
	if m.Dark(-1, 0) || m.Dark(0, m.Size()) {
		t.Error("modules outside the symbol are dark")
	}
}

func TestMatrixErrors(t *testing.T) {
	if _, err := NewMatrix("", ECMedium); err == nil || err.Error() != "qr: empty payload" {
		t.Errorf("empty payload: %v", err)
	}
	if _, err := NewMatrix("x", ECLevel(9)); err == nil || err.Error() != "qr: unknown error-correction level 9" {
		t.Errorf("level 9: %v", err)
	}
	if _, err := NewMatrix(strings.Repeat("x", 3000), ECHigh); err == nil {
		t.Error("a payload too long for any QR version was accepted")
	}
	m, err := NewMatrix("x", ECLow)
	if err != nil {
		t.Fatal(err)
	}
	want := "qr: a 21-module symbol needs at least 29 pixels (got 28)"
	if err := m.WritePNG(&bytes.Buffer{}, 28); err == nil || err.Error() != want {
		t.Errorf("WritePNG(28) = %v, want %q", err, want)
	}
}

// TestSVGGolden compares the SVG of the stall-sign payload with
// testdata/stall-sign.svg; run with -update after a deliberate change.
func TestSVGGolden(t *testing.T) {
	payload, err := Encode(stallSign)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMatrix(payload, ECMedium)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := m.WriteSVG(&got); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "stall-sign.svg")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run SVGGolden -update to create it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("SVG differs from %s; run with -update if the change is meant", golden)
	}
}

// TestSVGFollowsMatrix: the runs of the path cover exactly the dark modules.
func TestSVGFollowsMatrix(t *testing.T) {
	m, err := NewMatrix(withCRC(static), ECMedium)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	d := svg[strings.Index(svg, ` d="`)+4:]
	d = d[:strings.IndexByte(d, '"')]
	covered := map[[2]int]bool{}
	for _, cmd := range strings.Split(strings.TrimSuffix(d, "z"), "z") {
		var x, y, n, n2 int
		if _, err := fmt.Sscanf(cmd, "M%d %dh%dv1h-%d", &x, &y, &n, &n2); err != nil || n != n2 {
			t.Fatalf("path command %q: %v", cmd, err)
		}
		for i := range n {
			covered[[2]int{x + i - QuietZone, y - QuietZone}] = true
		}
	}
	for y := range m.Size() {
		for x := range m.Size() {
			if covered[[2]int{x, y}] != m.Dark(x, y) {
				t.Fatalf("module (%d,%d): SVG covers %v, matrix dark %v", x, y, covered[[2]int{x, y}], m.Dark(x, y))
			}
		}
	}
	if !strings.Contains(svg, `viewBox="0 0 `+strconv.Itoa(m.Size()+2*QuietZone)+" "+strconv.Itoa(m.Size()+2*QuietZone)+`"`) {
		t.Errorf("viewBox does not include the %d-module quiet zone: %.120s", QuietZone, svg)
	}
}
