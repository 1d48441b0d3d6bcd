package api_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// sharedStringsBomb is a 0.1 MiB XLSX workbook whose shared-strings part
// unpacks to 240 MiB: one cell refers to it.
func sharedStringsBomb(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
	for _, p := range []struct{ name, body string }{
		{"_rels/.rels", `<Relationships><Relationship Id="rId1" Type="x/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<workbook xmlns:r="r"><sheets><sheet r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", `<worksheet><sheetData><row><c t="s"><v>0</v></c></row></sheetData></worksheet>`},
	} {
		w, _ := zw.Create(p.name)
		io.WriteString(w, p.body)
	}
	w, _ := zw.Create("xl/sharedStrings.xml")
	si := []byte(strings.Repeat("<si><t>a</t></si>", 1<<16))
	for n := 0; n < 240<<20; n += len(si) {
		w.Write(si)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestVendorImportLimits: a dry-run import of a spreadsheet bomb is refused
// with 413 file_limit_exceeded naming the part and what is allowed, before
// the server unpacks it.
func TestVendorImportLimits(t *testing.T) {
	f := newFixture(t)
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile("file", "vendors.xlsx")
	fw.Write(sharedStringsBomb(t))
	w.Close()
	req := httptest.NewRequest("POST", "/api/v1/imports/vendors?dry_run=true", &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+f.as(uMemberA))
	p := f.send(req).wantProblem(t, http.StatusRequestEntityTooLarge, "file_limit_exceeded")
	for _, want := range []string{"xl/sharedStrings.xml", "unpacked size", "allowed", "20000 rows"} {
		if !strings.Contains(p.Detail, want) {
			t.Errorf("detail %q does not say %q", p.Detail, want)
		}
	}
}
