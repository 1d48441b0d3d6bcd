package printables_test

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/sapqr/sapqr/printables"
)

func ExampleRenderer_RenderSign() {
	r, err := printables.NewRenderer() // once, at start-up
	if err != nil {
		panic(err)
	}
	s := printables.Sign{
		Market:  "Chợ Bộc Bố",
		Stall:   "A-12",
		Vendor:  "Nguyễn Thị Hà",
		BIN:     "970436",
		Account: "0011001234567",
		Holder:  "NGUYEN THI HA",
		Version: 1,
		Printed: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
	}
	var pdf bytes.Buffer
	if err := r.RenderSign(&pdf, s, printables.Options{Size: printables.SizeA6}); err != nil {
		panic(err)
	}
	fmt.Println(string(pdf.Bytes()[:8]))

	// Bad input is refused before anything is drawn.
	s.Holder = "Nguyễn Thị Hà"
	fmt.Println(r.RenderSign(io.Discard, s, printables.Options{}))
	// Output:
	// %PDF-1.3
	// printables: Holder: "Nguyễn Thị Hà": want upper-case ASCII as the bank shows it, e.g. "NGUYEN THI HA"
}

func ExampleRenderer_NewBatch() {
	r, err := printables.NewRenderer()
	if err != nil {
		panic(err)
	}
	// An HTTP handler would pass its ResponseWriter and set Content-Type in Begin.
	var out bytes.Buffer
	b, err := r.NewBatch(&out, printables.BatchOptions{
		Options: printables.Options{Sheet: printables.SheetA4x4},
		Begin:   func(f printables.Format) { fmt.Println("Content-Type:", f.ContentType()) },
	})
	if err != nil {
		panic(err)
	}
	for i, name := range []string{"Nguyễn Thị Hà", "Trần Văn Đức", "Lê Thị Ánh"} {
		err := b.Add(printables.Sign{
			Market: "Chợ Bộc Bố", Stall: fmt.Sprintf("A-%d", 12+i), Vendor: name,
			BIN: "970436", Account: fmt.Sprintf("00110012345%02d", i), Holder: "NGUYEN VAN A",
			Version: 1, Printed: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		})
		if err != nil {
			break // Close returns the batch's error
		}
	}
	if err := b.Close(); err != nil {
		panic(err)
	}
	// Output: Content-Type: application/pdf
}
