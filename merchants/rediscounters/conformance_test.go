package rediscounters

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sapqr/sapqr/merchants"
)

// implementation is one Counters under test: a constructor giving fresh,
// isolated counters and a way to lose everything they hold, as a Redis
// flush or a process restart does.
type implementation struct {
	name string
	open func(t *testing.T) (merchants.AdoptionCounters, func())
}

func implementations(t *testing.T) []implementation {
	impls := []implementation{{
		name: "memory",
		open: func(t *testing.T) (merchants.AdoptionCounters, func()) {
			m := NewMemory()
			return m, func() {
				m.mu.Lock()
				defer m.mu.Unlock()
				m.built = false
				clear(m.markets)
				clear(m.totals)
			}
		},
	}}
	url := os.Getenv("SAPQR_TEST_REDIS_URL")
	if url == "" {
		t.Log("SAPQR_TEST_REDIS_URL not set: Redis scenarios skipped")
		return impls
	}
	return append(impls, implementation{
		name: "redis",
		open: func(t *testing.T) (merchants.AdoptionCounters, func()) {
			r, flush := openTestRedis(t, url)
			return r, flush
		},
	})
}

// mc builds the counts of a market in commune c of province p.
func mc(id int64, p, c string, version int64, active, withQR, vendors, transacting int64) merchants.MarketCounts {
	return merchants.MarketCounts{
		MarketID: id, ProvinceCode: p, CommuneCode: c, Version: version,
		StallsDeclared: 100, StallsActive: active, StallsWithQR: withQR,
		Vendors: vendors, VendorsWithQR: withQR, SignsPrinted: withQR / 2, VendorsTransacting: transacting,
	}
}

// step is one operation on the counters.
type step struct {
	op      string // "apply", "rebuild" or "flush"
	counts  []merchants.MarketCounts
	wantErr bool // the operation must fail and change nothing
}

func apply(c ...merchants.MarketCounts) step   { return step{op: "apply", counts: c} }
func rebuild(c ...merchants.MarketCounts) step { return step{op: "rebuild", counts: c} }

var flush = step{op: "flush"}

