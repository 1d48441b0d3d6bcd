package merchants

import "context"

// CountSums is the sum of the counts of a set of markets: a commune, a
// province or the whole country.
type CountSums struct {
	Markets            int64 `json:"markets"`
	StallsDeclared     int64 `json:"stalls_declared"`
	StallsActive       int64 `json:"stalls_active"`
	StallsWithQR       int64 `json:"stalls_with_qr"`
	Vendors            int64 `json:"vendors"`
	VendorsWithQR      int64 `json:"vendors_with_qr"`
	SignsPrinted       int64 `json:"signs_printed"`
	VendorsTransacting int64 `json:"vendors_transacting"`
}

// Add counts one more market.
func (s *CountSums) Add(c MarketCounts) {
	s.Markets++
	s.StallsDeclared += c.StallsDeclared
	s.StallsActive += c.StallsActive
	s.StallsWithQR += c.StallsWithQR
	s.Vendors += c.Vendors
	s.VendorsWithQR += c.VendorsWithQR
	s.SignsPrinted += c.SignsPrinted
	s.VendorsTransacting += c.VendorsTransacting
}

// AdoptionCounters is the Counters the adoption service needs: the held
// market counts plus the unit totals kept in step with them.
type AdoptionCounters interface {
	Counters
	// Totals returns the held sums of the filter's unit: its commune, else
	// its province, else the whole country (MarketIDs are ignored). It
	// returns ErrCountersCold and ErrCountersUnavailable like Markets.
	Totals(ctx context.Context, f UnitFilter) (CountSums, error)
}
