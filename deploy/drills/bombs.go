package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"strings"
)

// Spreadsheet bombs: XLSX files of a few hundred kilobytes whose parts
// unpack to hundreds of MiB, as a security review sent them. They are
// built here, not kept as binaries.

// sharedStringsBomb is a workbook whose one cell refers to a shared-strings
// part of 240 MiB.
func sharedStringsBomb() []byte {
	return xlsxBomb(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`, "xl/sharedStrings.xml", "<si><t>a</t></si>", 240<<20)
}

// sheetBomb is a workbook whose sheet is 200 MiB of rows.
func sheetBomb() []byte {
	return xlsxBomb("", "xl/worksheets/sheet1.xml", `<row><c t="inlineStr"><is><t>Nguyen Thi Ha</t></is></c></row>`, 200<<20)
}

// xlsxBomb builds a one-sheet workbook with sheetRows in its sheet, then
// the part bomb filled with unit repeated to size bytes (replacing the
// sheet when bomb names it).
func xlsxBomb(sheetRows, bomb, unit string, size int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		{"_rels/.rels", `<Relationships><Relationship Id="rId1" Type="` + rel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<workbook xmlns:r="` + rel + `"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Type="` + rel + `/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="` + rel + `/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
	}
	if bomb != "xl/worksheets/sheet1.xml" {
		parts = append(parts, struct{ name, body string }{"xl/worksheets/sheet1.xml", "<worksheet><sheetData>" + sheetRows + "</sheetData></worksheet>"})
	}
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			panic(fmt.Sprintf("building a bomb: %v", err)) // writing to memory cannot fail
		}
		io.WriteString(w, p.body)
	}
	w, err := zw.Create(bomb)
	if err != nil {
		panic(fmt.Sprintf("building a bomb: %v", err))
	}
	block := []byte(strings.Repeat(unit, (64<<10)/len(unit)))
	for n := 0; n < size; n += len(block) {
		w.Write(block)
	}
	if err := zw.Close(); err != nil {
		panic(fmt.Sprintf("building a bomb: %v", err))
	}
	return buf.Bytes()
}
