package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestImportExportSeed runs the bulk commands in order on one database:
// each step's output and exit status, and what it leaves for the next.
func TestImportExportSeed(t *testing.T) {
	env := testEnv(t)
	getenv := func(k string) string { return env[k] }
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	markets := write("cho.csv", "\xEF\xBB\xBFSTT,Mã chợ,Tên chợ,Mã xã,Hạng chợ,Số sạp\n1,BD,Chợ Ba Đình,00004,2,120\n2,NH,Chợ Ngọc Hà,00008,3,40\n")
	badMarkets := write("cho-sai.csv", "Mã chợ,Tên chợ,Mã xã\nBD,Chợ Ba Đình,00004\nX,Chợ Ma,99999\n")
	vendors := write("tieu-thuong.csv", "Mã chợ,Mã xã,Mã sạp,Họ và tên,SĐT,Ngân hàng,Số tài khoản,Tên chủ tài khoản,Đồng ý\n"+
		"BD,00004,A-01,Nguyễn Thị Hà,0912345678,VCB,0011001234567,NGUYEN THI HA,có\n")
	exported := filepath.Join(dir, "export.xlsx")
	full := filepath.Join(dir, "full.csv")

	tests := []struct {
		name    string
		args    []string
		wantErr string   // "" for success; else part of the error
		want    []string // regexps the standard output must match
	}{
		{"usage", []string{"import"}, "exit status 2", nil},
		{"unknown extension", []string{"import", "markets", "x.pdf"}, `unknown extension ".pdf"`, nil},
		{"bad row: nothing stored", []string{"import", "markets", badMarkets}, "exit status 1",
			[]string{`line 3 +error +Chợ Ma`, `commune_code: 99999 is not a commune-level unit in force`, `NOT applied`}},
		{"dry run", []string{"import", "markets", "--dry-run", markets}, "",
			[]string{`columns not read: STT`, `line 2 +create +Chợ Ba Đình \(00004/BD\)\n`, `2 created.*dry run: nothing stored`}},
		{"import markets", []string{"import", "markets", markets}, "",
			[]string{`line 2 +create +Chợ Ba Đình \(00004/BD\) #\d+\n`, `2 created, 0 updated, 0 unchanged, 0 with errors; applied`}},
		{"again: unchanged", []string{"import", "markets", markets}, "", []string{`0 created, 0 updated, 2 unchanged`}},
		{"import vendors as JSON", []string{"import", "vendors", "--json", vendors}, "",
			[]string{`"action": "create"`, `"applied": true`}},
		{"export masked", []string{"export", "vendors", "-o", exported}, "", nil},
		{"export to stdout", []string{"export", "vendors", "-o", "-", "--format", "csv", "--commune", "00004"}, "",
			[]string{`Nguyễn Thị Hà,0912345678,Vietcombank,970436,•+4567,`}},
		{"masked export does not import", []string{"import", "vendors", "--dry-run", exported}, "exit status 1",
			[]string{`account_number: is masked`}},
		{"full export imports unchanged", []string{"export", "vendors", "-o", full, "--full-accounts"}, "", nil},
		{"re-import full export", []string{"import", "vendors", full}, "", []string{`1 unchanged, 0 with errors; applied`}},
		{"seed", []string{"seed", "--markets", "2", "--vendors", "30", "--province", "01", "--seed", "7"}, "",
			[]string{`seeded 2 markets and 30 vendors in`}},
		{"seed refuses", []string{"seed", "--markets", "0"}, "exit status 2", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			err := run(context.Background(), tt.args, getenv, strings.NewReader(""), &out, io.Discard)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error %v; output:\n%s", err, out.String())
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one with %q; output:\n%s", err, tt.wantErr, out.String())
			}
			for _, re := range tt.want {
				if !regexp.MustCompile(re).MatchString(out.String()) {
					t.Errorf("output does not match %q:\n%s", re, out.String())
				}
			}
		})
	}
	if _, err := os.Stat(exported); err != nil {
		t.Errorf("export wrote no file: %v", err)
	}
}
