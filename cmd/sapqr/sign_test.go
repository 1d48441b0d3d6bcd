package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sapqr/sapqr/printables"
)

// runSign runs `sapqr sign args…` with stdin and returns stdout and the error.
func runSign(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(string) string { return "" }
	err := run(context.Background(), append([]string{"sign"}, args...), getenv, strings.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), err
}

var signFlags = []string{
	"--bin", "970436", "--account", "0011001234567", "--holder", "NGUYEN THI HA",
	"--vendor", "Nguyễn Thị Hà", "--market", "Chợ Bộc Bố", "--stall", "A-12", "--date", "2026-11-23",
}

func TestSignOne(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sign.pdf")
	if _, err := runSign(t, "", append(signFlags, "-o", out)...); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// The command prints exactly what the package renders for the same sign.
	r, err := printables.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	s := printables.Sign{
		Market: "Chợ Bộc Bố", Stall: "A-12", Vendor: "Nguyễn Thị Hà", BIN: "970436", Account: "0011001234567",
		Holder: "NGUYEN THI HA", Version: 1, Printed: time.Date(2026, 11, 23, 0, 0, 0, 0, time.FixedZone("ICT", 7*3600)),
	}
	if err := r.RenderSign(&want, s, printables.Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("sapqr sign wrote %d bytes that differ from RenderSign's %d", len(got), want.Len())
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("output mode = %v, %v; want 0644", fi.Mode(), err)
	}
}

const stallsCSV = "market,stall,vendor,holder,bin,account\r\n" +
	"Chợ Bộc Bố,A-12,Nguyễn Thị Hà,NGUYEN THI HA,970436,0011001234567\r\n" +
	"Chợ Bộc Bố,A-13,\"Trần Văn Đức, con\",TRAN VAN DUC,970415,1234567890\r\n" +
	"Chợ Bộc Bố,A-14,Lê Thị Ánh,LE THI ANH,970422,9988776655\r\n"

