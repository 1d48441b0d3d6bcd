package merchants

import (
	"bytes"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// unitFiles holds the editions of the administrative units, one CSV file
// per date they came into force; units/SOURCE.md says where each came from.
//
//go:embed units/units-*.csv
var unitFiles embed.FS

// UnitType is the kind of an administrative unit, as its official name
// starts ("Thành phố Hà Nội", "Xã Đất Mũi").
type UnitType string

// Unit types since the reform of 1 July 2025: two levels, no districts.
const (
	UnitProvince UnitType = "tỉnh"      // province
	UnitCity     UnitType = "thành phố" // centrally-run city, province level
	UnitCommune  UnitType = "xã"        // rural commune
	UnitWard     UnitType = "phường"    // urban ward, commune level
	UnitSpecial  UnitType = "đặc khu"   // special zone (islands), commune level
)

// ProvinceLevel reports whether t is a province-level type.
func (t UnitType) ProvinceLevel() bool { return t == UnitProvince || t == UnitCity }

// CommuneLevel reports whether t is a commune-level type.
func (t UnitType) CommuneLevel() bool { return t == UnitCommune || t == UnitWard || t == UnitSpecial }

// Title returns t as it starts an official name: "Thành phố", "Đặc khu".
func (t UnitType) Title() string {
	s := string(t)
	for i, r := range s {
		if i == 0 {
			return strings.ToUpper(string(r)) + s[len(string(r)):]
		}
	}
	return s
}

// Province is a province-level unit: a tỉnh or a centrally-run city.
type Province struct {
	Code string   // official two-digit code, "01"
	Name string   // without its type word, NFC: "Hà Nội"
	Type UnitType // UnitProvince or UnitCity
}

// FullName returns the official name: "Thành phố Hà Nội", "Tỉnh Cà Mau".
func (p Province) FullName() string { return p.Type.Title() + " " + p.Name }

// Commune is a commune-level unit: a xã, phường or đặc khu.
type Commune struct {
	Code         string   // official five-digit code, "00004"
	Name         string   // without its type word, NFC: "Ba Đình"
	Type         UnitType // UnitCommune, UnitWard or UnitSpecial
	ProvinceCode string
}

// FullName returns the official name: "Phường Ba Đình".
func (c Commune) FullName() string { return c.Type.Title() + " " + c.Name }

// Units is one edition of the administrative units: every province and
// commune-level unit in force from its effective date. It is read-only
// and safe for concurrent use. It implements UnitResolver.
type Units struct {
	effective time.Time
	source    string
	provinces []Province
	communes  []Commune // by code
	province  map[string]int
	commune   map[string]int
	folded    []string // Fold(FullName()) of each commune, for search
}

var _ UnitResolver = (*Units)(nil)

// unitEditionLayout is the date in an edition's file name.
const unitEditionLayout = "2006-01-02"

// UnitEditions returns the effective dates of the embedded editions,
// oldest first.
func UnitEditions() []time.Time {
	names, _ := fsGlob() // the embedded directory always exists
	var out []time.Time
	for _, n := range names {
		if t, err := editionDate(n); err == nil {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// fsGlob lists the embedded edition files.
func fsGlob() ([]string, error) {
	entries, err := unitFiles.ReadDir("units")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

func editionDate(name string) (time.Time, error) {
	d := strings.TrimSuffix(strings.TrimPrefix(name, "units-"), ".csv")
	return time.Parse(unitEditionLayout, d)
}

// LoadUnits returns the edition of the administrative units in force at
// the given time: the newest embedded edition effective on or before it.
// It returns an error wrapping ErrNotFound when no edition was in force
// yet, and an error naming the file and line when an edition is malformed
// (which the tests of this package rule out).
func LoadUnits(at time.Time) (*Units, error) {
	var best string
	var bestDate time.Time
	names, err := fsGlob()
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		d, err := editionDate(n)
		if err != nil {
			return nil, fmt.Errorf("units edition %s: file name must be units-YYYY-MM-DD.csv", n)
		}
		if !d.After(at) && (best == "" || d.After(bestDate)) {
			best, bestDate = n, d
		}
	}
	if best == "" {
		return nil, fmt.Errorf("administrative units in force on %s: %w", at.Format(unitEditionLayout), ErrNotFound)
	}
	data, err := unitFiles.ReadFile(path.Join("units", best))
	if err != nil {
		return nil, err
	}
	u, err := parseUnits(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("units edition %s: %w", best, err)
	}
	u.effective, u.source = bestDate, "merchants/units/"+best
	return u, nil
}

// parseUnits reads an edition: code,type,name,province_code with a header,
// provinces (empty province_code) before the communes that refer to them.
func parseUnits(r io.Reader) (*Units, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	u := &Units{province: map[string]int{}, commune: map[string]int{}}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		code, typ, name, prov := rec[0], UnitType(rec[1]), norm.NFC.String(rec[2]), rec[3]
		if name == "" || strings.Trim(code, "0123456789") != "" {
			return nil, fmt.Errorf("line %d: bad code %q or empty name", line, code)
		}
		switch {
		case typ.ProvinceLevel() && prov == "" && len(code) == 2:
			if _, dup := u.province[code]; dup {
				return nil, fmt.Errorf("line %d: province %s twice", line, code)
			}
			u.province[code] = len(u.provinces)
			u.provinces = append(u.provinces, Province{Code: code, Name: name, Type: typ})
		case typ.CommuneLevel() && len(code) == 5:
			if _, ok := u.province[prov]; !ok {
				return nil, fmt.Errorf("line %d: commune %s in unknown province %q", line, code, prov)
			}
			if _, dup := u.commune[code]; dup {
				return nil, fmt.Errorf("line %d: commune %s twice", line, code)
			}
			u.commune[code] = len(u.communes)
			c := Commune{Code: code, Name: name, Type: typ, ProvinceCode: prov}
			u.communes = append(u.communes, c)
			u.folded = append(u.folded, Fold(c.FullName()))
		default:
			return nil, fmt.Errorf("line %d: %q is not a valid unit (type %q, province %q)", line, code, typ, prov)
		}
	}
	return u, nil
}

// Effective returns the date this edition came into force.
func (u *Units) Effective() time.Time { return u.effective }

// Source returns the embedded file this edition was read from; its
// provenance is in merchants/units/SOURCE.md.
func (u *Units) Source() string { return u.source }

// Provinces returns every province, by code.
func (u *Units) Provinces() []Province { return slices.Clone(u.provinces) }

// Province returns the province with the code. It returns an error
// wrapping ErrNotFound when there is none in this edition.
func (u *Units) Province(code string) (Province, error) {
	i, ok := u.province[code]
	if !ok {
		return Province{}, fmt.Errorf("province %q: %w", code, ErrNotFound)
	}
	return u.provinces[i], nil
}

// Commune returns the commune-level unit with the code. It returns an
// error wrapping ErrNotFound when there is none in this edition.
func (u *Units) Commune(code string) (Commune, error) {
	i, ok := u.commune[code]
	if !ok {
		return Commune{}, fmt.Errorf("commune %q: %w", code, ErrNotFound)
	}
	return u.communes[i], nil
}

// AllCommunes returns every commune-level unit, by code.
func (u *Units) AllCommunes() []Commune { return slices.Clone(u.communes) }

// Communes returns the commune-level units of a province, by code. It
// returns an error wrapping ErrNotFound for an unknown province.
func (u *Units) Communes(provinceCode string) ([]Commune, error) {
	if _, err := u.Province(provinceCode); err != nil {
		return nil, err
	}
	var out []Commune
	for _, c := range u.communes {
		if c.ProvinceCode == provinceCode {
			out = append(out, c)
		}
	}
	return out, nil
}

// ProvinceOfCommune returns the code of the province of a commune. It
// returns an error wrapping ErrNotFound for a code not in force.
func (u *Units) ProvinceOfCommune(communeCode string) (string, error) {
	c, err := u.Commune(communeCode)
	return c.ProvinceCode, err
}

// ErrAmbiguousUnit means a name matches more than one unit; give the code.
var ErrAmbiguousUnit = errors.New("more than one unit has this name")

// FindCommune finds a commune of a province by name, as a spreadsheet
// writes it: with or without its type word ("Phường Ba Đình", "Ba Đình"),
// with or without diacritics. An exact match (diacritics included) wins
// over a match without them. It returns an error wrapping ErrNotFound when
// nothing matches and ErrAmbiguousUnit when several units do.
func (u *Units) FindCommune(provinceCode, name string) (Commune, error) {
	name = cleanText(name)
	lower := strings.ToLower(name)
	folded := Fold(name)
	var exact, loose []Commune
	for i, c := range u.communes {
		if c.ProvinceCode != provinceCode {
			continue
		}
		switch {
		case lower == strings.ToLower(c.FullName()) || lower == strings.ToLower(c.Name):
			exact = append(exact, c)
		case folded == u.folded[i] || folded == Fold(c.Name):
			loose = append(loose, c)
		}
	}
	for _, found := range [][]Commune{exact, loose} {
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		default:
			codes := make([]string, len(found))
			for i, c := range found {
				codes[i] = c.Code + " " + c.FullName()
			}
			return Commune{}, fmt.Errorf("commune %q in province %s: %w: %s", name, provinceCode, ErrAmbiguousUnit, strings.Join(codes, ", "))
		}
	}
	return Commune{}, fmt.Errorf("commune %q in province %s: %w", name, provinceCode, ErrNotFound)
}

// FindProvince finds a province by code or name, with or without its type
// word and diacritics ("Thành phố Hồ Chí Minh", "ho chi minh", "79"). It
// returns an error wrapping ErrNotFound when nothing matches.
func (u *Units) FindProvince(s string) (Province, error) {
	s = cleanText(s)
	if p, err := u.Province(s); err == nil {
		return p, nil
	}
	folded := Fold(s)
	for _, p := range u.provinces {
		if folded == Fold(p.Name) || folded == Fold(p.FullName()) {
			return p, nil
		}
	}
	return Province{}, fmt.Errorf("province %q: %w", s, ErrNotFound)
}

// SearchCommunes returns up to limit commune-level units whose code starts
// with q or whose official name contains q, in the province when
// provinceCode is not empty. A query typed without diacritics matches
// names with any ("ba dinh" finds "Phường Ba Đình"); one typed with
// diacritics matches them exactly ("Hòa" does not find "Hóa"). Names that
// start with the query come first, then by code.
func (u *Units) SearchCommunes(q, provinceCode string, limit int) []Commune {
	q = cleanText(q)
	if q == "" || limit <= 0 {
		return nil
	}
	folded := Fold(q)
	plain := folded == strings.ToLower(q) // typed without diacritics
	lower := strings.ToLower(q)
	var first, rest []Commune
	for i, c := range u.communes {
		if provinceCode != "" && c.ProvinceCode != provinceCode {
			continue
		}
		var name, bare, key string
		if plain {
			name, bare, key = u.folded[i], Fold(c.Name), folded
		} else {
			name, bare, key = strings.ToLower(c.FullName()), strings.ToLower(c.Name), lower
		}
		switch {
		case strings.HasPrefix(c.Code, q), strings.HasPrefix(bare, key), strings.HasPrefix(name, key):
			first = append(first, c)
		case strings.Contains(name, key):
			rest = append(rest, c)
		}
		if len(first) >= limit {
			break
		}
	}
	out := append(first, rest...)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}
