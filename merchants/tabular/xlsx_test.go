package tabular

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// xlsxPart is one file of a hand-built XLSX archive: body writes its
// content; stored parts are not compressed.
type xlsxPart struct {
	name   string
	stored bool
	body   func(w io.Writer)
}

// repeat writes s n times.
func repeat(s string, n int) func(w io.Writer) {
	return func(w io.Writer) {
		b := []byte(strings.Repeat(s, 4096))
		for ; n >= 4096; n -= 4096 {
			w.Write(b)
		}
		io.WriteString(w, strings.Repeat(s, n))
	}
}

func text(s string) func(w io.Writer) { return func(w io.Writer) { io.WriteString(w, s) } }

// workbook is the smallest workbook around a sheet and shared-strings
// part; the archive is written with extra parts replacing those of the
// same name.
func workbook(t *testing.T, extra ...xlsxPart) []byte {
	t.Helper()
	parts := []xlsxPart{
		{name: "[Content_Types].xml", body: text(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)},
		{name: "_rels/.rels", body: text(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)},
		{name: "xl/workbook.xml", body: text(`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)},
		{name: "xl/_rels/workbook.xml.rels", body: text(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)},
		{name: "xl/worksheets/sheet1.xml", body: text(`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>An</t></is></c><c r="B2"><v>912345678</v></c></row></sheetData></worksheet>`)},
		{name: "xl/sharedStrings.xml", body: text(`<sst count="2" uniqueCount="2"><si><t>name</t></si><si><r><t>pho</t></r><r><t>ne</t></r><rPh><t>x</t></rPh></si></sst>`)},
	}
	for _, e := range extra {
		replaced := false
		for i := range parts {
			if parts[i].name == e.name {
				parts[i], replaced = e, true
			}
		}
		if !replaced {
			parts = append(parts, e)
		}
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
	for _, p := range parts {
		h := &zip.FileHeader{Name: p.name, Method: zip.Deflate}
		if p.stored {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		p.body(w)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSXHandBuilt(t *testing.T) {
	got, _, err := readAll(t, workbook(t), XLSX)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"02", "An", "912345678", ""}}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows %q, want %q", got, want)
	}
}

// TestXLSXBombs feeds the reader archives crafted to unpack far beyond
// what 20,000 rows need: each must be refused with a *LimitError naming
// the limit, the heap never more than 64 MiB above where it was.
func TestXLSXBombs(t *testing.T) {
	sheetWithString := text(`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`)
	for _, tc := range []struct {
		name      string
		parts     []xlsxPart
		wantLimit string
	}{
		{"shared strings inflating to 240 MiB", []xlsxPart{
			{name: "xl/worksheets/sheet1.xml", body: sheetWithString},
			{name: "xl/sharedStrings.xml", body: repeat("<si><t>a</t></si>", 240<<20/17)},
		}, "unpacked size"},
		{"sheet inflating to 200 MiB", []xlsxPart{
			{name: "xl/worksheets/sheet1.xml", body: repeat(`<row><c t="inlineStr"><is><t>aaaaaaaaaaaaaaaaaaaaaaaa</t></is></c></row>`, 200<<20/64)},
		}, "unpacked size"},
		{"a sheet packed 1,000 times, within the size", []xlsxPart{
			{name: "xl/worksheets/sheet1.xml", body: repeat(`<row><c t="inlineStr"><is><t>aaaaaaaaaaaaaaaaaaaaaaaa</t></is></c></row>`, 60<<20/64)},
		}, "compression ratio"},
		{"more shared strings than the cells allow, stored", []xlsxPart{
			{name: "xl/worksheets/sheet1.xml", body: sheetWithString},
			{name: "xl/sharedStrings.xml", stored: true, body: repeat("<si/>", MaxSharedStrings+1)},
		}, "shared strings"},
		{"a shared-strings count announced beyond the cells", []xlsxPart{
			{name: "xl/worksheets/sheet1.xml", body: sheetWithString},
			{name: "xl/sharedStrings.xml", body: text(fmt.Sprintf(`<sst uniqueCount="%d"><si><t>a</t></si></sst>`, MaxSharedStrings+1))},
		}, "shared strings"},
		{"more cells than the rows allow, stored", []xlsxPart{
			{name: "xl/worksheets/sheet1.xml", stored: true, body: func(w io.Writer) {
				io.WriteString(w, `<worksheet><sheetData><row><c t="inlineStr"><is><t>name</t></is></c><c t="inlineStr"><is><t>phone</t></is></c></row>`)
				repeat("<row>"+strings.Repeat(`<c><v>1</v></c>`, xlsxColumns)+"</row>", MaxXLSXCells/xlsxColumns+1)(w)
				io.WriteString(w, `</sheetData></worksheet>`)
			}},
		}, "cells"},
		{"too many parts", func() []xlsxPart {
			var ps []xlsxPart
			for i := range MaxXLSXParts {
				ps = append(ps, xlsxPart{name: fmt.Sprintf("xl/media/image%d.png", i), body: text("x")})
			}
			return ps
		}(), "parts"},
		{"a style part larger than any style", []xlsxPart{
			{name: "xl/styles.xml", stored: true, body: repeat("<numFmt/>", MaxXLSXOtherPartBytes/9+1)},
		}, "unpacked size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := workbook(t, tc.parts...)
			var err error
			peak := peakHeap(func() { _, _, err = readAll(t, data, XLSX) })
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want a *LimitError", err)
			}
			if le.Limit != tc.wantLimit {
				t.Errorf("limit %q (%v), want %q", le.Limit, le, tc.wantLimit)
			}
			if !strings.Contains(le.Error(), "allowed") {
				t.Errorf("message %q does not say what is allowed", le.Error())
			}
			if peak > 64<<20 {
				t.Errorf("reading it took the heap %d MiB above where it was", peak>>20)
			}
		})
	}
}

// TestXLSXLyingDirectory: a part whose directory entry says 1 KiB but which
// inflates to 64 MiB is refused once 1 KiB has been read.
func TestXLSXLyingDirectory(t *testing.T) {
	var packed bytes.Buffer
	fw, _ := flate.NewWriter(&packed, flate.BestCompression)
	repeat("<si><t>a</t></si>", 64<<20/17)(fw)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range []struct{ name, body string }{
		{"_rels/.rels", `<Relationships><Relationship Id="rId1" Type="x/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<workbook xmlns:r="r"><sheets><sheet r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", `<worksheet><sheetData><row><c t="s"><v>0</v></c></row></sheetData></worksheet>`},
	} {
		w, _ := zw.Create(p.name)
		io.WriteString(w, p.body)
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/sharedStrings.xml", Method: zip.Deflate,
		CompressedSize64: uint64(packed.Len()), UncompressedSize64: 1024})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(packed.Bytes())
	zw.Close()
	if _, _, err := readAll(t, buf.Bytes(), XLSX); err == nil {
		t.Fatal("a part larger than its directory entry was read")
	}
}