func TestSignCSV(t *testing.T) {
	tests := []struct {
		name  string
		csv   string
		args  []string
		pages int
	}{
		{"Excel UTF-8 with BOM and CRLF, one sign per page", "\ufeff" + stallsCSV, nil, 3},
		{"without BOM, 4-up sheet", stallsCSV, []string{"--sheet", "a4-4up"}, 1},
		{"semicolons, columns in another order, extra column", "Stall;Market;Vendor;Phone;Holder;BIN;Account\n" +
			"A-12;Chợ Bộc Bố;Nguyễn Thị Hà;0900000000;NGUYEN THI HA;970436;0011001234567\n", []string{"--size", "a5"}, 1},
		{"market-fee signs with a purpose column", "market,stall,vendor,holder,bin,account,purpose\n" +
			"Chợ Bộc Bố,A-12,,BAN QUAN LY CHO,970405,3100205556789,PHI CHO A12\n" +
			"Chợ Bộc Bố,A-13,,BAN QUAN LY CHO,970405,3100205556789,PHI CHO A13\n", []string{"--sheet", "a4-2up"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in, out := filepath.Join(dir, "stalls.csv"), filepath.Join(dir, "market.pdf")
			if err := os.WriteFile(in, []byte(tt.csv), 0o644); err != nil {
				t.Fatal(err)
			}
			stdout, err := runSign(t, "", append([]string{"--csv", in, "-o", out, "--date", "2026-11-23"}, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			pdf, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if got := bytes.Count(pdf, []byte("/Type /Page\n")); got != tt.pages {
				t.Errorf("%d pages, want %d", got, tt.pages)
			}
			if !strings.Contains(stdout, "market.pdf: ") {
				t.Errorf("stdout = %q, want a summary", stdout)
			}
		})
	}
}

func TestSignCSVFromStdinToZIP(t *testing.T) {
	out := filepath.Join(t.TempDir(), "market.zip")
	if _, err := runSign(t, stallsCSV, "--csv", "-", "--per-file", "2", "-o", out); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 2 || zr.File[0].Name != "signs-0001-0002.pdf" || zr.File[1].Name != "signs-0003-0003.pdf" {
		t.Errorf("ZIP holds %v", zr.File)
	}
}

func TestSignRefusesAndWritesNothing(t *testing.T) {
	tests := []struct {
		name    string
		csv     string
		args    []string
		wantErr []string
		usage   bool // flag errors: exit status 2, the message already printed
	}{
		{"bad row reported with its line number", stallsCSV + "Chợ Bộc Bố,A-15,Phạm Hưng,Phạm Hưng,970436,123\r\n", nil,
			[]string{"line 5:", "Holder", "nothing written"}, false},
		{"several bad rows, each with its line", "market,stall,vendor,holder,bin,account\n" +
			"Chợ,A-1,Hà,NGUYEN THI HA,999999,1\nChợ,,Hà,NGUYEN THI HA,970436,1\n", nil,
			[]string{`line 2: printables: BIN: "999999"`, "line 3: printables: Stall: required"}, false},
		{"a quoted field left open", "market,stall,vendor,holder,bin,account\nChợ,\"A-1,Hà\n", nil, []string{"line"}, false},
		{"header without the account column", "market,stall,vendor,holder,bin\nChợ,A-1,Hà,NGUYEN THI HA,970436\n", nil,
			[]string{"line 1: header lacks account"}, false},
		{"header only", "market,stall,vendor,holder,bin,account\n", nil, []string{"no stalls"}, false},
		{"more signs than one PDF named .pdf", stallsCSV, []string{"--per-file", "2"}, []string{"name the output", "market.zip"}, false},
		{"--csv with a single-sign flag", stallsCSV, []string{"--bin", "970436"}, []string{"--bin cannot be combined with --csv"}, false},
		{"bad size", stallsCSV, []string{"--size", "a3"}, []string{`"a3" is not a sign size`}, false},
		{"sheet and size disagree", stallsCSV, []string{"--size", "a4", "--sheet", "a4-4up"}, []string{"holds a6 signs, not a4"}, false},
		{"bad date", stallsCSV, []string{"--date", "23/11/2026"}, []string{"--date"}, false},
		{"unknown flag", stallsCSV, []string{"--colour"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in, out := filepath.Join(dir, "stalls.csv"), filepath.Join(dir, "market.pdf")
			if err := os.WriteFile(in, []byte(tt.csv), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := runSign(t, "", append([]string{"--csv", in, "-o", out}, tt.args...)...)
			if err == nil {
				t.Fatal("sign succeeded")
			}
			var ec exitCode
			if tt.usage != errors.As(err, &ec) {
				t.Errorf("error %v: exit-code error = %v, want %v", err, !tt.usage, tt.usage)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("directory holds %v; want only the CSV", names)
			}
		})
	}
}

func TestSignOneRefuses(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no output", signFlags, "-o is required"},
		{"holder with diacritics", append(append([]string{}, signFlags...), "--holder", "Nguyễn Thị Hà", "-o", "x.pdf"), `e.g. "NGUYEN THI HA"`},
		{"a rune the font lacks", append(append([]string{}, signFlags...), "--vendor", "Hà ☃", "-o", "x.pdf"), "U+2603"},
		{"a stray argument", append(append([]string{}, signFlags...), "-o", "x.pdf", "extra"), `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			_, err := runSign(t, "", tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("wrote %d files", len(entries))
			}
		})
	}
}

func FuzzReadStalls(f *testing.F) {
	f.Add(stallsCSV)
	f.Add("\ufeff" + stallsCSV)
	f.Add("Stall;Market;Vendor;Holder;BIN;Account\nA;B;C;D;E;F\n")
	f.Add("market,stall,vendor,holder,bin,account\n\"unterminated\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		signs, lines, err := readStalls(strings.NewReader(in), 1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			if signs != nil || lines != nil {
				t.Fatalf("error %v with %d signs", err, len(signs))
			}
			return
		}
		if len(signs) == 0 || len(signs) != len(lines) {
			t.Fatalf("%d signs, %d line numbers", len(signs), len(lines))
		}
		for i := 1; i < len(lines); i++ {
			if lines[i] <= lines[i-1] {
				t.Fatalf("line numbers not increasing: %v", lines)
			}
		}
	})
}
