package tabular

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// xlsxRows returns an iterator over the rows of the first sheet of an XLSX
// file, with cells as stored (numbers without display formatting, so an
// account number is not shown as 1.23E+15) and each row's number in the
// sheet. The archive is checked against the limits (limits.go) before any
// part is read; the shared strings are read into plain strings and the
// sheet is streamed.
func xlsxRows(r io.Reader) (next func() ([]string, int, error), release func() error, err error) {
	// A broken archive must be an error, not a crash.
	defer func() {
		if p := recover(); p != nil {
			next, release, err = nil, nil, fmt.Errorf("not a readable XLSX file: %v", p)
		}
	}()
	ra, size, err := readerAt(r)
	if err != nil {
		return nil, nil, err
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, nil, fmt.Errorf("not a readable XLSX file: %w", err)
	}
	parts, err := checkArchive(zr.File)
	if err != nil {
		return nil, nil, err
	}
	sheet, sst, err := firstSheet(parts)
	if err != nil {
		return nil, nil, err
	}
	if err := checkPart(sheet, MaxSheetBytes); err != nil {
		return nil, nil, err
	}
	var strs []string
	if sst != nil {
		if err := checkPart(sst, MaxSharedStringsBytes); err != nil {
			return nil, nil, err
		}
		if strs, err = readSharedStrings(sst); err != nil {
			return nil, nil, err
		}
	}
	rc, err := openPart(sheet, MaxSheetBytes)
	if err != nil {
		return nil, nil, err
	}
	sr := &sheetReader{d: xml.NewDecoder(rc), name: sheet.Name, sst: strs}
	closed := false
	return sr.next, func() error {
		if closed {
			return nil
		}
		closed = true
		return rc.Close()
	}, nil
}

// readerAt gives random access to an XLSX file, which a ZIP archive needs:
// r itself when it can seek (an uploaded or opened file), else its bytes
// read into memory, up to MaxXLSXFileBytes.
func readerAt(r io.Reader) (io.ReaderAt, int64, error) {
	if ra, ok := r.(interface {
		io.ReaderAt
		io.Seeker
	}); ok {
		if size, err := ra.Seek(0, io.SeekEnd); err == nil {
			if size > MaxXLSXFileBytes {
				return nil, 0, &LimitError{Part: "the file", Limit: "packed size", Got: size, Allowed: MaxXLSXFileBytes}
			}
			return ra, size, nil
		}
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxXLSXFileBytes+1))
	if err != nil {
		return nil, 0, err
	}
	if len(b) > MaxXLSXFileBytes {
		return nil, 0, &LimitError{Part: "the file", Limit: "packed size", Allowed: MaxXLSXFileBytes}
	}
	return bytes.NewReader(b), int64(len(b)), nil
}

// checkArchive checks the ZIP directory against the limits that hold for
// every part: their number, each one's unpacked size and compression
// ratio, and the unpacked size of them all. It returns the parts by name.
func checkArchive(files []*zip.File) (map[string]*zip.File, error) {
	if len(files) > MaxXLSXParts {
		return nil, &LimitError{Part: "the file", Limit: "parts", Got: int64(len(files)), Allowed: MaxXLSXParts}
	}
	parts := make(map[string]*zip.File, len(files))
	var total uint64
	for _, f := range files {
		if _, dup := parts[f.Name]; dup {
			return nil, fmt.Errorf("not a readable XLSX file: part %q is there twice", f.Name)
		}
		parts[f.Name] = f
		n := f.UncompressedSize64
		if n > MaxSheetBytes {
			return nil, &LimitError{Part: f.Name, Limit: "unpacked size", Got: clampInt64(n), Allowed: MaxSheetBytes}
		}
		if n > ratioFloor && n/max(f.CompressedSize64, 1) > MaxCompressionRatio {
			return nil, &LimitError{Part: f.Name, Limit: "compression ratio", Got: clampInt64(n / max(f.CompressedSize64, 1)), Allowed: MaxCompressionRatio}
		}
		if total += n; total > MaxXLSXBytes {
			return nil, &LimitError{Part: "the file", Limit: "unpacked size", Got: clampInt64(total), Allowed: MaxXLSXBytes}
		}
	}
	return parts, nil
}

