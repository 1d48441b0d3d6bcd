package tabular

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// MaxXLSXRows is the most rows a sheet holds, the header included.
const MaxXLSXRows = excelize.TotalRows

// ErrTooManyRows is returned by Writer.Write when an XLSX sheet is full;
// export such a table as CSV or in parts.
var ErrTooManyRows = fmt.Errorf("more than %d rows do not fit in an XLSX sheet; use CSV or a narrower filter", MaxXLSXRows)

// Writer writes a table, header first, as CSV or XLSX. It streams: rows go
// out as they are written (CSV) or to excelize's row stream (XLSX, written
// out by Close), never held as a whole table.
//
// CSV is written the way Excel opens it without asking: UTF-8 with a BOM,
// CRLF line ends. A text value starting with =, +, - or @ gets a leading
// apostrophe so a spreadsheet does not run it as a formula; Reader removes
// it again. XLSX cells hold text as text (an account number keeps its
// leading zeros) and numbers as numbers.
type Writer struct {
	format Format
	width  int
	rows   int
	err    error

	w   io.Writer
	csv *csv.Writer

	xlsx   *excelize.File
	stream *excelize.StreamWriter
	cells  []any
	strs   []string
}

// NewWriter starts a table in format f on w and writes its header row. The
// XLSX sheet is named "Sheet1", with the header in bold. It returns an error
// for an unknown format or when writing the header fails.
func NewWriter(w io.Writer, f Format, header []string) (*Writer, error) {
	tw := &Writer{format: f, width: len(header), w: w}
	switch f {
	case CSV:
		if _, err := w.Write(utf8BOM); err != nil {
			return nil, err
		}
		tw.csv = csv.NewWriter(w)
		tw.csv.UseCRLF = true
		tw.strs = make([]string, len(header))
	case XLSX:
		tw.xlsx = excelize.NewFile()
		sw, err := tw.xlsx.NewStreamWriter("Sheet1")
		if err != nil {
			return nil, err
		}
		tw.stream = sw
		tw.cells = make([]any, len(header))
		bold, err := tw.xlsx.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
		if err != nil {
			return nil, err
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return nil, err
		}
		hdr := make([]any, len(header))
		for i, h := range header {
			hdr[i] = excelize.Cell{StyleID: bold, Value: h}
		}
		if err := sw.SetRow("A1", hdr); err != nil {
			return nil, err
		}
		tw.rows = 1
		return tw, nil
	default:
		return nil, fmt.Errorf("format %q: want csv or xlsx", f)
	}
	if err := tw.csv.Write(header); err != nil {
		return nil, err
	}
	tw.rows = 1
	return tw, nil
}

// Write writes one row. Each value is a string, an int, an int64, a float64
// or nil (an empty cell); row must be as long as the header. It returns an
// error for another type or length, ErrTooManyRows when an XLSX sheet is
// full, and the underlying writer's error; after an error the Writer is
// unusable.
func (w *Writer) Write(row []any) error {
	if w.err != nil {
		return w.err
	}
	w.err = w.write(row)
	return w.err
}

func (w *Writer) write(row []any) error {
	if len(row) != w.width {
		return fmt.Errorf("row %d has %d values; the header has %d", w.rows+1, len(row), w.width)
	}
	if w.format == XLSX && w.rows >= MaxXLSXRows {
		return ErrTooManyRows
	}
	for i, v := range row {
		switch v := v.(type) {
		case nil:
			w.set(i, "", nil)
		case string:
			w.set(i, v, v)
		case int:
			w.set(i, strconv.Itoa(v), v)
		case int64:
			w.set(i, strconv.FormatInt(v, 10), v)
		case float64:
			w.set(i, strconv.FormatFloat(v, 'f', -1, 64), v)
		default:
			return fmt.Errorf("row %d column %s: unsupported value type %T", w.rows+1, columnName(i), v)
		}
	}
	w.rows++
	if w.format == CSV {
		return w.csv.Write(w.strs)
	}
	cell, err := excelize.CoordinatesToCellName(1, w.rows)
	if err != nil {
		return err
	}
	return w.stream.SetRow(cell, w.cells)
}

// set puts one value in column i: s in a CSV row, v in an XLSX row.
func (w *Writer) set(i int, s string, v any) {
	if w.format == CSV {
		if _, text := v.(string); text && len(s) > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
			s = "'" + s
		}
		w.strs[i] = s
		return
	}
	w.cells[i] = v
}

// Close finishes the table: it flushes a CSV, or writes the whole XLSX
// file to the underlying writer. It returns the first error met writing.
// It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.err != nil {
		if w.xlsx != nil {
			w.xlsx.Close()
		}
		return w.err
	}
	w.err = errors.New("tabular: writer closed")
	if w.format == CSV {
		w.csv.Flush()
		return w.csv.Error()
	}
	defer w.xlsx.Close()
	if err := w.stream.Flush(); err != nil {
		return err
	}
	_, err := w.xlsx.WriteTo(w.w)
	return err
}
