package qr

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// banksJSON is the bank directory: the State Bank of Vietnam's BIN list
// (letter 1589/NHNN-TT) merged with the vietqr.io and vietnam-qr-pay
// directories; its "sources" object says where each list comes from.
//
//go:embed banks.json
var banksJSON []byte

// Bank is one entry of the bank directory.
type Bank struct {
	BIN       string `json:"bin"`        // 6 digits, tag 38/01/00
	Code      string `json:"code"`       // e.g. "VCB"; empty when no source gives one
	ShortName string `json:"short_name"` // e.g. "Vietcombank", what signs print
	Name      string `json:"name"`       // full Vietnamese name
	SWIFT     string `json:"swift"`      // empty when unknown

	// Conflict reports that the sources put the same bank under more than
	// one BIN (CIMB: 422589 and 970459; MAFC: 970468 and 977777).
	Conflict bool `json:"conflict"`
	// Deprecated reports that this BIN is one of a Conflict pair and
	// neither VietQR directory (vietqr.io, vietnam-qr-pay) lists it: apps
	// route the bank through the other BIN. FindBank prefers the other.
	Deprecated bool   `json:"deprecated"`
	Note       string `json:"note,omitempty"` // why, from the directory
}

// directory is the parsed bank list with its indexes; it is built once
// and never modified, and callers only ever receive copies.
type directory struct {
	banks []Bank
	bins  []uint32       // banks[i].BIN as a number, ascending: lookup's index
	byKey map[string]int // lower-cased code and short name
}

var bankDirectory = sync.OnceValue(func() *directory {
	d, err := parseDirectory(banksJSON)
	if err != nil {
		// The file is embedded at build time and checked by the tests.
		panic("qr: embedded banks.json: " + err.Error())
	}
	return d
})

func parseDirectory(data []byte) (*directory, error) {
	var file struct {
		Banks []struct {
			BIN       string   `json:"bin"`
			Code      *string  `json:"code"`
			ShortName string   `json:"short_name"`
			Name      string   `json:"name"`
			SWIFT     *string  `json:"swift"`
			ListedIn  []string `json:"listed_in"`
			Note      string   `json:"note"`
		} `json:"banks"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, err
	}
	d := &directory{byKey: map[string]int{}}
	codes := map[string]int{}
	for _, e := range file.Banks {
		if len(e.BIN) != 6 || !allDigits(e.BIN) {
			return nil, fmt.Errorf("bin %q is not 6 digits", e.BIN)
		}
		if n := len(d.banks); n > 0 && e.BIN <= d.banks[n-1].BIN {
			// lookup searches the BINs in order.
			return nil, fmt.Errorf("bin %s listed twice or out of order (after %s)", e.BIN, d.banks[n-1].BIN)
		}
		b := Bank{BIN: e.BIN, ShortName: e.ShortName, Name: e.Name, Note: e.Note}
		if e.Code != nil {
			b.Code = *e.Code
		}
		if e.SWIFT != nil {
			b.SWIFT = *e.SWIFT
		}
		if b.Code != "" {
			codes[strings.ToLower(b.Code)]++
		}
		d.banks = append(d.banks, b)
	}
	d.bins = make([]uint32, len(d.banks))
	for i, b := range d.banks {
		d.bins[i], _ = binNumber(b.BIN)
	}
	for i := range d.banks {
		b := &d.banks[i]
		if b.Code != "" && codes[strings.ToLower(b.Code)] > 1 {
			b.Conflict = true
			b.Deprecated = !slices.ContainsFunc(file.Banks[i].ListedIn, func(s string) bool {
				return s == "vietqr.io" || s == "vietnam-qr-pay"
			})
		}
	}
	// Index names after the flags are known, so that a code shared by a
	// conflict pair finds the entry VietQR apps use.
	for i, b := range d.banks {
		for _, k := range []string{b.Code, b.ShortName} {
			if k == "" {
				continue
			}
			k = strings.ToLower(k)
			if j, ok := d.byKey[k]; ok && !d.banks[j].Deprecated {
				continue
			}
			d.byKey[k] = i
		}
	}
	return d, nil
}

// Banks returns a copy of the whole directory in BIN order.
func Banks() []Bank {
	return slices.Clone(bankDirectory().banks)
}

// BankByBIN returns the bank with that BIN, and false when the directory
// has none.
func BankByBIN(bin string) (Bank, bool) {
	if b := bankDirectory().lookup(bin); b != nil {
		return *b, true
	}
	return Bank{}, false
}

// lookup returns the entry for bin, or nil; the entry must not be
// modified or handed out. The decoder calls it for every payload, so it
// searches the BINs as numbers rather than hashing a string.
func (d *directory) lookup(bin string) *Bank {
	n, ok := binNumber(bin)
	if !ok {
		return nil
	}
	if i, found := slices.BinarySearch(d.bins, n); found {
		return &d.banks[i]
	}
	return nil
}

// binNumber reads a 6-digit BIN as a number; false for anything else.
func binNumber(bin string) (uint32, bool) {
	if len(bin) != 6 {
		return 0, false
	}
	var n uint32
	for i := 0; i < 6; i++ {
		c := bin[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + uint32(c)
	}
	return n, true
}

// FindBank looks q up as a BIN, a code or a short name, ignoring case and
// surrounding space ("970436", "vcb", "Vietcombank"); false when nothing
// matches. A code shared by a conflicting pair finds the BIN VietQR apps
// use.
func FindBank(q string) (Bank, bool) {
	q = strings.TrimSpace(q)
	if b, ok := BankByBIN(q); ok {
		return b, true
	}
	d := bankDirectory()
	i, ok := d.byKey[strings.ToLower(q)]
	if !ok {
		return Bank{}, false
	}
	return d.banks[i], true
}
