package rediscounters

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sapqr/sapqr/merchants"
)

// checkCounts rejects counts the counters cannot hold, before anything is
// written: a batch is applied whole or not at all.
func checkCounts(counts []merchants.MarketCounts) error {
	for _, c := range counts {
		switch {
		case c.MarketID <= 0:
			return fmt.Errorf("counters: market ID %d: want a positive ID", c.MarketID)
		case !validCode(c.ProvinceCode):
			return fmt.Errorf("counters: market %d: province code %q: want a non-empty code without ',' or ':'", c.MarketID, c.ProvinceCode)
		case !validCode(c.CommuneCode):
			return fmt.Errorf("counters: market %d: commune code %q: want a non-empty code without ',' or ':'", c.MarketID, c.CommuneCode)
		case c.Version < 0:
			return fmt.Errorf("counters: market %d: version %d: want zero or more", c.MarketID, c.Version)
		}
		for i, n := range countFields(c) {
			if n < 0 {
				return fmt.Errorf("counters: market %d: %s is %d: counts cannot be negative", c.MarketID, metricNames[i], n)
			}
		}
	}
	return nil
}

func validCode(s string) bool {
	return s != "" && !strings.ContainsAny(s, ",:")
}

// metricNames are the names of the counts in records and totals, in the
// order of countFields.
var metricNames = [7]string{"declared", "active", "stalls_qr", "vendors", "vendors_qr", "signs", "transacting"}

func countFields(c merchants.MarketCounts) [7]int64 {
	return [7]int64{c.StallsDeclared, c.StallsActive, c.StallsWithQR, c.Vendors, c.VendorsWithQR, c.SignsPrinted, c.VendorsTransacting}
}

func setCountFields(c *merchants.MarketCounts, f [7]int64) {
	c.StallsDeclared, c.StallsActive, c.StallsWithQR = f[0], f[1], f[2]
	c.Vendors, c.VendorsWithQR, c.SignsPrinted, c.VendorsTransacting = f[3], f[4], f[5], f[6]
}

// parseRecord decodes a held record "version,commune,7 counts".
func parseRecord(id, province, rec string) (merchants.MarketCounts, error) {
	var c merchants.MarketCounts
	parts := strings.Split(rec, ",")
	if len(parts) != 9 {
		return c, fmt.Errorf("market %s: record %q has %d fields, want 9", id, rec, len(parts))
	}
	var err error
	if c.MarketID, err = strconv.ParseInt(id, 10, 64); err != nil {
		return c, fmt.Errorf("market ID %q: %w", id, err)
	}
	if c.Version, err = strconv.ParseInt(parts[0], 10, 64); err != nil {
		return c, fmt.Errorf("market %s: version: %w", id, err)
	}
	c.ProvinceCode, c.CommuneCode = province, parts[1]
	var f [7]int64
	for i := range f {
		if f[i], err = strconv.ParseInt(parts[2+i], 10, 64); err != nil {
			return c, fmt.Errorf("market %s: %s: %w", id, metricNames[i], err)
		}
	}
	setCountFields(&c, f)
	return c, nil
}

// idSet returns the filter's market IDs as a set, nil when it has none.
func idSet(ids []int64) map[int64]bool {
	if len(ids) == 0 {
		return nil
	}
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}