func TestCounters(t *testing.T) {
	a1 := mc(1, "01", "00004", 1, 10, 5, 6, 1)
	a2 := mc(1, "01", "00004", 2, 12, 9, 10, 3)
	a3 := mc(1, "01", "00004", 3, 12, 11, 12, 4)
	b1 := mc(2, "01", "00008", 1, 40, 32, 35, 20)
	c1 := mc(3, "79", "26734", 1, 200, 150, 180, 90)
	d1 := mc(4, "01", "00004", 1, 7, 7, 7, 7)

	scenarios := []struct {
		name  string
		steps []step
		want  []merchants.MarketCounts // nil with cold: the counters are cold
		cold  bool
	}{
		{name: "cold before the first rebuild", steps: nil, cold: true},
		{name: "applied events stay cold until a rebuild", steps: []step{apply(a1)}, cold: true},
		{name: "empty rebuild is built", steps: []step{rebuild()}, want: nil},
		{name: "apply after rebuild", steps: []step{rebuild(), apply(a1, b1)}, want: []merchants.MarketCounts{a1, b1}},
		{name: "same event twice counts once", steps: []step{rebuild(), apply(a1), apply(a1), apply(a2), apply(a2, a2)}, want: []merchants.MarketCounts{a2}},
		{name: "older version after a newer one changes nothing", steps: []step{rebuild(), apply(a3), apply(a1), apply(a2)}, want: []merchants.MarketCounts{a3}},
		{name: "versions out of order in one batch", steps: []step{rebuild(), apply(a2, a3, a1)}, want: []merchants.MarketCounts{a3}},
		{name: "rollups over communes and provinces", steps: []step{rebuild(a1, b1), apply(c1, d1), apply(a2)}, want: []merchants.MarketCounts{a2, b1, c1, d1}},
		{name: "market moved to another commune and province", steps: []step{rebuild(a1, b1), apply(withUnit(a2, "79", "26734"))}, want: []merchants.MarketCounts{withUnit(a2, "79", "26734"), b1}},
		{name: "flush is detected", steps: []step{rebuild(a1), apply(a2), flush}, cold: true},
		{name: "apply after a flush stays cold", steps: []step{rebuild(a1), flush, apply(a2)}, cold: true},
		{name: "rebuild after a flush keeps newer applied versions", steps: []step{rebuild(a1), flush, apply(a3, b1), rebuild(a2, b1, c1)}, want: []merchants.MarketCounts{a3, b1, c1}},
		{name: "rebuild keeps a newer held version", steps: []step{rebuild(a1), apply(a3), rebuild(a2)}, want: []merchants.MarketCounts{a3}},
		{name: "rebuild repairs drift at an equal version", steps: []step{rebuild(a2), apply(b1), rebuild(drifted(a2), b1)}, want: []merchants.MarketCounts{drifted(a2), b1}},
		{name: "rebuild takes a newer version", steps: []step{rebuild(a1), rebuild(a3)}, want: []merchants.MarketCounts{a3}},
		{name: "invalid batch changes nothing", steps: []step{rebuild(a1), {op: "apply", counts: []merchants.MarketCounts{a2, mc(9, "", "00004", 1, 1, 1, 1, 1)}, wantErr: true}}, want: []merchants.MarketCounts{a1}},
		{name: "negative count refused", steps: []step{rebuild(a1), {op: "apply", counts: []merchants.MarketCounts{mc(9, "01", "00004", 1, -1, 0, 0, 0)}, wantErr: true}}, want: []merchants.MarketCounts{a1}},
		{name: "code with a comma refused", steps: []step{rebuild(a1), {op: "rebuild", counts: []merchants.MarketCounts{mc(9, "01", "0,4", 1, 1, 0, 0, 0)}, wantErr: true}}, want: []merchants.MarketCounts{a1}},
	}
	for _, impl := range implementations(t) {
		t.Run(impl.name, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					ctx := context.Background()
					c, flushAll := impl.open(t)
					for i, s := range sc.steps {
						var err error
						switch s.op {
						case "apply":
							err = c.Apply(ctx, s.counts)
						case "rebuild":
							err = c.Rebuild(ctx, s.counts)
						case "flush":
							flushAll()
						}
						if (err != nil) != s.wantErr {
							t.Fatalf("step %d %s: err = %v, want error %v", i, s.op, err, s.wantErr)
						}
					}
					checkHeld(t, c, sc.want, sc.cold)
				})
			}
		})
	}
}

func withUnit(c merchants.MarketCounts, province, commune string) merchants.MarketCounts {
	c.ProvinceCode, c.CommuneCode = province, commune
	return c
}

// drifted returns c with different counts at the same version.
func drifted(c merchants.MarketCounts) merchants.MarketCounts {
	c.Vendors++
	c.VendorsTransacting += 2
	return c
}

