package tabular

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

var testSchema = Schema{
	{Key: "name", Aliases: []string{"Họ và tên", "Họ tên", "Full name"}, Required: true},
	{Key: "phone", Aliases: []string{"Số điện thoại", "SĐT", "Phone number"}, Required: true},
	{Key: "account", Aliases: []string{"Số tài khoản", "Account number"}},
}

// readAll reads every row of a table as [line, name, phone, account].
func readAll(t *testing.T, data []byte, f Format) ([][]string, *Reader, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), f, testSchema)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	var got [][]string
	for {
		row, err := r.Next()
		if err == io.EOF {
			return got, r, nil
		}
		if err != nil {
			return got, r, err
		}
		got = append(got, []string{itoa(row.Line), row.Get("name"), row.Get("phone"), row.Get("account")})
	}
}

func itoa(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

func TestReaderCSV(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    [][]string
		ignored []string
	}{
		{
			name: "english header",
			in:   "name,phone,account\nNguyễn Văn An,0912345678,0011001234567\n",
			want: [][]string{{"02", "Nguyễn Văn An", "0912345678", "0011001234567"}},
		},
		{
			name: "vietnamese header with BOM",
			in:   "\xEF\xBB\xBFHọ và tên,Số điện thoại,Số tài khoản\nTrần Thị Bình,0987654321,123\n",
			want: [][]string{{"02", "Trần Thị Bình", "0987654321", "123"}},
		},
		{
			name: "header without diacritics, any case and punctuation",
			in:   "HO VA TEN,so_dien_thoai,  So Tai Khoan (*)\nLê Văn Cường,0901234567,\n",
			want: [][]string{{"02", "Lê Văn Cường", "0901234567", ""}},
		},
		{
			name: "decomposed diacritics become NFC",
			in:   "name,phone\nNguye\u0302\u0303n Va\u0306n An,0912345678\n",
			want: [][]string{{"02", "Nguyễn Văn An", "0912345678", ""}},
		},
		{
			name:    "title rows above the header, extra and blank rows",
			in:      "DANH SÁCH TIỂU THƯƠNG CHỢ BẾN THÀNH,,,\nNgày 01/07/2025,,,\nSTT,Họ tên,SĐT,Ghi chú\n1,  An  ,0912345678,x\n,,,\n2,Bình,0987654321,\n",
			want:    [][]string{{"04", "An", "0912345678", ""}, {"06", "Bình", "0987654321", ""}},
			ignored: []string{"STT", "Ghi chú"},
		},
		{
			name: "semicolon separated",
			in:   "Họ tên;SĐT\r\nAn;0912345678\r\n",
			want: [][]string{{"02", "An", "0912345678", ""}},
		},
		{
			name: "tab separated",
			in:   "name\tphone\nAn\t0912345678\n",
			want: [][]string{{"02", "An", "0912345678", ""}},
		},
		{
			name: "quoted value over two lines keeps its start line",
			in:   "name,phone\n\"An\nB\",0912345678\nC,0987654321\n",
			want: [][]string{{"02", "An\nB", "0912345678", ""}, {"04", "C", "0987654321", ""}},
		},
		{
			name: "apostrophe guard removed",
			in:   "name,phone\n'=An,'+84912345678\n",
			want: [][]string{{"02", "=An", "+84912345678", ""}},
		},
		{
			name: "short row leaves the rest empty",
			in:   "name,phone,account\nAn\n",
			want: [][]string{{"02", "An", "", ""}},
		},
		{
			name: "header only",
			in:   "name,phone\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r, err := readAll(t, []byte(tt.in), CSV)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.ignored, r.Ignored()); diff != "" {
				t.Errorf("ignored (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReaderErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantRows int    // rows read before the error
		wantLine int    // RowError/HeaderError line
		wantText string // part of the message
	}{
		{name: "empty file", in: "", wantText: "the file is empty"},
		{name: "missing required column", in: "name,account\nAn,1\n", wantLine: 1, wantText: `missing required columns: phone ("Số điện thoại")`},
		{name: "column named twice", in: "title\nname,phone,Họ và tên\n", wantLine: 2, wantText: "name (columns A, C)"},
		{name: "not UTF-8", in: "name,phone\nAn,0912345678\nNguy\xeen,0912345678\n", wantRows: 1, wantLine: 3, wantText: "column A: not UTF-8"},
		{name: "UTF-16", in: "\xFF\xFEn\x00", wantText: "UTF-16"},
		{name: "value too long", in: "name,phone\n" + strings.Repeat("x", MaxCellBytes+1) + ",1\n", wantLine: 2, wantText: "column A: value of 4097 bytes"},
		{name: "too many cells", in: "name,phone\n" + strings.Repeat(",", MaxColumns) + "\n", wantLine: 2, wantText: "257 cells"},
		{name: "unterminated quote", in: "name,phone\nAn,\"09\n", wantLine: 2, wantText: "line 2"},
		{name: "bare quote", in: "name,phone\nAn,0912345678\nChợ \"Lớn\",09\n", wantRows: 1, wantLine: 3, wantText: "line 3: bare \""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, _, err := readAll(t, []byte(tt.in), CSV)
			if err == nil {
				t.Fatalf("no error; read %v", rows)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not contain %q", err, tt.wantText)
			}
			if len(rows) != tt.wantRows {
				t.Errorf("read %d rows before the error, want %d", len(rows), tt.wantRows)
			}
			var rerr *RowError
			var herr *HeaderError
			switch {
			case errors.As(err, &rerr):
				if rerr.Line != tt.wantLine {
					t.Errorf("RowError line %d, want %d", rerr.Line, tt.wantLine)
				}
			case errors.As(err, &herr):
				if herr.Line != tt.wantLine {
					t.Errorf("HeaderError line %d, want %d", herr.Line, tt.wantLine)
				}
			case tt.wantLine != 0:
				t.Errorf("error %T %v carries no line; want line %d", err, err, tt.wantLine)
			}
		})
	}
}

// xlsxFile builds an XLSX file with rows from A1 down; nil rows stay empty.
func xlsxFile(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		if row == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReaderXLSX(t *testing.T) {
	data := xlsxFile(t, [][]any{
		{"Danh sách tiểu thương"},
		{"STT", "Họ và tên", "Số điện thoại", "Số tài khoản"},
		{1, "Nguyễn Văn An", "0912345678", "0011001234567"},
		nil,
		{2, "Trần Thị Bình", 987654321, int64(1234567890123)},
	})
	got, r, err := readAll(t, data, XLSX)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"03", "Nguyễn Văn An", "0912345678", "0011001234567"},
		// A number cell is read as stored, not as displayed (no 1.23E+12).
		{"05", "Trần Thị Bình", "987654321", "1234567890123"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if r.HeaderLine() != 2 {
		t.Errorf("HeaderLine = %d, want 2", r.HeaderLine())
	}
}

func TestReaderXLSXNotAnArchive(t *testing.T) {
	_, err := NewReader(strings.NewReader("name,phone\n"), XLSX, testSchema)
	if err == nil || !strings.Contains(err.Error(), "not a readable XLSX file") {
		t.Fatalf("err = %v, want not a readable XLSX file", err)
	}
}

func FuzzReaderCSV(f *testing.F) {
	f.Add([]byte("name,phone\nAn,0912345678\n"))
	f.Add([]byte("\xEF\xBB\xBFHọ tên;SĐT\r\nAn;09\r\n"))
	f.Add([]byte("x\nname,phone,name\n"))
	f.Add([]byte("name,phone\n\"a\"\"b\",\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, data, CSV)
	})
}

func FuzzReaderXLSX(f *testing.F) {
	f.Add(xlsxFile(&testing.T{}, [][]any{{"name", "phone"}, {"An", 912345678}}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, data, XLSX)
	})
}

// fuzzRead reads data to the end and checks what holds for any input: no
// panic, rows in increasing line order after the header, valid NFC values.
func fuzzRead(t *testing.T, data []byte, f Format) {
	r, err := NewReader(bytes.NewReader(data), f, testSchema)
	if err != nil {
		return
	}
	defer r.Close()
	last := r.HeaderLine()
	for {
		row, err := r.Next()
		if err != nil {
			return
		}
		if row.Line <= last {
			t.Fatalf("row line %d after line %d", row.Line, last)
		}
		last = row.Line
		for _, k := range []string{"name", "phone", "account"} {
			if v := row.Get(k); strings.TrimSpace(v) != v {
				t.Fatalf("%s = %q not trimmed", k, v)
			}
		}
	}
}