// firstSheet finds the first sheet of the workbook and its shared strings
// (nil when it has none) through the package's relationships, and checks
// that every other part fits MaxXLSXOtherPartBytes.
func firstSheet(parts map[string]*zip.File) (sheet, sst *zip.File, err error) {
	book := "xl/workbook.xml"
	if rels, err := readRels(parts["_rels/.rels"], ""); err != nil {
		return nil, nil, err
	} else if t := rels.target("/officeDocument", ""); t != "" {
		book = t
	}
	var sheetID string
	err = readXML(parts[book], func(d *xml.Decoder, se xml.StartElement) error {
		if se.Name.Local == "sheet" && sheetID == "" {
			for _, a := range se.Attr {
				if a.Name.Local == "id" && a.Name.Space != "" {
					sheetID = a.Value
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	rels, err := readRels(parts[path.Join(path.Dir(book), "_rels", path.Base(book)+".rels")], path.Dir(book))
	if err != nil {
		return nil, nil, err
	}
	sheet = parts[rels.target("/worksheet", sheetID)]
	if sheetID == "" || sheet == nil {
		return nil, nil, errors.New("the XLSX file has no sheet")
	}
	sst = parts[rels.target("/sharedStrings", "")]
	for _, f := range parts {
		if f != sheet && f != sst {
			if err := checkPart(f, MaxXLSXOtherPartBytes); err != nil {
				return nil, nil, err
			}
		}
	}
	return sheet, sst, nil
}

// checkPart checks the unpacked size the directory gives for f.
func checkPart(f *zip.File, limit int64) error {
	if f.UncompressedSize64 > uint64(limit) {
		return &LimitError{Part: f.Name, Limit: "unpacked size", Got: clampInt64(f.UncompressedSize64), Allowed: limit}
	}
	return nil
}

// openPart opens f for reading, failing with a *LimitError as soon as it
// unpacks to more than limit bytes, whatever the directory says.
func openPart(f *zip.File, limit int64) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("not a readable XLSX file: %s: %w", f.Name, err)
	}
	return &limitedPart{rc: rc, name: f.Name, left: limit, limit: limit}, nil
}

type limitedPart struct {
	rc          io.ReadCloser
	name        string
	left, limit int64
}

func (p *limitedPart) Read(b []byte) (int, error) {
	if p.left <= 0 {
		// One byte more tells a part of exactly limit bytes from a larger one.
		var one [1]byte
		if n, _ := p.rc.Read(one[:]); n > 0 {
			return 0, &LimitError{Part: p.name, Limit: "unpacked size", Allowed: p.limit}
		}
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n, err := p.rc.Read(b)
	p.left -= int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("not a readable XLSX file: %s: %w", p.name, err)
	}
	return n, err
}

func (p *limitedPart) Close() error { return p.rc.Close() }

// readXML streams the elements of a small part (a workbook, its
// relationships) to fn; a missing part reads as empty.
func readXML(f *zip.File, fn func(d *xml.Decoder, se xml.StartElement) error) error {
	if f == nil {
		return nil
	}
	if err := checkPart(f, MaxXLSXOtherPartBytes); err != nil {
		return err
	}
	rc, err := openPart(f, MaxXLSXOtherPartBytes)
	if err != nil {
		return err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return xmlErr(f.Name, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if err := fn(d, se); err != nil {
				return err
			}
		}
	}
}

// xmlErr keeps a *LimitError as it is and says which part is broken otherwise.
func xmlErr(part string, err error) error {
	var le *LimitError
	if errors.As(err, &le) {
		return le
	}
	return fmt.Errorf("not a readable XLSX file: %s: %w", part, err)
}

// rels are the relationships of a part: type, ID and target path.
type rels []struct{ typ, id, target string }

// readRels reads a relationships part; targets are resolved against dir.
func readRels(f *zip.File, dir string) (rels, error) {
	var out rels
	err := readXML(f, func(_ *xml.Decoder, se xml.StartElement) error {
		if se.Name.Local != "Relationship" {
			return nil
		}
		var typ, id, target string
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "Type":
				typ = a.Value
			case "Id":
				id = a.Value
			case "Target":
				target = a.Value
			}
		}
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join(dir, target)
		}
		out = append(out, struct{ typ, id, target string }{typ, id, target})
		return nil
	})
	return out, err
}

// target returns the target of the first relationship whose type ends in
// typeSuffix (and whose ID is id, unless id is empty), or "".
func (rs rels) target(typeSuffix, id string) string {
	for _, r := range rs {
		if strings.HasSuffix(r.typ, typeSuffix) && (id == "" || r.id == id) {
			return r.target
		}
	}
	return ""
}

func clampInt64(n uint64) int64 {
	if n > 1<<62 {
		return 1 << 62
	}
	return int64(n)
}
