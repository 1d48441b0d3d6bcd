package merchants

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func loadTestUnits(t *testing.T) *Units {
	t.Helper()
	u, err := LoadUnits(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestUnitsEdition2025 checks the reform's published totals: 34 provinces
// (28 tỉnh, 6 thành phố) and 3,321 commune-level units (2,621 xã, 687
// phường, 13 đặc khu), each commune in a known province.
func TestUnitsEdition2025(t *testing.T) {
	u := loadTestUnits(t)
	if got, want := u.Effective(), time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Effective = %v, want %v", got, want)
	}
	types := map[UnitType]int{}
	for _, p := range u.Provinces() {
		types[p.Type]++
	}
	perProvince := 0
	for _, p := range u.Provinces() {
		cs, err := u.Communes(p.Code)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) == 0 {
			t.Errorf("province %s has no communes", p.Code)
		}
		perProvince += len(cs)
		for _, c := range cs {
			types[c.Type]++
		}
	}
	want := map[UnitType]int{UnitProvince: 28, UnitCity: 6, UnitCommune: 2621, UnitWard: 687, UnitSpecial: 13}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("units by type (-want +got):\n%s", diff)
	}
	if perProvince != 3321 || len(u.AllCommunes()) != 3321 {
		t.Errorf("communes: %d by province, %d in all; want 3321", perProvince, len(u.AllCommunes()))
	}
}

func TestLoadUnitsBeforeReform(t *testing.T) {
	_, err := LoadUnits(time.Date(2025, 6, 30, 23, 0, 0, 0, time.UTC))
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("LoadUnits before 2025-07-01: err = %v, want ErrNotFound", err)
	}
	if eds := UnitEditions(); len(eds) == 0 || eds[0].Format("2006-01-02") != "2025-07-01" {
		t.Errorf("UnitEditions = %v, want 2025-07-01 first", eds)
	}
}

func TestUnitsLookups(t *testing.T) {
	u := loadTestUnits(t)
	tests := []struct {
		name string
		got  func() (string, error)
		want string
		err  error
	}{
		{"province by code", func() (string, error) { p, err := u.Province("01"); return p.FullName(), err }, "Thành phố Hà Nội", nil},
		{"province Cà Mau", func() (string, error) { p, err := u.Province("96"); return p.FullName(), err }, "Tỉnh Cà Mau", nil},
		{"unknown province", func() (string, error) { p, err := u.Province("02"); return p.Name, err }, "", ErrNotFound},
		{"commune by code", func() (string, error) { c, err := u.Commune("00004"); return c.FullName(), err }, "Phường Ba Đình", nil},
		{"special zone", func() (string, error) { c, err := u.FindCommune("79", "Côn Đảo"); return c.FullName(), err }, "Đặc khu Côn Đảo", nil},
		{"unknown commune", func() (string, error) { c, err := u.Commune("99999"); return c.Name, err }, "", ErrNotFound},
		{"province of commune", func() (string, error) { return u.ProvinceOfCommune("32248") }, "96", nil},
		{"find commune with type word", func() (string, error) { c, err := u.FindCommune("01", "Phường Ba Đình"); return c.Code, err }, "00004", nil},
		{"find commune without diacritics", func() (string, error) { c, err := u.FindCommune("01", "phuong ba dinh"); return c.Code, err }, "00004", nil},
		{"find commune in the wrong province", func() (string, error) { c, err := u.FindCommune("79", "Ba Đình"); return c.Code, err }, "", ErrNotFound},
		{"find province by name", func() (string, error) { p, err := u.FindProvince("ho chi minh"); return p.Code, err }, "79", nil},
		{"find province by full name", func() (string, error) { p, err := u.FindProvince("Tỉnh Cà Mau"); return p.Code, err }, "96", nil},
		{"find province by code", func() (string, error) { p, err := u.FindProvince("48"); return p.Name, err }, "Đà Nẵng", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.got()
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSearchCommunes(t *testing.T) {
	u := loadTestUnits(t)
	names := func(cs []Commune) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.FullName()+" "+c.ProvinceCode)
		}
		return out
	}
	tests := []struct {
		name     string
		q, prov  string
		limit    int
		want     []string
		contains string // when the full result is too long to list: every name contains it
	}{
		{name: "exact with diacritics", q: "Ba Đình", prov: "01", limit: 5, want: []string{"Phường Ba Đình 01"}},
		{name: "without diacritics", q: "ba dinh", prov: "01", limit: 5, want: []string{"Phường Ba Đình 01"}},
		{name: "by code prefix", q: "0000", limit: 3, want: []string{"Phường Ba Đình 01", "Phường Ngọc Hà 01"}},
		{name: "limit", q: "an", limit: 4, contains: "an"},
		{name: "diacritics are exact", q: "Côn Đảo", limit: 5, want: []string{"Đặc khu Côn Đảo 79"}},
		{name: "nothing", q: "zzzz", limit: 5},
		{name: "empty query", q: " ", limit: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := u.SearchCommunes(tt.q, tt.prov, tt.limit)
			if tt.contains != "" {
				if len(got) != tt.limit {
					t.Fatalf("got %d results, want %d", len(got), tt.limit)
				}
				for _, c := range got {
					if !strings.Contains(Fold(c.FullName()), tt.contains) {
						t.Errorf("%s does not contain %q", c.FullName(), tt.contains)
					}
				}
				return
			}
			if diff := cmp.Diff(tt.want, names(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseUnitsErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"commune before its province", "code,type,name,province_code\n00004,phường,Ba Đình,01\n", "line 2: commune 00004 in unknown province \"01\""},
		{"duplicate commune", "code,type,name,province_code\n01,thành phố,Hà Nội,\n00004,phường,A,01\n00004,xã,B,01\n", "line 4: commune 00004 twice"},
		{"district level", "code,type,name,province_code\n01,thành phố,Hà Nội,\n001,quận,Ba Đình,01\n", "line 3: \"001\" is not a valid unit"},
		{"bad code", "code,type,name,province_code\nx1,tỉnh,A,\n", "line 2: bad code"},
		{"wrong column count", "code,type,name,province_code\n01,tỉnh,A\n", "wrong number of fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseUnits(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
