package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sapqr/sapqr/deploy/harness"
)

// storedVendor is a vendor as the database has it, read back through the
// API's list (which reads the database, never the counters).
type storedVendor struct {
	ID       int64 `json:"id"`
	MarketID int64 `json:"market_id"`
	// StallCode is the vendor's main stall: the one it holds, or last held
	// when inactive.
	StallCode string `json:"stall_code"`
	// Stalls are the stalls an active vendor holds, main first: none for
	// an inactive vendor, absent from a server older than stall holdings.
	Stalls []storedStall `json:"stalls,omitempty"`
	Status string        `json:"status"`
}

// storedStall is a stall a vendor holds.
type storedStall struct {
	StallID   int64  `json:"stall_id"`
	StallCode string `json:"stall_code"`
}

// stallCodes returns the codes of the stalls the vendor holds, or, when the
// answer lists none (an inactive vendor, an older server), its main stall.
func (sv storedVendor) stallCodes() []string {
	if len(sv.Stalls) == 0 {
		return []string{sv.StallCode}
	}
	var codes []string
	for _, st := range sv.Stalls {
		if !slices.Contains(codes, st.StallCode) {
			codes = append(codes, st.StallCode)
		}
	}
	return codes
}

// listVendors returns every vendor of market with status, page by page.
func listVendors(ctx context.Context, c *harness.Client, market int64, status string) ([]storedVendor, error) {
	var all []storedVendor
	cursor := ""
	for {
		q := url.Values{"market": {strconv.FormatInt(market, 10)}, "status": {status}, "limit": {"200"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Items      []storedVendor `json:"items"`
			NextCursor string         `json:"next_cursor"`
		}
		if err := c.Call(ctx, http.MethodGet, "/api/v1/vendors?"+q.Encode(), nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all, nil
		}
		cursor = page.NextCursor
	}
}

// verdict is what the database says about the registrations a drill made.
type verdict struct {
	attempted int
	acked     int
	// lost: acknowledged, but the database has no vendor on that stall, or
	// another one than acknowledged.
	lost int
	// duplicated: more than one vendor row for one registration (its stall),
	// active or not.
	duplicated int
	// storedUnacked: not acknowledged (the client gave up or got an error)
	// but stored: the client would believe it failed.
	storedUnacked int
	// unexpected: vendors on drill markets no registration accounts for.
	unexpected int
	// shared: stalls more than one active vendor holds, against the rule
	// "one active vendor per stall".
	shared int
	// active is the number of active vendors per market.
	active map[int64]int
	// held is the number of stalls active vendors hold, per market.
	held     map[int64]int
	examples []string
}

// verify reads every vendor of the markets back and matches them with the
// registrations. A vendor is found at every stall it holds (the vendor
// answer's stalls), or at its stall_code when the answer lists none.
func verify(ctx context.Context, c *harness.Client, markets []int64, regs []registration) (verdict, error) {
	v := verdict{attempted: len(regs), active: map[int64]int{}, held: map[int64]int{}}
	byStall := map[string][]storedVendor{} // market/stall → rows
	key := func(market int64, stall string) string { return strconv.FormatInt(market, 10) + "/" + stall }
	var all []storedVendor
	for _, m := range markets {
		for _, status := range []string{"active", "inactive"} {
			vs, err := listVendors(ctx, c, m, status)
			if err != nil {
				return v, err
			}
			for _, sv := range vs {
				all = append(all, sv)
				for _, code := range sv.stallCodes() {
					byStall[key(m, code)] = append(byStall[key(m, code)], sv)
				}
				if sv.Status == "active" {
					v.active[m]++
					v.held[m] += len(sv.stallCodes())
				}
			}
		}
	}
	example := func(format string, args ...any) {
		if len(v.examples) < 5 {
			v.examples = append(v.examples, fmt.Sprintf(format, args...))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(byStall)) {
		var holders []int64
		for _, sv := range byStall[k] {
			if sv.Status == "active" {
				holders = append(holders, sv.ID)
			}
		}
		if len(holders) > 1 {
			v.shared++
			example("stall %s is held by %d active vendors %v", k, len(holders), holders)
		}
	}
	accounted := map[int64]bool{} // vendors on a registration's stall
	for _, r := range regs {
		k := key(r.market, r.stall)
		rows := byStall[k]
		for _, sv := range rows {
			accounted[sv.ID] = true
		}
		if len(rows) > 1 {
			v.duplicated++
			example("registration %d (stall %s): %d vendor rows", r.seq, r.stall, len(rows))
		}
		if r.result.Acked() {
			v.acked++
			if !slices.ContainsFunc(rows, func(sv storedVendor) bool { return sv.ID == r.id && sv.Status == "active" }) {
				v.lost++
				example("registration %d acknowledged as vendor %d; stall %s holds %v", r.seq, r.id, r.stall, rows)
			}
		} else if len(rows) > 0 {
			v.storedUnacked++
			example("registration %d ended with %q after %d attempts but vendor %d is stored", r.seq, lastKind(r.result), len(r.result.Attempts), rows[0].ID)
		}
	}
	for _, sv := range all {
		if !accounted[sv.ID] {
			v.unexpected++
			example("vendor %d on %d/%s matches no registration", sv.ID, sv.MarketID, strings.Join(sv.stallCodes(), ","))
		}
	}
	return v, nil
}

func lastKind(r harness.Result) string {
	if len(r.Attempts) == 0 {
		return "no attempt"
	}
	return r.Attempts[len(r.Attempts)-1].Kind
}

// adoption is the part of GET /markets/{id}/adoption the drills compare.
type adoption struct {
	StallsActive  int    `json:"stalls_active"`
	Vendors       int    `json:"vendors"`
	VendorsWithQR int    `json:"vendors_with_qr"`
	Source        string `json:"source"`
}

// drift compares each market's counters, as each server serves them, with
// the database: vendors and vendors with QR with the active vendors (every
// drill vendor has a bank account), active stalls with the stalls they
// hold (a drill's stalls are made active by the registration that holds
// them, and none is released). It waits up to settle for the counters to
// be served from the cache (Redis) again, since right after an outage they
// may come from the database while being rebuilt. It returns the summed
// absolute difference, the sources seen and any mismatch described.
func drift(ctx context.Context, clients []*harness.Client, markets []int64, active, held map[int64]int, settle time.Duration) (int, map[string]int, []string, error) {
	total := 0
	sources := map[string]int{}
	var notes []string
	for _, m := range markets {
		want, stalls := active[m], held[m]
		for i, c := range clients {
			var a adoption
			deadline := time.Now().Add(settle)
			for {
				if err := c.Call(ctx, http.MethodGet, "/api/v1/markets/"+strconv.FormatInt(m, 10)+"/adoption", nil, &a); err != nil {
					return 0, nil, nil, err
				}
				if a.Source == "cache" || time.Now().After(deadline) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			sources[a.Source]++
			d := abs(a.Vendors-want) + abs(a.VendorsWithQR-want) + abs(a.StallsActive-stalls)
			if d != 0 && len(notes) < 5 {
				notes = append(notes, fmt.Sprintf("market %d via server %d (%s): vendors %d, with QR %d, stalls active %d; database %d vendors holding %d stalls",
					m, i+1, a.Source, a.Vendors, a.VendorsWithQR, a.StallsActive, want, stalls))
			}
			total += d
		}
	}
	return total, sources, notes, nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
