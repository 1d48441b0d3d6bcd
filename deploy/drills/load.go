package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sapqr/sapqr/deploy/harness"
)

// registration is one logical vendor registration: one stall, one bank
// account, one Idempotency-Key, however many attempts it took.
type registration struct {
	seq     int64
	market  int64
	stall   string // unique in its market
	server  int    // index of the server it was sent to
	result  harness.Result
	id      int64 // the vendor ID the server acknowledged
	payload string
	// resent: the acknowledged request was sent again with the same key,
	// as a phone that lost the answer does; resentOK: the answer was the
	// stored one (replayed, same vendor).
	resent, resentOK bool
	resentKind       string
}

// names are vendors as a team member types them: Vietnamese with
// diacritics, holder names as the bank prints them.
var names = [...][2]string{
	{"Nguyễn Thị Hà", "NGUYEN THI HA"},
	{"Trần Văn Đức", "TRAN VAN DUC"},
	{"Lê Thị Thu Hương", "LE THI THU HUONG"},
	{"Phạm Quốc Bảo", "PHAM QUOC BAO"},
	{"Hoàng Thị Ngọc Ánh", "HOANG THI NGOC ANH"},
	{"Võ Minh Khôi", "VO MINH KHOI"},
	{"Đặng Thị Lụa", "DANG THI LUA"},
	{"Bùi Văn Tư", "BUI VAN TU"},
}

// registrar issues registrations: each worker takes the next sequence
// number, builds a request unique to it and posts it with its own
// Idempotency-Key, retrying as a phone would.
type registrar struct {
	clients []*harness.Client
	markets []int64
	policy  harness.RetryPolicy
	run     string // distinguishes keys of separate runs on one database
	// resendEvery: every n-th acknowledged registration is sent again
	// with its key, to the next server; 0 never.
	resendEvery int64
	seq         atomic.Int64

	mu   sync.Mutex
	regs []registration
}

func newRegistrar(clients []*harness.Client, markets []int64, budget time.Duration) *registrar {
	return &registrar{
		clients: clients, markets: markets,
		policy: harness.RetryPolicy{Budget: budget, MinDelay: 50 * time.Millisecond, MaxDelay: 2 * time.Second},
		run:    strconv.FormatInt(time.Now().UnixNano(), 36),
	}
}

// body returns registration seq's request.
func (g *registrar) body(seq int64) (market int64, stall string, body []byte) {
	market = g.markets[seq%int64(len(g.markets))]
	stall = "D" + strconv.FormatInt(seq, 10)
	n := names[seq%int64(len(names))]
	in := map[string]any{
		"market_id":  market,
		"stall_code": stall,
		"full_name":  n[0],
		"phone":      fmt.Sprintf("09%08d", seq%100_000_000),
		"consent":    true,
		"bank_account": map[string]string{
			"bin": "970436", "account_number": fmt.Sprintf("1%012d", seq), "holder_name": n[1],
		},
	}
	body, _ = json.Marshal(in)
	return market, stall, body
}

// work registers until issue is done; a registration already started
// finishes (with its retries) under ctx.
func (g *registrar) work(ctx, issue context.Context) {
	var mine []registration
	for issue.Err() == nil {
		seq := g.seq.Add(1)
		market, stall, body := g.body(seq)
		server := int(seq % int64(len(g.clients)))
		r := registration{seq: seq, market: market, stall: stall, server: server}
		key := g.run + "-" + strconv.FormatInt(seq, 10)
		r.result = g.clients[server].PostIdempotent(ctx, "/api/v1/vendors", key, body, g.policy)
		if r.result.Acked() {
			r.id, r.payload = vendorOf(r.result.Body)
			if g.resendEvery > 0 && seq%g.resendEvery == 0 {
				again := g.clients[(server+1)%len(g.clients)].PostIdempotent(ctx, "/api/v1/vendors", key, body, g.policy)
				id, _ := vendorOf(again.Body)
				r.resent, r.resentKind = true, lastKind(again)
				r.resentOK = again.Acked() && again.Header.Get("Idempotent-Replayed") == "true" && id == r.id
			}
		}
		mine = append(mine, r)
	}
	g.mu.Lock()
	g.regs = append(g.regs, mine...)
	g.mu.Unlock()
}

// vendorOf returns the ID and payload of a registration's answer.
func vendorOf(body []byte) (int64, string) {
	var v struct {
		ID      int64  `json:"id"`
		Payload string `json:"payload"`
	}
	_ = json.Unmarshal(body, &v)
	return v.ID, v.Payload
}

// attempts returns every attempt of every registration; finals the outcome
// and end-to-end time of each registration.
func (g *registrar) tallies() (attempts, finals *harness.Tally) {
	attempts, finals = &harness.Tally{}, &harness.Tally{}
	for _, r := range g.regs {
		for _, a := range r.result.Attempts {
			attempts.Observe(a.Kind, a.Latency)
		}
		kind := "no answer"
		if n := len(r.result.Attempts); n > 0 {
			kind = r.result.Attempts[n-1].Kind
		}
		finals.Observe(kind, r.result.Elapsed)
	}
	return attempts, finals
}

