package tabular

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// readSharedStrings reads the shared-strings part into plain strings. The
// count the part announces is checked before any string is read, and the
// strings and their text are counted as they are read: past
// MaxSharedStrings or MaxSharedStringsText it stops with a *LimitError.
func readSharedStrings(f *zip.File) ([]string, error) {
	rc, err := openPart(f, MaxSharedStringsBytes)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	var (
		out  []string
		text int64
		b    strings.Builder
		inT  bool
		rph  int // depth in phonetic runs, whose text is not the cell's
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, xmlErr(f.Name, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "sst":
				for _, a := range t.Attr {
					if n, err := strconv.ParseInt(a.Value, 10, 64); err == nil && a.Name.Local == "uniqueCount" && n > MaxSharedStrings {
						return nil, &LimitError{Part: f.Name, Limit: "shared strings", Got: n, Allowed: MaxSharedStrings}
					}
				}
			case "si":
				if len(out) == MaxSharedStrings {
					return nil, &LimitError{Part: f.Name, Limit: "shared strings", Allowed: MaxSharedStrings}
				}
				b.Reset()
			case "t":
				inT = rph == 0
			case "rPh":
				rph++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				out = append(out, unescapeOOXML(b.String()))
			case "t":
				inT = false
			case "rPh":
				rph--
			}
		case xml.CharData:
			if inT {
				if text += int64(len(t)); text > MaxSharedStringsText {
					return nil, &LimitError{Part: f.Name, Limit: "shared strings' text", Allowed: MaxSharedStringsText}
				}
				b.Write(t)
			}
		}
	}
}

// sheetReader streams the rows of a sheet part.
type sheetReader struct {
	d     *xml.Decoder
	name  string
	sst   []string
	line  int
	cells int
}

// next returns the cells of the next row in the sheet and its number, or
// io.EOF after the last.
func (s *sheetReader) next() ([]string, int, error) {
	for {
		tok, err := s.d.Token()
		if errors.Is(err, io.EOF) {
			return nil, 0, io.EOF
		}
		if err != nil {
			return nil, 0, xmlErr(s.name, err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "row" {
			return s.row(se)
		}
	}
}

// row reads one <row> element.
func (s *sheetReader) row(se xml.StartElement) ([]string, int, error) {
	line := s.line + 1
	if v := attr(se, "r"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= s.line {
			return nil, 0, &RowError{Line: s.line + 1, Err: fmt.Errorf("row number %q out of order", v)}
		}
		line = n
	}
	s.line = line
	var cells []string
	for {
		tok, err := s.d.Token()
		if err != nil {
			return nil, 0, xmlErr(s.name, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				continue
			}
			if s.cells++; s.cells > MaxXLSXCells {
				return nil, 0, &LimitError{Part: s.name, Limit: "cells", Allowed: MaxXLSXCells}
			}
			col := len(cells)
			if ref := attr(t, "r"); ref != "" {
				c, ok := columnOf(ref)
				if !ok || c < len(cells) {
					return nil, 0, &RowError{Line: line, Err: fmt.Errorf("cell reference %q out of order", ref)}
				}
				col = c
			}
			v, err := s.cell(t, line)
			if err != nil {
				return nil, 0, err
			}
			if v == "" {
				continue // an empty cell with a style
			}
			if col >= MaxColumns {
				return nil, 0, &RowError{Line: line, Err: fmt.Errorf("more than %d cells; at most %d are allowed", MaxColumns, MaxColumns)}
			}
			for len(cells) < col {
				cells = append(cells, "")
			}
			cells = append(cells, v)
		case xml.EndElement:
			if t.Name.Local == "row" {
				if err := clean(cells, line); err != nil {
					return nil, 0, err
				}
				return cells, line, nil
			}
		}
	}
}

// cell reads one <c> element's value as stored: a shared string looked up,
// an inline string's text, or the <v> text of any other type.
func (s *sheetReader) cell(c xml.StartElement, line int) (string, error) {
	var (
		v, is  strings.Builder
		in     string // "v", "is" or ""
		inT    bool
		rph    int
		tooBig = func() error {
			return &RowError{Line: line, Err: fmt.Errorf("column %s: value of more than %d bytes; at most %d are allowed", attr(c, "r"), MaxCellBytes, MaxCellBytes)}
		}
	)
	for {
		tok, err := s.d.Token()
		if err != nil {
			return "", xmlErr(s.name, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				in = "v"
			case "is":
				in = "is"
			case "t":
				inT = in == "is" && rph == 0
			case "rPh":
				rph++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v", "is":
				in = ""
			case "t":
				inT = false
			case "rPh":
				rph--
			case "c":
				return s.value(attr(c, "t"), v.String(), is.String(), line)
			}
		case xml.CharData:
			switch {
			case in == "v":
				v.Write(t)
			case inT:
				is.Write(t)
			}
			if v.Len() > MaxCellBytes || is.Len() > MaxCellBytes {
				return "", tooBig()
			}
		}
	}
}

// value is a cell's value by its type.
func (s *sheetReader) value(typ, v, is string, line int) (string, error) {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(s.sst) {
			return "", &RowError{Line: line, Err: fmt.Errorf("shared string %q does not exist", v)}
		}
		return s.sst[i], nil
	case "inlineStr":
		return unescapeOOXML(is), nil
	}
	return v, nil
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// columnOf returns the 0-based column of a cell reference ("AB12" → 27).
func columnOf(ref string) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref) && i < 4; i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
	}
	if i == 0 {
		return 0, false
	}
	return col - 1, true
}

// unescapeOOXML decodes the _xHHHH_ escapes spreadsheets write for
// characters XML cannot hold (a carriage return is _x000D_).
func unescapeOOXML(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if n, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(n))
				i += 7
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}
