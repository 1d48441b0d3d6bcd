package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/sapqr/sapqr/qr"
)

// runQR runs `sapqr args…` with stdin and returns stdout, stderr and the error.
func runQR(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// The stall-sign payload the example flags produce.
const (
	staticVCB  = "00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN6304"
	dynamicVCB = "00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA5303704540550000" +
		"5802VN5913NGUYEN THI HA62190815Thanh toan hang"
)

func TestQREncode(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // payload without its CRC
	}{
		{"static", []string{"--bin", "970436", "--account", "0011001234567"}, staticVCB},
		{"dynamic with Vietnamese text", []string{"--bin", "970436", "--account", "0011001234567", "--amount", "50000",
			"--name", "Nguyễn Thị Hà", "--purpose", "Thanh toán hàng"}, dynamicVCB + "6304"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, err := runQR(t, "", append([]string{"qr", "encode"}, tt.args...)...)
			if err != nil {
				t.Fatalf("err = %v, stderr %q", err, stderr)
			}
			if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
				t.Fatalf("output %q is not one line", out)
			}
			payload := strings.TrimSuffix(out, "\n")
			if !strings.HasPrefix(payload, tt.want) || len(payload) != len(tt.want)+4 {
				t.Errorf("payload %q, want %q + CRC", payload, tt.want)
			}
			if d, err := qr.Decode(payload); err != nil || len(d.Warnings) != 0 {
				t.Errorf("printed payload does not decode cleanly: %v %q", err, d.Warnings)
			}
		})
	}
}

func TestQREncodeRefuses(t *testing.T) {
	out, stderr, err := runQR(t, "", "qr", "encode", "--bin", "970499", "--account", "0011001234567", "--name", strings.Repeat("Nguyễn ", 5))
	var ec exitCode
	if !errors.As(err, &ec) || ec != 1 {
		t.Fatalf("err = %v, want exit status 1", err)
	}
	if out != "" {
		t.Errorf("stdout = %q, want nothing", out)
	}
	want := "sapqr qr encode: bin: 970499 is not in the bank directory\n" +
		"sapqr qr encode: name: longer than 25 characters after transliteration (got 34)\n"
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}
}

// decodeLine is the JSON shape `sapqr qr decode` prints, field for field.
type decodeLine struct {
	Valid      bool     `json:"valid"`
	CRCValid   bool     `json:"crc_valid"`
	Error      *string  `json:"error"`
	Warnings   []string `json:"warnings"`
	InitMethod string   `json:"init_method"`
	BIN        string   `json:"bin"`
	Bank       *string  `json:"bank"`
	Account    string   `json:"account"`
	Service    string   `json:"service"`
	Amount     *string  `json:"amount"`
	Currency   string   `json:"currency"`
	Country    string   `json:"country"`
	Name       string   `json:"name"`
	City       string   `json:"city"`
	Purpose    string   `json:"purpose"`
	Bill       string   `json:"bill"`
}

func ptr(s string) *string { return &s }