// hammer runs workers until ctx is done, each calling do with its own
// Tally, and returns the merged Tally.
func hammer(ctx context.Context, workers int, do func(ctx context.Context, worker int, t *harness.Tally)) *harness.Tally {
	tallies := make([]harness.Tally, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				do(ctx, w, &tallies[w])
			}
		})
	}
	wg.Wait()
	all := &harness.Tally{}
	for i := range tallies {
		all.Merge(&tallies[i])
	}
	return all
}

// get is one timed GET for hammer; a request cut by the end of the window
// is not counted.
func get(ctx context.Context, c *harness.Client, path string, t *harness.Tally) {
	t0 := time.Now()
	r, err := c.Do(ctx, http.MethodGet, path, nil, nil)
	d := time.Since(t0)
	switch {
	case err != nil && ctx.Err() != nil:
	case err != nil:
		t.Observe(harness.TransportKind(err), d)
	default:
		t.Observe(r.Kind(), d)
	}
}

// readAdoption is a dashboard reader: a random market's adoption figures
// from a random server.
func readAdoption(clients []*harness.Client, markets []int64) func(ctx context.Context, w int, t *harness.Tally) {
	return func(ctx context.Context, w int, t *harness.Tally) {
		c := clients[rand.N(len(clients))]
		get(ctx, c, "/api/v1/markets/"+strconv.FormatInt(markets[rand.N(len(markets))], 10)+"/adoption", t)
	}
}

// outagePrefix marks the kind of a read that began and ended while the
// drill held its database down; staleOK is the kind of a 200 answered
// from the counters marked stale.
const (
	outagePrefix = "while down: "
	staleOK      = "200 stale"
)

// readAdoptionMarked is readAdoption telling the reads made while s's
// database is down (kinds prefixed outagePrefix) and the answers marked
// stale (staleOK).
func readAdoptionMarked(s *stack) func(ctx context.Context, w int, t *harness.Tally) {
	return func(ctx context.Context, w int, t *harness.Tally) {
		c := s.clients[rand.N(len(s.clients))]
		path := "/api/v1/markets/" + strconv.FormatInt(s.markets[rand.N(len(s.markets))], 10) + "/adoption"
		before := s.down.Load()
		t0 := time.Now()
		r, err := c.Do(ctx, http.MethodGet, path, nil, nil)
		d := time.Since(t0)
		if err != nil && ctx.Err() != nil {
			return
		}
		kind := ""
		switch {
		case err != nil:
			kind = harness.TransportKind(err)
		case r.Status == http.StatusOK && stale(r.Body):
			kind = staleOK
		default:
			kind = r.Kind()
		}
		if before && s.down.Load() {
			kind = outagePrefix + kind
		}
		t.Observe(kind, d)
	}
}

// stale reports whether an adoption answer says "stale": true.
func stale(body []byte) bool {
	var a struct {
		Stale bool `json:"stale"`
	}
	return json.Unmarshal(body, &a) == nil && a.Stale
}

// errorsIn counts the observations that are not 2xx.
func errorsIn(t *harness.Tally) int {
	return t.CountIf(func(k string) bool { return !strings.HasPrefix(k, "2") })
}

// memory samples the resident memory of processes every interval until
// ctx is done.
type memory struct {
	mu      sync.Mutex
	samples map[int][]int64
}

func sampleMemory(ctx context.Context, pids []int, every time.Duration) *memory {
	m := &memory{samples: map[int][]int64{}}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			m.mu.Lock()
			for _, pid := range pids {
				if rss, err := harness.RSS(pid); err == nil {
					m.samples[pid] = append(m.samples[pid], rss)
				}
			}
			m.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// summary returns the first, peak and last sample of pid.
func (m *memory) summary(pid int) (first, peak, last int64, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.samples[pid]
	if len(s) == 0 {
		return 0, 0, 0, 0
	}
	for _, v := range s {
		peak = max(peak, v)
	}
	return s[0], peak, s[len(s)-1], len(s)
}

// series returns a copy of pid's samples.
func (m *memory) series(pid int) []int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]int64(nil), m.samples[pid]...)
}

// rssFigure formats first/peak/last resident memory of every pid.
func (m *memory) rssFigure(pids []int) string {
	var parts []string
	for i, pid := range pids {
		first, peak, last, _ := m.summary(pid)
		parts = append(parts, fmt.Sprintf("server %d: start %s, peak %s, end %s", i+1, harness.MiB(first), harness.MiB(peak), harness.MiB(last)))
	}
	return strings.Join(parts, "; ")
}