// checkHeld compares what the counters hold with want: every market, every
// filter and every total (national, province, commune) against the sums of
// want.
func checkHeld(t *testing.T, c merchants.AdoptionCounters, want []merchants.MarketCounts, cold bool) {
	t.Helper()
	ctx := context.Background()
	got, err := c.Markets(ctx, merchants.UnitFilter{})
	if cold {
		if !errors.Is(err, merchants.ErrCountersCold) {
			t.Fatalf("Markets = %v, %v; want ErrCountersCold", got, err)
		}
		if _, err := c.Totals(ctx, merchants.UnitFilter{}); !errors.Is(err, merchants.ErrCountersCold) {
			t.Fatalf("Totals error = %v, want ErrCountersCold", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Markets: %v", err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("held markets (-want +got):\n%s", diff)
	}

	filters := []merchants.UnitFilter{{}, {ProvinceCode: "01"}, {ProvinceCode: "79"}, {ProvinceCode: "99"},
		{CommuneCode: "00004"}, {CommuneCode: "00008"}, {CommuneCode: "26734"}, {CommuneCode: "99999"}}
	for _, f := range filters {
		var wantMarkets []merchants.MarketCounts
		var wantSums merchants.CountSums
		for _, m := range want {
			if (f.CommuneCode == "" || m.CommuneCode == f.CommuneCode) && (f.ProvinceCode == "" || m.ProvinceCode == f.ProvinceCode) {
				wantMarkets = append(wantMarkets, m)
				wantSums.Add(m)
			}
		}
		gotMarkets, err := c.Markets(ctx, f)
		if err != nil {
			t.Fatalf("Markets(%+v): %v", f, err)
		}
		if diff := cmp.Diff(wantMarkets, gotMarkets, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Markets(%+v) (-want +got):\n%s", f, diff)
		}
		gotSums, err := c.Totals(ctx, f)
		if err != nil {
			t.Fatalf("Totals(%+v): %v", f, err)
		}
		if diff := cmp.Diff(wantSums, gotSums); diff != "" {
			t.Errorf("Totals(%+v) (-want +got):\n%s", f, diff)
		}
	}

	none, err := c.Markets(ctx, merchants.UnitFilter{MarketIDs: []int64{}})
	if err != nil || len(none) != 0 {
		t.Errorf("Markets(an empty list of IDs) = %v, %v; want no market", none, err)
	}
	byID, err := c.Markets(ctx, merchants.UnitFilter{MarketIDs: []int64{3, 1, 404}})
	if err != nil {
		t.Fatalf("Markets(by ID): %v", err)
	}
	var wantByID []merchants.MarketCounts
	for _, m := range want {
		if m.MarketID == 1 || m.MarketID == 3 {
			wantByID = append(wantByID, m)
		}
	}
	if diff := cmp.Diff(wantByID, byID, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Markets(IDs 3, 1, 404) (-want +got):\n%s", diff)
	}
}

func TestCheckTotals(t *testing.T) {
	ctx := context.Background()
	a := mc(1, "01", "00004", 1, 10, 5, 6, 1)
	b := mc(2, "79", "26734", 1, 20, 15, 16, 4)
	type target struct {
		name    string
		c       merchants.AdoptionCounters
		corrupt func() // breaks the totals of commune 00004 and province 79
	}
	mem := NewMemory()
	targets := []target{{"memory", mem, func() {
		mem.mu.Lock()
		defer mem.mu.Unlock()
		mem.totals[unitKey{"c", "00004"}].Vendors += 5
		delete(mem.totals, unitKey{"p", "79"})
	}}}
	if url := os.Getenv("SAPQR_TEST_REDIS_URL"); url != "" {
		r, _ := openTestRedis(t, url)
		targets = append(targets, target{"redis", r, func() {
			client := r.client
			if err := client.HSet(ctx, r.base+"t", "c:00004", "1,100,10,5,11,5,2,1").Err(); err != nil {
				t.Fatal(err)
			}
			if err := client.HDel(ctx, r.base+"t", "p:79").Err(); err != nil {
				t.Fatal(err)
			}
		}})
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			if _, err := tg.c.CheckTotals(ctx); !errors.Is(err, merchants.ErrCountersCold) {
				t.Fatalf("CheckTotals before a build: err = %v, want ErrCountersCold", err)
			}
			if err := tg.c.Rebuild(ctx, []merchants.MarketCounts{a, b}); err != nil {
				t.Fatal(err)
			}
			if got, err := tg.c.CheckTotals(ctx); err != nil || len(got) != 0 {
				t.Fatalf("CheckTotals after a rebuild = %v, %v; want no drift", got, err)
			}
			tg.corrupt()
			got, err := tg.c.CheckTotals(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := []merchants.Unit{{ProvinceCode: "79"}, {CommuneCode: "00004"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("drifted units (-want +got):\n%s", diff)
			}
			if err := tg.c.Rebuild(ctx, nil); err != nil {
				t.Fatal(err)
			}
			checkHeld(t, tg.c, []merchants.MarketCounts{a, b}, false)
		})
	}
}
