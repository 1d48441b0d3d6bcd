package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/deploy/harness"
)

// fakeVendors serves GET /api/v1/vendors from rows, two per page, and the
// adoption of each market from counts.
func fakeVendors(t *testing.T, rows []storedVendor, counts map[int64]adoption) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := strings.CutPrefix(r.URL.Path, "/api/v1/markets/"); ok {
			m, _ := strconv.ParseInt(strings.TrimSuffix(id, "/adoption"), 10, 64)
			json.NewEncoder(w).Encode(counts[m])
			return
		}
		q := r.URL.Query()
		market, _ := strconv.ParseInt(q.Get("market"), 10, 64)
		after, _ := strconv.Atoi(q.Get("cursor"))
		var match []storedVendor
		for _, v := range rows {
			if v.MarketID == market && v.Status == q.Get("status") {
				match = append(match, v)
			}
		}
		page := struct {
			Items      []storedVendor `json:"items"`
			NextCursor string         `json:"next_cursor,omitempty"`
		}{Items: []storedVendor{}}
		end := min(after+2, len(match))
		page.Items = append(page.Items, match[after:end]...)
		if end < len(match) {
			page.NextCursor = strconv.Itoa(end)
		}
		json.NewEncoder(w).Encode(page)
	}))
}

func acked(seq int64, market int64, stall string, id int64) registration {
	return registration{seq: seq, market: market, stall: stall, id: id,
		result: harness.Result{Response: harness.Response{Status: 201}, Attempts: []harness.Attempt{{Kind: "201"}}}}
}

func failed(seq int64, market int64, stall string) registration {
	return registration{seq: seq, market: market, stall: stall,
		result: harness.Result{Response: harness.Response{Status: 409}, Attempts: []harness.Attempt{{Kind: "503 unavailable"}, {Kind: "409 conflict"}}}}
}

func TestVerifyClassifiesWhatTheDatabaseHolds(t *testing.T) {
	regs := []registration{
		acked(1, 10, "D1", 101), // stored: fine
		acked(2, 10, "D2", 102), // stored twice: duplicated
		acked(3, 10, "D3", 103), // not stored: lost
		acked(4, 20, "D4", 104), // another vendor on its stall: lost
		failed(5, 20, "D5"),     // not acknowledged yet stored
		failed(6, 20, "D6"),     // not acknowledged, not stored: fine
		acked(7, 20, "D7", 107), // stored (five rows make three pages)
	}
	rows := []storedVendor{
		{ID: 101, MarketID: 10, StallCode: "D1", Status: "active"},
		{ID: 102, MarketID: 10, StallCode: "D2", Status: "active"},
		{ID: 112, MarketID: 10, StallCode: "D2", Status: "inactive"},
		{ID: 999, MarketID: 20, StallCode: "D4", Status: "active"},
		{ID: 105, MarketID: 20, StallCode: "D5", Status: "active"},
		{ID: 107, MarketID: 20, StallCode: "D7", Status: "active"},
		{ID: 500, MarketID: 20, StallCode: "Z9", Status: "active"},
	}
	srv := fakeVendors(t, rows, nil)
	defer srv.Close()
	c := &harness.Client{HTTP: harness.NewHTTPClient(2, 5*time.Second), Base: srv.URL}
	v, err := verify(context.Background(), c, []int64{10, 20}, regs)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{"attempted": v.attempted, "acked": v.acked, "lost": v.lost, "duplicated": v.duplicated,
		"storedUnacked": v.storedUnacked, "unexpected": v.unexpected, "active 10": v.active[10], "active 20": v.active[20]}
	want := map[string]int{"attempted": 7, "acked": 5, "lost": 2, "duplicated": 1,
		"storedUnacked": 1, "unexpected": 1, "active 10": 2, "active 20": 4}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("verdict (-want +got):\n%s", diff)
	}
	if len(v.examples) == 0 {
		t.Error("no examples to show what went wrong")
	}
}

