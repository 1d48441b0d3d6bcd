package printables

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden PDFs in testdata")

// goldenCases are the documents kept byte for byte under testdata.
func goldenCases() []struct {
	name  string
	signs []Sign
	opt   Options
} {
	return []struct {
		name  string
		signs []Sign
		opt   Options
	}{
		{"sign-a6", []Sign{vendorSign()}, Options{}},
		{"sign-a5", []Sign{vendorSign()}, Options{Size: SizeA5}},
		{"sign-a4", []Sign{vendorSign()}, Options{Size: SizeA4}},
		{"fee-a6", []Sign{feeSign()}, Options{}},
		{"long-a6", []Sign{longSign()}, Options{VisibleDigits: 6}},
		{"sheet-a4-2up", []Sign{vendorSign()}, Options{Sheet: SheetA4x2}},
		{"market-a4-4up", marketSigns(6), Options{Sheet: SheetA4x4}},
	}
}

// render returns the document for signs: RenderSign for one, a batch for
// several.
func render(t testing.TB, signs []Sign, opt Options) []byte {
	t.Helper()
	r := renderer(t)
	var out bytes.Buffer
	if len(signs) == 1 {
		if err := r.RenderSign(&out, signs[0], opt); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	b, err := r.NewBatch(&out, BatchOptions{Options: opt})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range signs {
		if err := b.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestGoldenPDFs(t *testing.T) {
	for _, tt := range goldenCases() {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, tt.signs, tt.opt)
			path := filepath.Join("testdata", tt.name+".pdf")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./printables -run TestGoldenPDFs -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file (%d bytes, want %d); if the change is intended, run with -update and look at the PDF", tt.name, len(got), len(want))
			}
		})
	}
}

func TestOutputIsDeterministic(t *testing.T) {
	a := render(t, []Sign{vendorSign()}, Options{})
	b := render(t, []Sign{vendorSign()}, Options{})
	if !bytes.Equal(a, b) {
		t.Fatal("two renderings of the same sign differ")
	}
	for _, want := range []string{
		`/CreationDate (D:20261123000000)`,
		`/ModDate (D:20261123000000)`,
	} {
		if !bytes.Contains(a, []byte(want)) {
			t.Errorf("PDF lacks %s", want)
		}
	}
	id := regexp.MustCompile(`<xmpMM:DocumentID>uuid:([0-9a-f-]{36})</xmpMM:DocumentID>`)
	idA := id.FindSubmatch(a)
	if idA == nil {
		t.Fatal("PDF has no document ID")
	}
	other := vendorSign()
	other.Account = "0011007654321"
	idB := id.FindSubmatch(render(t, []Sign{other}, Options{}))
	if idB == nil || bytes.Equal(idA[1], idB[1]) {
		t.Errorf("document IDs %s and %s: want different IDs for different signs", idA[1], idB[1])
	}
}

// TestQRIsVector checks that no raster image is embedded: the code is drawn
// as rectangles in the page content (TestScan proves they read back).
func TestQRIsVector(t *testing.T) {
	for _, tt := range goldenCases() {
		pdf := render(t, tt.signs, tt.opt)
		if bytes.Contains(pdf, []byte("/Subtype /Image")) {
			t.Errorf("%s embeds an image", tt.name)
		}
	}
}
