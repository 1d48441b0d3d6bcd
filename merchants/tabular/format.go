package tabular

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format is a file format a Reader or Writer handles.
type Format string

// The formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// ParseFormat returns the Format named by s ("csv" or "xlsx", any case). It
// returns an error naming the allowed values otherwise.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case CSV, XLSX:
		return f, nil
	}
	return "", fmt.Errorf("format %q: want csv or xlsx", s)
}

// FormatOf returns the Format of a file from its name's extension (.csv,
// .txt, .xlsx). It returns an error for any other extension; XLS (the
// pre-2007 binary format) is named so the user knows to save as XLSX.
func FormatOf(name string) (Format, error) {
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".csv", ".txt":
		return CSV, nil
	case ".xlsx":
		return XLSX, nil
	case ".xls":
		return "", fmt.Errorf("file %q: the old .xls format is not supported; save it as .xlsx or CSV UTF-8", name)
	default:
		return "", fmt.Errorf("file %q: unknown extension %q; want .csv or .xlsx", name, ext)
	}
}
