package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits that keep a hostile or broken file from taking the process down.
const (
	// MaxColumns is the most cells a row may have.
	MaxColumns = 256
	// MaxCellBytes is the longest a single value may be.
	MaxCellBytes = 4096
	// headerSearchRows is how many non-blank rows are looked at for the
	// header: spreadsheets often carry a title or a date above it.
	headerSearchRows = 10
)

// RowError is an error in one row of the file.
type RowError struct {
	// Line is the line (CSV) or row (XLSX) number, counting from 1.
	Line int
	Err  error
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *RowError) Unwrap() error { return e.Err }

// Row is one data row, read by canonical column key.
type Row struct {
	// Line is the row's line (CSV) or row (XLSX) number, counting from 1,
	// so that a report can point at it.
	Line int
	keys map[string]int
	vals []string
}

// Get returns the value of the column key: trimmed, NFC-normalised, and ""
// when the column is absent from the file or the cell is empty. Get panics
// if key is not in the Reader's Schema, which is a programming error.
func (r Row) Get(key string) string {
	i, ok := r.keys[key]
	if !ok {
		panic("tabular: column " + key + " is not in the schema")
	}
	return r.vals[i]
}

// Reader reads the data rows of a table whose header maps onto a Schema.
type Reader struct {
	next    func() ([]string, int, error)
	release func() error
	m       *mapping
	line    int
}

// NewReader reads r in format f up to and including its header row, which is
// the first of the first few non-blank rows that names every required column
// of s (rows above it, such as a title, are skipped). It returns a
// *HeaderError when no such row is found or a column is named twice, and an
// error for a file that is not valid CSV/XLSX or not UTF-8.
func NewReader(r io.Reader, f Format, s Schema) (*Reader, error) {
	var (
		next    func() ([]string, int, error)
		release = func() error { return nil }
		err     error
	)
	switch f {
	case CSV:
		next, err = csvRows(r)
	case XLSX:
		next, release, err = xlsxRows(r)
	default:
		return nil, fmt.Errorf("format %q: want csv or xlsx", f)
	}
	if err != nil {
		return nil, err
	}
	var first error
	for seen := 0; seen < headerSearchRows; {
		cells, line, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			release()
			return nil, err
		}
		if blank(cells) {
			continue
		}
		seen++
		m, err := s.mapHeader(cells, line)
		if err == nil {
			return &Reader{next: next, release: release, m: m, line: line}, nil
		}
		// The first non-blank row is most likely the header, unless a later
		// one names a column twice, which only a header does.
		herr := err.(*HeaderError)
		if first == nil || len(herr.Duplicate) > 0 {
			first = err
		}
		if len(herr.Duplicate) > 0 {
			break
		}
	}
	release()
	if first == nil {
		first = &HeaderError{}
	}
	return nil, first
}

// HeaderLine returns the line (CSV) or row (XLSX) of the header.
func (r *Reader) HeaderLine() int { return r.line }

// Close releases what reading an XLSX file holds (its open sheet). It is
// safe to call more than once.
func (r *Reader) Close() error { return r.release() }

// Ignored returns the header names that matched no column of the Schema, in
// file order; their cells are not read.
func (r *Reader) Ignored() []string { return r.m.ignored }

// Next returns the next non-blank data row. It returns io.EOF after the
// last one, and a *RowError for a row that cannot be read (not UTF-8, a
// value too long, broken quoting); reading may not go on after an error.
func (r *Reader) Next() (Row, error) {
	for {
		cells, line, err := r.next()
		if err != nil {
			return Row{}, err
		}
		if blank(cells) {
			continue
		}
		row := Row{Line: line, keys: r.m.keys, vals: make([]string, len(r.m.cols))}
		for i, j := range r.m.cols {
			if j >= 0 && j < len(cells) {
				row.vals[i] = cells[j]
			}
		}
		return row, nil
	}
}

func blank(cells []string) bool {
	for _, c := range cells {
		if c != "" {
			return false
		}
	}
	return true
}

// clean checks and normalises the raw cells of one row in place.
func clean(cells []string, line int) error {
	if len(cells) > MaxColumns {
		return &RowError{Line: line, Err: fmt.Errorf("%d cells; at most %d are allowed", len(cells), MaxColumns)}
	}
	for j, c := range cells {
		if len(c) > MaxCellBytes {
			return &RowError{Line: line, Err: fmt.Errorf("column %s: value of %d bytes; at most %d are allowed", columnName(j), len(c), MaxCellBytes)}
		}
		if !utf8.ValidString(c) {
			return &RowError{Line: line, Err: fmt.Errorf("column %s: not UTF-8 text; save the file as \"CSV UTF-8\" or XLSX", columnName(j))}
		}
		cells[j] = norm.NFC.String(strings.TrimSpace(c))
	}
	return nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// csvRows returns an iterator over the records of a CSV file: the BOM
// skipped, the separator (comma, semicolon or tab) taken from the first
// line, and a leading apostrophe that Writer adds before =, +, - and @
// removed.
func csvRows(r io.Reader) (func() ([]string, int, error), error) {
	br := bufio.NewReaderSize(r, 64<<10)
	start, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(start, utf8BOM):
		br.Discard(len(utf8BOM))
	case bytes.HasPrefix(start, []byte{0xFF, 0xFE}), bytes.HasPrefix(start, []byte{0xFE, 0xFF}):
		return nil, errors.New("the file is UTF-16 text; save it as \"CSV UTF-8\" or XLSX")
	}
	cr := csv.NewReader(br)
	cr.Comma = sniffSeparator(br)
	cr.FieldsPerRecord = -1
	return func() ([]string, int, error) {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		if err != nil {
			var perr *csv.ParseError
			if errors.As(err, &perr) {
				return nil, 0, &RowError{Line: perr.StartLine, Err: perr.Err}
			}
			return nil, 0, err
		}
		line, _ := cr.FieldPos(0)
		if err := clean(rec, line); err != nil {
			return nil, 0, err
		}
		for j, c := range rec {
			if len(c) > 1 && c[0] == '\'' && strings.ContainsRune("=+-@", rune(c[1])) {
				rec[j] = c[1:]
			}
		}
		return rec, line, nil
	}, nil
}

// sniffSeparator picks the separator of a CSV file by counting candidates
// on its first line, outside quotes. Excel writes semicolons or tabs in
// some locales; comma is the default.
func sniffSeparator(br *bufio.Reader) rune {
	head, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	counts := map[rune]int{}
	quoted := false
	for _, c := range string(head) {
		switch c {
		case '"':
			quoted = !quoted
		case ',', ';', '\t':
			if !quoted {
				counts[c]++
			}
		}
	}
	best := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}