// TestXLSXLargestAccepted writes MaxRows rows of the widest import with
// long Vietnamese values through Writer, as an export does, and reads them
// all back: the limits leave room for the largest legitimate file.
func TestXLSXLargestAccepted(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 20,000-row workbook")
	}
	header := make([]string, 19)
	schema := make(Schema, 19)
	for i := range header {
		header[i] = fmt.Sprintf("Cột %d", i+1)
		schema[i] = Column{Key: fmt.Sprintf("c%d", i), Aliases: []string{header[i]}}
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, XLSX, header)
	if err != nil {
		t.Fatal(err)
	}
	row := make([]any, len(header))
	for n := range MaxRows {
		for i := range row {
			// 19 values of about 30 bytes: 570 bytes of text a row.
			row[i] = fmt.Sprintf("Nguyễn Thị Hằng %07d-%02d", n, i)
		}
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(bytes.NewReader(buf.Bytes()), XLSX, schema)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows++
	}
	if rows != MaxRows {
		t.Errorf("read %d rows, want %d", rows, MaxRows)
	}
	t.Logf("%d rows: %d KiB packed", rows, buf.Len()>>10)
}

// peakHeap runs fn and returns how far the heap in use rose above where it
// was before, sampled every 5 ms.
func peakHeap(fn func()) int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	base, peak := int64(m.HeapInuse), int64(0)
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, int64(m.HeapInuse)-base)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(done)
	<-sampled
	return peak
}
