package qr

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBanksDirectory(t *testing.T) {
	var file struct {
		Count int `json:"count"`
		Banks []struct {
			BIN string `json:"bin"`
		} `json:"banks"`
	}
	if err := json.Unmarshal(banksJSON, &file); err != nil {
		t.Fatal(err)
	}
	banks := Banks()
	if len(banks) != file.Count || len(banks) != len(file.Banks) {
		t.Fatalf("Banks() has %d entries, the file says %d and lists %d", len(banks), file.Count, len(file.Banks))
	}
	for i, b := range banks {
		if b.BIN != file.Banks[i].BIN || b.ShortName == "" || b.Name == "" {
			t.Errorf("entry %d = %+v, want BIN %s with names", i, b, file.Banks[i].BIN)
		}
		if got, ok := BankByBIN(b.BIN); !ok || got != b {
			t.Errorf("BankByBIN(%s) = %+v, %v", b.BIN, got, ok)
		}
	}
}

func TestBankFlags(t *testing.T) {
	var got []string
	for _, b := range Banks() {
		switch {
		case b.Deprecated:
			got = append(got, b.BIN+" deprecated")
		case b.Conflict:
			got = append(got, b.BIN+" conflict")
		}
		if b.Deprecated && !b.Conflict {
			t.Errorf("%s is deprecated without a conflict", b.BIN)
		}
		if b.Conflict && b.Note == "" {
			t.Errorf("%s conflicts without a note saying why", b.BIN)
		}
	}
	want := []string{"422589 conflict", "970459 deprecated", "970468 deprecated", "977777 conflict"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flags (-want +got):\n%s", diff)
	}
}

func TestFindBank(t *testing.T) {
	tests := []struct {
		q       string
		wantBIN string
	}{
		{"970436", "970436"},
		{"VCB", "970436"},
		{"vcb", "970436"},
		{"Vietcombank", "970436"},
		{" VIETCOMBANK ", "970436"},
		{"momo", "971025"},
		{"Liobank", "963369"}, // no code, found by short name
		{"CIMB", "422589"},    // the BIN VietQR apps use, not SBV's 970459
		{"MAFC", "977777"},
		{"970459", "970459"}, // a deprecated BIN is still found by BIN
		{"nope", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			b, ok := FindBank(tt.q)
			if ok != (tt.wantBIN != "") || b.BIN != tt.wantBIN {
				t.Errorf("FindBank(%q) = %s, %v; want %q", tt.q, b.BIN, ok, tt.wantBIN)
			}
		})
	}
}

// TestBanksAreCopies: callers cannot change the directory others read.
func TestBanksAreCopies(t *testing.T) {
	banks := Banks()
	banks[0].ShortName = "changed"
	if Banks()[0].ShortName == "changed" {
		t.Fatal("Banks() shares its backing array")
	}
	d, err := Decode(withCRC(static))
	if err != nil {
		t.Fatal(err)
	}
	*d.Bank = "changed"
	if b, _ := BankByBIN(vcb); b.ShortName != "Vietcombank" {
		t.Fatalf("Decoded.Bank points into the directory: %q", b.ShortName)
	}
}

func TestParseDirectoryErrors(t *testing.T) {
	for _, tt := range []struct{ name, json, want string }{
		{"not JSON", `{`, "unexpected end of JSON input"},
		{"short BIN", `{"banks":[{"bin":"9704"}]}`, `bin "9704" is not 6 digits`},
		{"BIN twice", `{"banks":[{"bin":"970436"},{"bin":"970436"}]}`, "bin 970436 listed twice or out of order (after 970436)"},
		{"BINs out of order", `{"banks":[{"bin":"970436"},{"bin":"970415"}]}`, "bin 970415 listed twice or out of order (after 970436)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseDirectory([]byte(tt.json)); err == nil || err.Error() != tt.want {
				t.Errorf("parseDirectory = %v, want %q", err, tt.want)
			}
		})
	}
}
