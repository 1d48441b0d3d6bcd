package merchants_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/merchantstest"
	"github.com/sapqr/sapqr/merchants/tabular"
)

// fieldMessages returns "field: message" for each field of a
// *ValidationError.
func fieldMessages(t *testing.T, err error) []string {
	t.Helper()
	var ve *merchants.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v: want a *ValidationError", err)
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field+": "+f.Message)
	}
	return out
}

// TestSignNamesCheckedAtTheDoor: every name a stall sign prints (vendor's
// full name, holder name, market name, stall code) is refused on create,
// update and import when the sign cannot print it, with the field and the
// character named, so that no stored vendor has a sign that fails.
func TestSignNamesCheckedAtTheDoor(t *testing.T) {
	ctx := context.Background()
	s, _ := merchantstest.NewService(t)
	admin := merchantstest.Admin()
	m := merchantstest.Market(t, s, merchantstest.CommuneA1, 50)
	v := merchantstest.Vendor(t, s, m, "A-1", 1)
	st, err := s.CreateStall(ctx, admin, merchants.CreateStallInput{MarketID: m.ID, Code: "B-1"})
	if err != nil {
		t.Fatal(err)
	}
	ptr := func(s string) *string { return &s }
	register := func(edit func(*merchants.RegisterVendorInput)) error {
		in := merchants.RegisterVendorInput{MarketID: m.ID, StallCode: "C-1", FullName: "Trần Văn Bình",
			Phone: merchantstest.Phone(2), Consent: true, BankAccount: merchantstest.BankAccount(2)}
		edit(&in)
		_, err := s.RegisterVendor(ctx, admin, in)
		return err
	}
	const rlo = "character U+202E (RIGHT-TO-LEFT OVERRIDE) cannot be printed on a sign"
	tests := []struct {
		name string
		call func() error
		want string // "field: message"
	}{
		{"register: right-to-left override in the name",
			func() error {
				return register(func(in *merchants.RegisterVendorInput) { in.FullName = "Nguyễn Thị \u202EàH" })
			},
			"full_name: " + rlo},
		{"register: zero-width space in the name",
			func() error {
				return register(func(in *merchants.RegisterVendorInput) { in.FullName = "Nguyễn\u200BThị Hà" })
			},
			"full_name: character U+200B (ZERO WIDTH SPACE) cannot be printed on a sign"},
		{"register: another script in the name",
			func() error {
				return register(func(in *merchants.RegisterVendorInput) { in.FullName = "Иван Петров" })
			},
			"full_name: character U+0418 (CYRILLIC CAPITAL LETTER I) cannot be printed on a sign"},
		{"register: a name over 60 characters",
			func() error {
				return register(func(in *merchants.RegisterVendorInput) { in.FullName = strings.Repeat("Phượng ", 9) })
			},
			"full_name: is longer than 60 characters"},
		{"register: right-to-left override in the holder name",
			func() error {
				return register(func(in *merchants.RegisterVendorInput) { in.BankAccount.HolderName = "NGUYEN \u202EAH" })
			},
			"bank_account.holder_name: " + rlo},
		{"register: a holder name over 50 characters",
			func() error {
				return register(func(in *merchants.RegisterVendorInput) { in.BankAccount.HolderName = strings.Repeat("NGUYEN ", 8) })
			},
			"bank_account.holder_name: is longer than 50 characters"},
		{"register: a zero-width joiner in the stall code",
			func() error { return register(func(in *merchants.RegisterVendorInput) { in.StallCode = "C\u200D2" }) },
			"stall_code: character U+200D (ZERO WIDTH JOINER) cannot be printed on a sign"},
		{"register: a stall code over 16 characters",
			func() error {
				return register(func(in *merchants.RegisterVendorInput) { in.StallCode = strings.Repeat("C", 17) })
			},
			"stall_code: is longer than 16 characters"},
		{"register: a stall code whose capital the font lacks",
			func() error { return register(func(in *merchants.RegisterVendorInput) { in.StallCode = "ÿ-1" }) },
			"stall_code: character U+0178 (LATIN CAPITAL LETTER Y WITH DIAERESIS) cannot be printed on a sign"},
		{"update vendor: right-to-left override in the name",
			func() error {
				_, err := s.UpdateVendor(ctx, admin, v.ID, merchants.UpdateVendorInput{FullName: ptr("Hà \u202Eoán")})
				return err
			},
			"full_name: " + rlo},
		{"update vendor: a stall code with a left-to-right mark",
			func() error {
				_, err := s.UpdateVendor(ctx, admin, v.ID, merchants.UpdateVendorInput{StallCode: ptr("\u200EA-9")})
				return err
			},
			"stall_code: character U+200E (LEFT-TO-RIGHT MARK) cannot be printed on a sign"},
		{"add bank account: emoji in the holder name",
			func() error {
				in := merchants.AddBankAccountInput{BankAccountInput: merchantstest.BankAccount(3)}
				in.HolderName = "NGUYEN THI HA 🌸"
				_, err := s.AddBankAccount(ctx, admin, v.ID, in)
				return err
			},
			"holder_name: character U+1F338 (CHERRY BLOSSOM) cannot be printed on a sign"},
		{"create market: Chinese in the name",
			func() error {
				_, err := s.CreateMarket(ctx, admin, merchants.CreateMarketInput{Name: "Chợ 大 Lớn", CommuneCode: merchantstest.CommuneA1})
				return err
			},
			"name: character U+5927 ('大') cannot be printed on a sign"},
		{"create market: a name over 80 characters",
			func() error {
				_, err := s.CreateMarket(ctx, admin, merchants.CreateMarketInput{Name: strings.Repeat("Chợ ", 21), CommuneCode: merchantstest.CommuneA1})
				return err
			},
			"name: is longer than 80 characters"},
		{"update market: a byte order mark in the name",
			func() error {
				_, err := s.UpdateMarket(ctx, admin, m.ID, merchants.UpdateMarketInput{Name: ptr("Chợ\uFEFF Bộc Bố")})
				return err
			},
			"name: character U+FEFF (ZERO WIDTH NO-BREAK SPACE) cannot be printed on a sign"},
		{"create stall: right-to-left override in the code",
			func() error {
				_, err := s.CreateStall(ctx, admin, merchants.CreateStallInput{MarketID: m.ID, Code: "D\u202E1"})
				return err
			},
			"code: " + rlo},
		{"update stall: a code over 16 characters",
			func() error {
				_, err := s.UpdateStall(ctx, admin, st.ID, merchants.UpdateStallInput{Code: ptr(strings.Repeat("B", 17))})
				return err
			},
			"code: is longer than 16 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff([]string{tt.want}, fieldMessages(t, tt.call())); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSignNamesCheckedOnImport: the import files go through the same
// rule, row by row.
func TestSignNamesCheckedOnImport(t *testing.T) {
	ctx := context.Background()
	admin := merchantstest.Admin()
	svc := newBulkService(t, merchantstest.Databases()[0])
	importMarkets(t, svc)

	markets := "Mã chợ,Tên chợ,Mã xã,Số sạp\n" +
		"ZZ,Chợ \u202EAB,00004,10\n"
	rep, err := svc.ImportMarkets(ctx, admin, strings.NewReader(markets), tabular.CSV, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"line 2: name: character U+202E (RIGHT-TO-LEFT OVERRIDE) cannot be printed on a sign"}
	if diff := cmp.Diff(want, summarize(rep).Errors); diff != "" {
		t.Errorf("ImportMarkets errors (-want +got):\n%s", diff)
	}

	vendors := vendorsHeader +
		"BD,00004,A-01,,Nguyễn Thị \u202EàH,0912345678,VCB,0011001234567,NGUYEN THI HA,có\n" +
		"BD,00004,A-0\u200B2,,Trần Văn Bình,0987654321,970415,123456789012,TRAN VAN BINH,có\n" +
		"BD,00004,A-03,,Lê Thị Cúc,0901234567,MB,0901234567,LE THI \u202ECUC,có\n"
	rep, err = svc.ImportVendors(ctx, admin, strings.NewReader(vendors), tabular.CSV, true)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		"line 2: full_name: character U+202E (RIGHT-TO-LEFT OVERRIDE) cannot be printed on a sign",
		"line 3: stall_code: character U+200B (ZERO WIDTH SPACE) cannot be printed on a sign",
		"line 4: holder_name: character U+202E (RIGHT-TO-LEFT OVERRIDE) cannot be printed on a sign",
	}
	if diff := cmp.Diff(want, summarize(rep).Errors); diff != "" {
		t.Errorf("ImportVendors errors (-want +got):\n%s", diff)
	}
}

// TestSignNamesWithEveryDiacriticAccepted: Vietnamese names with every
// letter and tone, composed or decomposed, are stored as typed (NFC).
func TestSignNamesWithEveryDiacriticAccepted(t *testing.T) {
	ctx := context.Background()
	s, _ := merchantstest.NewService(t)
	admin := merchantstest.Admin()
	// Every Vietnamese letter with every tone, in names of at most 60, and
	// a decomposed (NFD) name stored composed.
	tests := []struct{ name, want string }{
		{"Aà Áả Ãạ Ăằ Ắẳ Ẵặ Ââầ Ấẩ Ẫậ Eè Éẻ Ẽẹ Êề Ếể Ễệ Iì Íỉ Ĩị Đđ", ""},
		{"Oò Óỏ Õọ Ôồ Ốổ Ỗộ Ơờ Ớở Ỡợ Uù Úủ Ũụ Ưừ Ứử Ữự Yỳ Ýỷ Ỹỵ", ""},
		{"aÀ áẢ ãẠ ăẰ ắẲ ẵẶ âẦ ấẨ ẫẬ eÈ éẺ ẽẸ êỀ ếỂ ễỆ iÌ íỈ ĩỊ", ""},
		{"oÒ óỎ õỌ ôỒ ốỔ ỗỘ ơỜ ớỞ ỡỢ uÙ úỦ ũỤ ưỪ ứỬ ữỰ yỲ ýỶ ỹỴ", ""},
		{"Tôn Nữ Thị Hoàng Phượng Quỳnh Như Ngọc Ánh", ""},
		{"Nguye\u0302\u0303n Thi\u0323 Ha\u0300 Đức", "Nguyễn Thị Hà Đức"},
	}
	m := merchantstest.Market(t, s, merchantstest.CommuneA1, 50)
	for i, tt := range tests {
		if tt.want == "" {
			tt.want = tt.name
		}
		t.Run(tt.want, func(t *testing.T) {
			mk, err := s.CreateMarket(ctx, admin, merchants.CreateMarketInput{Name: "Chợ " + tt.name, CommuneCode: merchantstest.CommuneA1})
			if err != nil {
				t.Fatalf("CreateMarket: %v", err)
			}
			code := fmt.Sprintf("%s-%d", strings.Fields(tt.want)[0], i)
			holder := []rune(tt.name)
			holder = holder[:min(len(holder), 40)] // within the 50 a sign prints once transliterated
			r, err := s.RegisterVendor(ctx, admin, merchants.RegisterVendorInput{MarketID: m.ID, StallCode: code, FullName: tt.name,
				Phone: merchantstest.Phone(10 + i), Consent: true, BankAccount: merchants.BankAccountInput{
					BIN: "970436", AccountNumber: merchantstest.BankAccount(10 + i).AccountNumber, HolderName: string(holder)}})
			if err != nil {
				t.Fatalf("RegisterVendor: %v", err)
			}
			got := []string{mk.Name, r.Vendor.FullName, r.Vendor.StallCode}
			want := []string{"Chợ " + tt.want, tt.want, strings.ToUpper(code)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("stored market, vendor, stall (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"0912345678", "0912345678", true},
		{"+84912345678", "0912345678", true},
		{"84 912 345 678", "0912345678", true},
		{"+84 (91) 234-5678", "0912345678", true},
		{"0912.345.678", "0912345678", true},
		{"912345678", "0912345678", true},
		{"0362345678", "0362345678", true}, // Viettel 03x
		{"0701234567", "0701234567", true}, // MobiFone 070
		{"0521234567", "0521234567", true}, // Vietnamobile 052
		{"02438251234", "", false},         // Hà Nội landline
		{"0951234567", "", false},          // 095: no network
		{"0112345678", "", false},          // not a mobile prefix
		{"091234567", "", false},           // nine digits with 0
		{"09123456789", "", false},         // eleven digits
		{"+1 415 555 0100", "", false},     // not Vietnamese
		{"0912a45678", "", false},          // a letter
		{"", "", false},
		{"+", "", false},
		{"0９12345678", "", false}, // a full-width digit
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := merchants.NormalizePhone(tt.in)
			if got != tt.want || (err == nil) != tt.ok {
				t.Errorf("NormalizePhone(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

// FuzzNormalizePhone checks that any input gives either an error or a
// ten-digit mobile number that normalises to itself.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"0912345678", "+84 912 345 678", "84-91-234-5678", "", "+", "((", "0９12345678", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := merchants.NormalizePhone(s)
		if err != nil {
			if n != "" || err.Error() == "" {
				t.Fatalf("NormalizePhone(%q) = %q, %v", s, n, err)
			}
			return
		}
		if len(n) != 10 || n[0] != '0' {
			t.Fatalf("NormalizePhone(%q) = %q", s, n)
		}
		if again, err := merchants.NormalizePhone(n); again != n || err != nil {
			t.Fatalf("NormalizePhone(%q) = %q, %v; not stable", n, again, err)
		}
	})
}

func TestFold(t *testing.T) {
	tests := map[string]string{
		"Nguyễn Thị Hà":           "nguyen thi ha",
		"Nguye\u0302\u0303n":      "nguyen",
		"  ĐẶNG   Văn  Đức ":      "dang van duc",
		"Phạm Đình Hải - Chợ 4.0": "pham dinh hai - cho 4.0",
	}
	for in, want := range tests {
		if got := merchants.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
