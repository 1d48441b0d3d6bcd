package api_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
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

func TestVendorImport(t *testing.T) {
	f := newFixture(t)
	mid := f.market(f.cA, 10)
	csv := "market_id,stall_code,full_name,phone,bin,account_number,holder_name,consent\n" +
		itoa(mid) + ",D-1,Trần Văn Bình,0912399001,970436,0011009990001,TRAN VAN BINH,yes\n"
	send := func(dryRun string, file string) *response {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		fw, _ := w.CreateFormFile("file", file)
		fw.Write([]byte(csv))
		w.Close()
		req := httptest.NewRequest("POST", "/api/v1/imports/vendors?dry_run="+dryRun, &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+f.as(uMemberA))
		return f.send(req)
	}
	r := send("true", "vendors.csv")
	r.want(t, http.StatusOK)
	var rep struct {
		DryRun  bool `json:"dry_run"`
		Applied bool
		Created int
		Failed  int
		Rows    []json.RawMessage
	}
	r.decode(t, &rep)
	if !rep.DryRun || rep.Applied || rep.Failed != 0 || rep.Created != 1 {
		t.Fatalf("dry run report %s", r.Body)
	}
	r = f.do("GET", "/api/v1/vendors?market="+itoa(mid), f.as(uMemberA), nil)
	if strings.Contains(string(r.Body), "D-1") {
		t.Fatal("a dry run created a vendor")
	}
	r = send("false", "vendors.csv")
	r.want(t, http.StatusCreated)
	r.decode(t, &rep)
	if !rep.Applied || rep.Created != 1 {
		t.Fatalf("import report %s", r.Body)
	}
	csv += itoa(mid) + ",D-2,Phạm Thị Cúc,12345,970436,0011009990002,PHAM THI CUC,yes\n"
	r = send("true", "vendors.csv")
	r.want(t, http.StatusOK)
	var dry struct {
		Failed int
		Rows   []struct {
			Line   int
			Action string
			Errors []struct{ Field string }
		}
	}
	r.decode(t, &dry)
	if dry.Failed != 1 || len(dry.Rows) != 2 || dry.Rows[1].Action != "error" || len(dry.Rows[1].Errors) == 0 || dry.Rows[1].Errors[0].Field != "phone" {
		t.Errorf("dry run with a bad phone: %s", r.Body)
	}
	p := send("false", "vendors.csv").wantProblem(t, 422, "validation_failed")
	if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Field, "line 3") {
		t.Errorf("a real run with a bad row: %+v", p.Errors)
	}
	send("false", "vendors.pdf").wantProblem(t, 422, "validation_failed")
	send("maybe", "vendors.csv").wantProblem(t, 422, "validation_failed")
}