// TestVerifyReadsEveryStallAVendorHolds: a vendor is found at each stall
// of its "stalls" (at its stall_code when the answer has none), so a stall
// two active vendors hold is seen whichever of their stalls it is, and a
// registered vendor with one more stall is not unexpected.
func TestVerifyReadsEveryStallAVendorHolds(t *testing.T) {
	stalls := func(codes ...string) []storedStall {
		var out []storedStall
		for i, c := range codes {
			out = append(out, storedStall{StallID: int64(i + 1), StallCode: c})
		}
		return out
	}
	regs := []registration{
		acked(1, 10, "D1", 101), // holds D1 and X1
		acked(2, 10, "D2", 102), // holds D2, and X1 too: X1 shared
		acked(3, 10, "D3", 103), // moved to D9, D3 released: lost
		acked(4, 10, "D4", 104), // an older server: stall_code only
		acked(5, 10, "D5", 105), // inactive, found at its last main stall: lost, not unexpected
	}
	rows := []storedVendor{
		{ID: 101, MarketID: 10, StallCode: "D1", Stalls: stalls("D1", "X1"), Status: "active"},
		{ID: 102, MarketID: 10, StallCode: "D2", Stalls: stalls("D2", "X1"), Status: "active"},
		{ID: 103, MarketID: 10, StallCode: "D9", Stalls: stalls("D9"), Status: "active"},
		{ID: 104, MarketID: 10, StallCode: "D4", Status: "active"},
		{ID: 105, MarketID: 10, StallCode: "D5", Stalls: []storedStall{}, Status: "inactive"},
		{ID: 106, MarketID: 10, StallCode: "D6", Stalls: stalls("D6", "D7"), Status: "active"},
	}
	srv := fakeVendors(t, rows, nil)
	defer srv.Close()
	c := &harness.Client{HTTP: harness.NewHTTPClient(2, 5*time.Second), Base: srv.URL}
	v, err := verify(context.Background(), c, []int64{10}, regs)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{"acked": v.acked, "lost": v.lost, "duplicated": v.duplicated, "storedUnacked": v.storedUnacked,
		"unexpected": v.unexpected, "shared": v.shared, "active": v.active[10], "held": v.held[10]}
	want := map[string]int{"acked": 5, "lost": 2, "duplicated": 0, "storedUnacked": 0,
		"unexpected": 2, "shared": 1, "active": 5, "held": 8}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("verdict (-want +got):\n%s", diff)
	}
	if !slices.ContainsFunc(v.examples, func(e string) bool { return strings.Contains(e, "stall 10/X1 is held by 2 active vendors [101 102]") }) {
		t.Errorf("no example names the shared stall: %q", v.examples)
	}
}

func TestDriftComparesCountersWithTheDatabase(t *testing.T) {
	counts := map[int64]adoption{
		10: {StallsActive: 2, Vendors: 2, VendorsWithQR: 2, Source: "cache"},
		20: {StallsActive: 4, Vendors: 3, VendorsWithQR: 5, Source: "cache"},
	}
	srv := fakeVendors(t, nil, counts)
	defer srv.Close()
	c := &harness.Client{HTTP: harness.NewHTTPClient(2, 5*time.Second), Base: srv.URL}
	d, sources, notes, err := drift(context.Background(), []*harness.Client{c, c}, []int64{10, 20}, map[int64]int{10: 2, 20: 4}, map[int64]int{10: 2, 20: 4}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Market 20 is off by one vendor and one vendor with QR, on each of
	// the two servers.
	if d != 4 {
		t.Errorf("drift = %d, want 4", d)
	}
	if diff := cmp.Diff(map[string]int{"cache": 4}, sources); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	if len(notes) != 2 || !strings.Contains(notes[0], "market 20") {
		t.Errorf("notes = %q, want two about market 20", notes)
	}
}
