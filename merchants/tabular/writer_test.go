package tabular

import (
	"bytes"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWriterRoundTrip(t *testing.T) {
	header := []string{"name", "phone", "account", "stalls", "rate"}
	rows := [][]any{
		{"Nguyễn Văn An", "0912345678", "0011001234567", 3, 0.75},
		{"=HYPERLINK(\"x\")", "+84912345678", nil, int64(0), 1.0},
	}
	want := [][]string{
		{"Nguyễn Văn An", "0912345678", "0011001234567", "3", "0.75"},
		{"=HYPERLINK(\"x\")", "+84912345678", "", "0", "1"},
	}
	schema := Schema{{Key: "name"}, {Key: "phone"}, {Key: "account"}, {Key: "stalls"}, {Key: "rate"}}
	for _, f := range []Format{CSV, XLSX} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, f, header)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range rows {
				if err := w.Write(row); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if f == CSV && !bytes.HasPrefix(buf.Bytes(), utf8BOM) {
				t.Error("CSV does not start with a BOM")
			}
			r, err := NewReader(&buf, f, schema)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var got [][]string
			for {
				row, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				var vals []string
				for _, c := range schema {
					vals = append(vals, row.Get(c.Key))
				}
				got = append(got, vals)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriterCSVFormulaGuard(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, CSV, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]any{"=1+1", "@SUM(A1)", -5}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := "\xEF\xBB\xBFa,b,c\r\n'=1+1,'@SUM(A1),-5\r\n"
	if got := buf.String(); got != want {
		t.Errorf("CSV = %q, want %q", got, want)
	}
}

func TestWriterErrors(t *testing.T) {
	tests := []struct {
		name string
		row  []any
		want string
	}{
		{"wrong length", []any{"a"}, "row 2 has 1 values; the header has 2"},
		{"unsupported type", []any{"a", true}, "row 2 column B: unsupported value type bool"},
	}
	for _, tt := range tests {
		for _, f := range []Format{CSV, XLSX} {
			t.Run(tt.name+"/"+string(f), func(t *testing.T) {
				w, err := NewWriter(io.Discard, f, []string{"x", "y"})
				if err != nil {
					t.Fatal(err)
				}
				err = w.Write(tt.row)
				if err == nil || err.Error() != tt.want {
					t.Errorf("Write error = %v, want %q", err, tt.want)
				}
				if err2 := w.Close(); err2 != err {
					t.Errorf("Close error = %v, want the Write error", err2)
				}
			})
		}
	}
}
