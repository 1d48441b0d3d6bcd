package tabular

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Column is one canonical column of a table.
type Column struct {
	// Key is the canonical name rows are read by, e.g. "phone". It is also
	// accepted as a header name.
	Key string
	// Aliases are the other header names that mean this column, in any
	// language, e.g. "Số điện thoại", "SĐT", "Phone number".
	Aliases []string
	// Required columns must be present in the header.
	Required bool
}

// Schema is the set of columns a Reader maps a header onto.
type Schema []Column

// HeaderError reports a header row that cannot be mapped onto a Schema.
type HeaderError struct {
	// Line is the line (CSV) or row (XLSX) of the header looked at; 0 when
	// the file has no non-blank row at all.
	Line int
	// Missing lists the required keys no header cell names.
	Missing []string
	// Duplicate lists keys named by more than one header cell, each with the
	// columns that name it, e.g. "phone (columns C, F)".
	Duplicate []string

	// example is a header name each missing key accepts, for the message.
	example map[string]string
}

func (e *HeaderError) Error() string {
	var parts []string
	if e.Line == 0 {
		parts = append(parts, "no header row: the file is empty")
	}
	if len(e.Missing) > 0 {
		names := make([]string, len(e.Missing))
		for i, k := range e.Missing {
			names[i] = k
			if ex := e.example[k]; ex != "" {
				names[i] += fmt.Sprintf(" (%q)", ex)
			}
		}
		parts = append(parts, "missing required columns: "+strings.Join(names, ", "))
	}
	if len(e.Duplicate) > 0 {
		parts = append(parts, "columns named more than once: "+strings.Join(e.Duplicate, "; "))
	}
	if e.Line == 0 {
		return "header: " + strings.Join(parts, "; ")
	}
	return fmt.Sprintf("header (line %d): %s", e.Line, strings.Join(parts, "; "))
}

// headerKey reduces a header name to the form names are compared in:
// without diacritics (đ becomes d), lower case, every run of other
// characters a single space. "Số ĐT (*)" and "so_dt" both become "so dt".
func headerKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = unicode.ToLower(r)
		default:
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mapping is a header row mapped onto a schema.
type mapping struct {
	keys    map[string]int // canonical key → index into Row values
	cols    []int          // schema index → cell index in the record, -1 when absent
	ignored []string       // header names that matched no column
}

// mapHeader maps the cells of one header row onto s. It returns a
// *HeaderError when a required column is missing or a column is named twice.
func (s Schema) mapHeader(cells []string, line int) (*mapping, error) {
	byName := make(map[string]int)
	for i, c := range s {
		byName[headerKey(c.Key)] = i
		for _, a := range c.Aliases {
			byName[headerKey(a)] = i
		}
	}
	m := &mapping{keys: make(map[string]int, len(s)), cols: make([]int, len(s))}
	for i := range m.cols {
		m.cols[i] = -1
	}
	seen := make(map[int][]int)
	for j, cell := range cells {
		k := headerKey(cell)
		if k == "" {
			continue
		}
		i, ok := byName[k]
		if !ok {
			m.ignored = append(m.ignored, strings.TrimSpace(cell))
			continue
		}
		seen[i] = append(seen[i], j)
		if m.cols[i] < 0 {
			m.cols[i] = j
		}
	}
	herr := &HeaderError{Line: line}
	for i, c := range s {
		m.keys[c.Key] = i
		if c.Required && m.cols[i] < 0 {
			herr.Missing = append(herr.Missing, c.Key)
			if len(c.Aliases) > 0 {
				if herr.example == nil {
					herr.example = map[string]string{}
				}
				herr.example[c.Key] = c.Aliases[0]
			}
		}
		if js := seen[i]; len(js) > 1 {
			names := make([]string, len(js))
			for n, j := range js {
				names[n] = columnName(j)
			}
			herr.Duplicate = append(herr.Duplicate, fmt.Sprintf("%s (columns %s)", c.Key, strings.Join(names, ", ")))
		}
	}
	if len(herr.Missing) > 0 || len(herr.Duplicate) > 0 {
		return nil, herr
	}
	return m, nil
}

// columnName is the spreadsheet name of the zero-based column j: A, B, …,
// Z, AA, AB, ….
func columnName(j int) string {
	var b []byte
	for j++; j > 0; j = (j - 1) / 26 {
		b = append([]byte{byte('A' + (j-1)%26)}, b...)
	}
	return string(b)
}
