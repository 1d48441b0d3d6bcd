package printables

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sapqr/sapqr/qr"
)

// TestLayoutStaysInsideAndApart lays out real signs, the longest allowed
// texts included, and checks that every line fits its box, every box is
// inside the margins and nothing overlaps another block or the QR.
func TestLayoutStaysInsideAndApart(t *testing.T) {
	r := renderer(t)
	short := vendorSign()
	short.Market, short.Stall, short.Vendor = "Chợ", "1", "Hà"
	for name, s := range map[string]Sign{"vendor": vendorSign(), "fee": feeSign(), "longest texts": longSign(), "shortest texts": short} {
		t.Run(name, func(t *testing.T) {
			p, err := r.prepare(s, Options{})
			if err != nil {
				t.Fatal(err)
			}
			l := p.layout
			inside := rect{baseMargin, baseMargin, baseWidth - 2*baseMargin, baseHeight - 2*baseMargin}
			boxes := []rect{l.qr}
			for _, b := range l.blocks {
				f := r.fonts.regular
				if b.bold {
					f = r.fonts.bold
				}
				if len(b.lines) == 0 {
					t.Errorf("empty block at %+v", b.box)
				}
				for _, line := range b.lines {
					if w := f.width(line, b.pt); w > b.box.w+1e-9 {
						t.Errorf("line %q is %.2f mm wide, box %.2f mm", line, w, b.box.w)
					}
				}
				boxes = append(boxes, b.box)
			}
			for i, a := range boxes {
				if !contains(inside, a) {
					t.Errorf("box %d %+v is outside the margins %+v", i, a, inside)
				}
				for j, b := range boxes[i+1:] {
					if overlap(a, b) {
						t.Errorf("box %d %+v overlaps box %d %+v", i, a, i+1+j, b)
					}
				}
			}
			if module := l.qr.w / float64(p.matrix.Size()+2*quietModules); module < minModuleMM {
				t.Errorf("module %.3f mm at A6, below %.1f mm", module, minModuleMM)
			}
		})
	}
}

func contains(outer, in rect) bool {
	const eps = 1e-9
	return in.x >= outer.x-eps && in.y >= outer.y-eps && in.x+in.w <= outer.x+outer.w+eps && in.bottom() <= outer.bottom()+eps
}

func overlap(a, b rect) bool {
	return a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.bottom() && b.y < a.bottom()
}

func TestLongTextsShrinkAndWrap(t *testing.T) {
	r := renderer(t)
	short, err := r.prepare(vendorSign(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	long, err := r.prepare(longSign(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Blocks in order: market, stall, vendor. The longest stall code fits
	// at full size, so only the names are compared.
	for _, i := range []int{0, 2} {
		name := []string{"market", "stall", "vendor"}[i]
		s, l := short.layout.blocks[i], long.layout.blocks[i]
		if len(s.lines) != 1 {
			t.Errorf("short %s wraps to %d lines", name, len(s.lines))
		}
		if l.pt > s.pt || (l.pt == s.pt && len(l.lines) <= len(s.lines)) {
			t.Errorf("long %s neither shrank nor wrapped: %.2f pt × %d lines, short %.2f pt × %d", name, l.pt, len(l.lines), s.pt, len(s.lines))
		}
		if got, want := strings.Join(l.lines, ""), strings.ReplaceAll(longText(longSign(), i), " ", ""); strings.ReplaceAll(got, " ", "") != want {
			t.Errorf("long %s lost text: %q", name, l.lines)
		}
	}
}

func longText(s Sign, block int) string {
	return []string{s.Market, "Sạp " + s.Stall, s.Vendor}[block]
}

func TestWrap(t *testing.T) {
	f := renderer(t).fonts.regular
	width := f.width("Nguyễn Thị", 10) + 0.01 // two words fit, three do not
	tests := []struct {
		name     string
		text     string
		maxLines int
		want     []string
		ok       bool
	}{
		{"fits on one line", "Hà", 2, []string{"Hà"}, true},
		{"breaks between words", "Nguyễn Thị Hà", 2, []string{"Nguyễn Thị", "Hà"}, true},
		{"collapses runs of spaces", "Nguyễn   Thị  Hà", 2, []string{"Nguyễn Thị", "Hà"}, true},
		{"too many lines", "Nguyễn Thị Hà Nguyễn Thị Hà", 2, nil, false},
		{"breaks inside a word too wide alone", strings.Repeat("Ư", 40), 9, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := wrap(f, tt.text, 10, width, tt.maxLines)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (lines %q)", ok, tt.ok, got)
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("lines (-want +got):\n%s", diff)
				}
			}
			for _, line := range got {
				if f.width(line, 10) > width {
					t.Errorf("line %q wider than %.2f mm", line, width)
				}
			}
			if ok && strings.Join(strings.Fields(strings.Join(got, "")), "") != strings.Join(strings.Fields(tt.text), "") {
				t.Errorf("lines %q lost text of %q", got, tt.text)
			}
		})
	}
}

func TestFitRefusesWhatCannotFit(t *testing.T) {
	fs := renderer(t).fonts
	_, err := fs.fit(blockSpec{"Vendor", strings.Repeat("W", 200), textStyle{maxPt: 14, minPt: 8, maxLines: 2}}, baseWidth-2*baseMargin)
	if err == nil || !strings.Contains(err.Error(), "Vendor") || !strings.Contains(err.Error(), "does not fit in 2 line(s) even at 8.0 pt") {
		t.Errorf("fit = %v, want a Vendor error saying it does not fit", err)
	}
}

// TestMergeRunsCoversExactlyTheDarkModules paints the rectangles back onto
// a grid and compares it with the matrix, for real sign payloads.
func TestMergeRunsCoversExactlyTheDarkModules(t *testing.T) {
	for name, s := range map[string]Sign{"vendor": vendorSign(), "fee": feeSign(), "long": longSign()} {
		t.Run(name, func(t *testing.T) {
			text, err := qr.Encode(payloadFor(s))
			if err != nil {
				t.Fatal(err)
			}
			m, err := qr.NewMatrix(text, qr.ECMedium)
			if err != nil {
				t.Fatal(err)
			}
			n := m.Size()
			painted := make([]int, n*n)
			rects, dark := 0, 0
			mergeRuns(m, func(r run) {
				rects++
				if r.x0 >= r.x1 || r.y0 >= r.y1 || r.x0 < 0 || r.y0 < 0 || r.x1 > n || r.y1 > n {
					t.Fatalf("bad rectangle %+v in a %d-module symbol", r, n)
				}
				for y := r.y0; y < r.y1; y++ {
					for x := r.x0; x < r.x1; x++ {
						painted[y*n+x]++
					}
				}
			})
			for y := range n {
				for x := range n {
					want := 0
					if m.Dark(x, y) {
						want = 1
						dark++
					}
					if painted[y*n+x] != want {
						t.Fatalf("module (%d,%d) painted %d times, want %d", x, y, painted[y*n+x], want)
					}
				}
			}
			if rects*2 > dark {
				t.Errorf("%d rectangles for %d dark modules: runs are not being merged", rects, dark)
			}
		})
	}
}
