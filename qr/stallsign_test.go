package qr

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStallSign(t *testing.T) {
	// The expected payloads were built by hand (tag by tag) and their CRCs
	// computed with an independent CRC-16/CCITT-FALSE implementation.
	type fields struct{ BIN, Account, Name, Purpose, InitMethod string }
	tests := []struct {
		name                          string
		bin, account, holder, purpose string
		want                          string
		wantFields                    fields
	}{
		{
			name: "a short holder name goes in tag 59",
			bin:  "970436", account: "0011001234567", holder: "NGUYEN THI HA",
			want:       "00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN5913NGUYEN THI HA63041765",
			wantFields: fields{"970436", "0011001234567", "NGUYEN THI HA", "", "11"},
		},
		{
			name: "diacritics are transliterated, case folded",
			bin:  "970436", account: "0011001234567", holder: "Nguyễn Thị Hà",
			want:       "00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN5913NGUYEN THI HA63041765",
			wantFields: fields{"970436", "0011001234567", "NGUYEN THI HA", "", "11"},
		},
		{
			name: "đ becomes D",
			bin:  "970415", account: "1234567890", holder: "Đỗ Văn Đức",
			want:       "00020101021138540010A00000072701240006970415011012345678900208QRIBFTTA53037045802VN5910DO VAN DUC6304B12F",
			wantFields: fields{"970415", "1234567890", "DO VAN DUC", "", "11"},
		},
		{
			name: "25 characters after transliteration fit, though more bytes before",
			bin:  "970436", account: "0011001234567", holder: "Tôn Nữ Thị Hoàng Phượng Q",
			want:       "00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN5925TON NU THI HOANG PHUONG Q63048B79",
			wantFields: fields{"970436", "0011001234567", "TON NU THI HOANG PHUONG Q", "", "11"},
		},
		{
			name: "26 characters are left out",
			bin:  "970436", account: "0011001234567", holder: "Tôn Nữ Thị Hoàng Phượng Qu",
			want:       "00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN6304E8DB",
			wantFields: fields{"970436", "0011001234567", "", "", "11"},
		},
		{
			name: "no holder, no tag 59",
			bin:  "970436", account: "0011001234567",
			want:       "00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN6304E8DB",
			wantFields: fields{"970436", "0011001234567", "", "", "11"},
		},
		{
			name: "a purpose goes in 62/08, transliterated with its case kept",
			bin:  "970405", account: "3100205556789", holder: "Ban quản lý chợ Bộc Bố", purpose: "Phí chợ A12",
			want:       "00020101021138570010A00000072701270006970405011331002055567890208QRIBFTTA53037045802VN5922BAN QUAN LY CHO BOC BO62150811Phi cho A1263047696",
			wantFields: fields{"970405", "3100205556789", "BAN QUAN LY CHO BOC BO", "Phi cho A12", "11"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := StallSign(tt.bin, tt.account, tt.holder, tt.purpose)
			got, err := EncodeVerified(p)
			if err != nil {
				t.Fatalf("EncodeVerified: %v", err)
			}
			if got != tt.want {
				t.Errorf("payload\n got %s\nwant %s", got, tt.want)
			}
			d, err := Decode(got)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			gotFields := fields{d.BIN, d.Account, d.Name, d.Purpose, d.InitMethod}
			if diff := cmp.Diff(tt.wantFields, gotFields); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
			if d.Amount != nil || d.Service != "QRIBFTTA" || len(d.Warnings) != 0 {
				t.Errorf("decoded amount %v, service %q, warnings %q; want no amount, QRIBFTTA, no warnings", d.Amount, d.Service, d.Warnings)
			}
		})
	}
}

func TestEncodeVerifiedRefusesWhatEncodeRefuses(t *testing.T) {
	_, err := EncodeVerified(StallSign("123456", "0011-0012", "NGUYEN THI HA", ""))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "bin" {
		t.Fatalf("EncodeVerified = %v, want a *FieldError for bin first", err)
	}
	if !strings.Contains(err.Error(), "account: character 5") {
		t.Errorf("EncodeVerified = %v, want the account error too", err)
	}
}

func TestVerify(t *testing.T) {
	want := StallSign("970436", "0011001234567", "NGUYEN THI HA", "")
	const good = "00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN5913NGUYEN THI HA63041765"
	tests := []struct {
		name      string
		payload   string
		amount    int64 // asked for
		wantField string
		wantErr   string
	}{
		{"the intended payload", good, 0, "", ""},
		{"another account",
			"00020101021138570010A00000072701270006970436011300110099999990208QRIBFTTA53037045802VN5913NGUYEN THI HA63047205",
			0, "account", "account decodes as another number"},
		{"another bank",
			"00020101021138570010A00000072701270006970415011300110012345670208QRIBFTTA53037045802VN5913NGUYEN THI HA630494D4",
			0, "BIN", `BIN decodes as "970415", want "970436"`},
		{"another holder",
			"00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN5910TRAN VAN B6304085A",
			0, "name", `name decodes as "TRAN VAN B"`},
		{"a purpose that was not asked for",
			"00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN5913NGUYEN THI HA62050801X6304271E",
			0, "purpose", `purpose decodes as "X", want ""`},
		{"an amount on a static code",
			"00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA53037045405500005802VN5913NGUYEN THI HA63045700",
			0, "amount", "must be static, but it carries amount 50000"},
		{"a dynamic code asked for, a static one read", good, 50000, "amount", `amount decodes as "", want "50000"`},
		{"a broken CRC", good[:len(good)-4] + "0000", 0, "payload", "does not decode"},
		{"not a payload", "hello", 0, "payload", "does not decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := want
			p.Amount = tt.amount
			err := Verify(tt.payload, p)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Field != tt.wantField || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Verify = %v, want a *VerifyError for %s containing %q", err, tt.wantField, tt.wantErr)
			}
			if strings.Contains(err.Error(), "0011009999999") {
				t.Errorf("Verify = %v shows the account number", err)
			}
		})
	}
}