func TestQRDecode(t *testing.T) {
	good, err := qr.Encode(qr.Payload{BIN: "970436", Account: "0011001234567", Amount: 50000, Name: "Nguyễn Thị Hà", Purpose: "Thanh toán hàng", Bill: "HD01"})
	if err != nil {
		t.Fatal(err)
	}
	mb := "00020101021138540010A00000072701240006970422011003523509170208QRIBFTTA53037045802VN630479db"
	bad := good[:len(good)-4] + "0000"

	t.Run("arguments", func(t *testing.T) {
		out, _, err := runQR(t, "", "qr", "decode", good, mb)
		if err != nil {
			t.Fatalf("err = %v, want nil (all valid)", err)
		}
		got := decodeLines(t, out)
		want := []decodeLine{
			{Valid: true, CRCValid: true, Warnings: []string{}, InitMethod: "12", BIN: "970436", Bank: ptr("Vietcombank"),
				Account: "0011001234567", Service: "QRIBFTTA", Amount: ptr("50000"), Currency: "704", Country: "VN",
				Name: "NGUYEN THI HA", Purpose: "Thanh toan hang", Bill: "HD01"},
			{Valid: true, CRCValid: true, Warnings: []string{"crc: lower-case hex digits 79db"}, InitMethod: "11", BIN: "970422",
				Bank: ptr("MBBank"), Account: "0352350917", Service: "QRIBFTTA", Currency: "704", Country: "VN"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("decode lines (-want +got):\n%s", diff)
		}
	})
	t.Run("stdin, one invalid", func(t *testing.T) {
		out, _, err := runQR(t, good+"\n\n"+bad+"\n", "qr", "decode", "-")
		var ec exitCode
		if !errors.As(err, &ec) || ec != 1 {
			t.Fatalf("err = %v, want exit status 1", err)
		}
		got := decodeLines(t, out)
		if len(got) != 2 || !got[0].Valid || got[1].Valid || got[1].CRCValid {
			t.Fatalf("lines %+v: want a valid line then an invalid one", got)
		}
		if got[1].Error == nil || !strings.HasPrefix(*got[1].Error, "crc: expected ") || !strings.HasSuffix(*got[1].Error, ", found 0000") {
			t.Errorf("error = %v, want expected vs found", got[1].Error)
		}
	})
	t.Run("exact keys", func(t *testing.T) {
		out, _, _ := runQR(t, "", "qr", "decode", good, bad)
		wantKeys := []string{"account", "amount", "bank", "bill", "bin", "city", "country", "crc_valid", "currency",
			"init_method", "name", "purpose", "service", "valid", "warnings"}
		for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k := range m {
				keys = append(keys, k)
			}
			want := wantKeys
			if i == 1 {
				want = append([]string{"error"}, wantKeys...)
			}
			if diff := cmp.Diff(want, keys, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("line %d keys (-want +got):\n%s", i, diff)
			}
		}
	})
	t.Run("no payload", func(t *testing.T) {
		if _, _, err := runQR(t, "", "qr", "decode"); err == nil {
			t.Error("decode without payloads succeeded")
		}
	})
}

func decodeLines(t *testing.T, out string) []decodeLine {
	t.Helper()
	var lines []decodeLine
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var l decodeLine
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
		lines = append(lines, l)
	}
	if n := strings.Count(out, "\n"); n != len(lines) {
		t.Fatalf("%d JSON objects on %d lines", len(lines), n)
	}
	return lines
}

func TestQRPNG(t *testing.T) {
	payload, err := qr.Encode(qr.Payload{BIN: "970436", Account: "0011001234567"})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("to a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "sign.png")
		if _, stderr, err := runQR(t, "", "qr", "png", "--size", "300", "-o", file, payload); err != nil {
			t.Fatalf("err = %v, stderr %q", err, stderr)
		}
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 300 || b.Dy() != 300 {
			t.Errorf("image is %v, want 300x300", b)
		}
		if fi, err := os.Stat(file); err != nil {
			t.Error(err)
		} else if fi.Mode().Perm() != 0o644 {
			t.Errorf("file mode %v, want -rw-r--r--", fi.Mode())
		}
	})
	t.Run("to stdout, default size", func(t *testing.T) {
		out, _, err := runQR(t, "", "qr", "png", payload)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(strings.NewReader(out))
		if err != nil || cfg.Width != 512 {
			t.Errorf("stdout PNG: %+v, %v; want 512 wide", cfg, err)
		}
	})
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"invalid payload", []string{"qr", "png", payload[:len(payload)-4] + "XXXX"}},
		{"unknown level", []string{"qr", "png", "--ec", "X", payload}},
		{"too small", []string{"qr", "png", "--size", "10", payload}},
		{"no payload", []string{"qr", "png"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "x.png")
			args := append([]string{tt.args[0], tt.args[1], "-o", file}, tt.args[2:]...)
			if _, _, err := runQR(t, "", args...); err == nil {
				t.Fatal("succeeded")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left %d files behind", len(entries))
			}
		})
	}
}

func TestBanks(t *testing.T) {
	t.Run("table", func(t *testing.T) {
		out, _, err := runQR(t, "", "banks")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(qr.Banks())+1 || !strings.HasPrefix(lines[0], "BIN") {
			t.Fatalf("%d lines, want a header and %d banks", len(lines), len(qr.Banks()))
		}
		if !strings.Contains(out, "970436  VCB") || !strings.Contains(out, "deprecated") {
			t.Errorf("table lacks Vietcombank or the flags:\n%s", out)
		}
	})
	t.Run("json", func(t *testing.T) {
		out, _, err := runQR(t, "", "banks", "--json")
		if err != nil {
			t.Fatal(err)
		}
		var got []qr.Bank
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(qr.Banks(), got); diff != "" {
			t.Errorf("banks --json (-want +got):\n%s", diff)
		}
	})
}
