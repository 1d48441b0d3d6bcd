package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/sapqr/sapqr/deploy/harness"
)

// storedVendor is a vendor as the database has it, read back through the
// API's list (which reads the database, never the counters).
type storedVendor struct {
	ID        int64  `json:"id"`
	MarketID  int64  `json:"market_id"`
	StallCode string `json:"stall_code"`
	Status    string `json:"status"`
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
	// active is the number of active vendors per market.
	active   map[int64]int
	examples []string
}

// verify reads every vendor of the markets back and matches them with the
// registrations.
func verify(ctx context.Context, c *harness.Client, markets []int64, regs []registration) (verdict, error) {
	v := verdict{attempted: len(regs), active: map[int64]int{}}
	byStall := map[string][]storedVendor{} // market/stall → rows
	key := func(market int64, stall string) string { return strconv.FormatInt(market, 10) + "/" + stall }
	for _, m := range markets {
		for _, status := range []string{"active", "inactive"} {
			vs, err := listVendors(ctx, c, m, status)
			if err != nil {
				return v, err
			}
			for _, sv := range vs {
				byStall[key(m, sv.StallCode)] = append(byStall[key(m, sv.StallCode)], sv)
				if sv.Status == "active" {
					v.active[m]++
				}
			}
		}
	}
	example := func(format string, args ...any) {
		if len(v.examples) < 5 {
			v.examples = append(v.examples, fmt.Sprintf(format, args...))
		}
	}
	seen := map[string]bool{}
	for _, r := range regs {
		k := key(r.market, r.stall)
		seen[k] = true
		rows := byStall[k]
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
	for k, rows := range byStall {
		if !seen[k] {
			v.unexpected += len(rows)
			example("vendor %d on %s matches no registration", rows[0].ID, k)
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
// the database. It waits up to settle for the counters to be served from
// the cache (Redis) again, since right after an outage they may come from
// the database while being rebuilt. It returns the summed absolute
// difference, the sources seen and any mismatch described.
func drift(ctx context.Context, clients []*harness.Client, markets []int64, active map[int64]int, settle time.Duration) (int, map[string]int, []string, error) {
	total := 0
	sources := map[string]int{}
	var notes []string
	for _, m := range markets {
		want := active[m]
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
			d := abs(a.Vendors-want) + abs(a.VendorsWithQR-want) + abs(a.StallsActive-want)
			if d != 0 && len(notes) < 5 {
				notes = append(notes, fmt.Sprintf("market %d via server %d (%s): vendors %d, with QR %d, stalls active %d; database %d",
					m, i+1, a.Source, a.Vendors, a.VendorsWithQR, a.StallsActive, want))
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
