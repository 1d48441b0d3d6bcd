package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
)

// drillDelivery is one request of the hooks drill.
type drillDelivery struct {
	path    string
	body    string
	headers [][2]string
	txKey   string // provider/id of a valid transfer, "" for a refused delivery
	sign    func(d *drillDelivery, now time.Time)
}

// hooksDrillSize is SAPQR_HOOKS_DRILL_DELIVERIES (make drill-hooks sets
// 10,000), else a small run for make test.
func hooksDrillSize(t *testing.T) int {
	if v := os.Getenv("SAPQR_HOOKS_DRILL_DELIVERIES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 || n > 100_000 {
			t.Fatalf("SAPQR_HOOKS_DRILL_DELIVERIES=%q: want 100 to 100000", v)
		}
		return n
	}
	if testing.Short() {
		t.Skip("the hooks drill is not short")
	}
	return 600
}

// TestHooksDrill sends deliveries from two sources (SePay HMAC for a
// province, Casso for a commune) with 20% duplicates, 5% bad signatures
// and 1% malformed bodies, in shuffled order from 16 concurrent senders
// that retry every non-2xx but 401 and 400 as the providers do, while
// registrations run. Every valid transfer must be stored exactly once,
// no answer may be a 5xx other than 503, and the counters must equal a
// recount of the database.
func TestHooksDrill(t *testing.T) {
	total := hooksDrillSize(t)
	f := newFixture(t)
	ctx := context.Background()
	counters, _ := testCounters(t)
	adoption := merchants.NewAdoptionService(f.store, counters, merchants.AdoptionConfig{Units: f.units,
		DrainEvery: 20 * time.Millisecond, ProbeEvery: 50 * time.Millisecond, ReconcileEvery: 2 * time.Second})
	runCtx, stopRun := context.WithCancel(ctx)
	runDone := make(chan struct{})
	go func() { adoption.Run(runCtx); close(runDone) }()
	defer func() { stopRun(); <-runDone }()

	const vendors = 40
	accounts := make([]string, vendors)
	for m := range 4 {
		mid := f.market(f.cA, 20)
		for i := range vendors / 4 {
			n := m*vendors/4 + i + 1
			f.vendor(uAdmin, mid, fmt.Sprintf("V-%d", i), n)
			accounts[n-1] = fmt.Sprintf("00110%08d", n)
		}
	}
	var sepay, casso struct {
		ID      int64
		URLPath string `json:"url_path"`
	}
	f.do("POST", "/api/v1/hook-sources", f.as(uAdmin), map[string]any{"provider": "sepay", "auth": "hmac", "secret": "sepay-drill-secret", "province_code": f.p1}).decode(t, &sepay)
	f.do("POST", "/api/v1/hook-sources", f.as(uAdmin), map[string]any{"provider": "casso", "auth": "hmac", "secret": "casso-drill-secret", "commune_code": f.cA}).decode(t, &casso)

	ds := drillDeliveries(total, accounts, sepay.URLPath, casso.URLPath)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()

	// Registrations all along, in a market of their own.
	regMarket := f.market(f.cA, 500)
	regDone := make(chan struct{})
	stopReg := make(chan struct{})
	var registered atomic.Int64
	go func() {
		defer close(regDone)
		for i := 0; ; i++ {
			select {
			case <-stopReg:
				return
			default:
			}
			if r := f.do("POST", "/api/v1/vendors", f.as(uAdmin), vendorBody(regMarket, fmt.Sprintf("R-%d", i), 10_000+i)); r.Code == http.StatusCreated {
				registered.Add(1)
			} else if r.Code >= 500 && r.Code != http.StatusServiceUnavailable {
				t.Errorf("registration answered %d", r.Code)
			}
		}
	}()

	var (
		mu        sync.Mutex
		latencies []time.Duration
		statuses  = map[int]int{}
	)
	work := make(chan *drillDelivery)
	var wg sync.WaitGroup
	client := ts.Client()
	start := time.Now()
	for range 16 {
		wg.Go(func() {
			for d := range work {
				for attempt := 0; ; attempt++ {
					d.sign(d, time.Now())
					req, _ := http.NewRequest("POST", ts.URL+d.path, strings.NewReader(d.body))
					req.Header.Set("Content-Type", "application/json")
					for _, h := range d.headers {
						req.Header.Set(h[0], h[1])
					}
					t0 := time.Now()
					res, err := client.Do(req)
					lat := time.Since(t0)
					code := 0
					if err == nil {
						code = res.StatusCode
						res.Body.Close()
					}
					mu.Lock()
					latencies = append(latencies, lat)
					statuses[code]++
					mu.Unlock()
					if code >= 500 && code != http.StatusServiceUnavailable {
						t.Errorf("delivery answered %d", code)
						if os.Getenv("SAPQR_HOOKS_DRILL_LOG") != "" {
							t.Log(f.logs.String())
						}
					}
					if code != 0 && code != http.StatusServiceUnavailable || attempt == 20 {
						break
					}
					time.Sleep(50 * time.Millisecond) // the provider retries
				}
			}
		})
	}
	for _, d := range ds {
		work <- d
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)
	close(stopReg)
	<-regDone

	slices.Sort(latencies)
	p := func(q float64) time.Duration { return latencies[int(q*float64(len(latencies)-1))] }
	t.Logf("%d deliveries (%d requests with retries) in %v: %.0f deliveries/s, p50 %v, p99 %v; answers %v; %d registrations meanwhile",
		len(ds), len(latencies), elapsed.Round(time.Millisecond), float64(len(ds))/elapsed.Seconds(),
		p(0.5).Round(time.Microsecond), p(0.99).Round(time.Microsecond), statuses, registered.Load())

	base := insertRate(t, f.store.DB(), len(ds))
	t.Logf("baseline: %.0f single-row INSERTs/s into the same database from 16 connections; deliveries run at %.2f× that",
		base, float64(len(ds))/elapsed.Seconds()/base)

	// Every valid transfer stored exactly once; nothing else stored.
	want := map[string]bool{}
	for _, d := range ds {
		if d.txKey != "" {
			want[d.txKey] = true
		}
	}
	rows, err := f.store.DB().QueryContext(ctx, `SELECT provider, provider_tx_id FROM transfers`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for rows.Next() {
		var prov, id string
		if err := rows.Scan(&prov, &id); err != nil {
			t.Fatal(err)
		}
		got[prov+"/"+id]++
	}
	rows.Close()
	for k := range want {
		if got[k] != 1 {
			t.Errorf("transfer %s stored %d times, want once", k, got[k])
		}
	}
	for k, n := range got {
		if !want[k] {
			t.Errorf("transfer %s stored (%d times) but never validly delivered", k, n)
		}
	}

	// The counters converge to a recount of the database.
	deadline := time.Now().Add(time.Minute)
	for {
		truth, err := f.store.RecountMarkets(ctx, merchants.UnitFilter{})
		if err != nil {
			t.Fatal(err)
		}
		held, err := counters.Markets(ctx, merchants.UnitFilter{})
		diff := cmp.Diff(truth, held)
		if err == nil && diff == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("counters did not equal a recount within a minute: %v\n%s", err, diff)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// insertRate measures the database's plain insert rate on this machine:
// n single-row INSERTs, each its own transaction, from 16 connections.
func insertRate(t *testing.T, db *sql.DB, n int) float64 {
	t.Helper()
	if _, err := db.Exec(`CREATE TABLE drill_baseline (id BIGINT PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range 16 {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				if _, err := db.Exec(`INSERT INTO drill_baseline (id, body) VALUES ($1, $2)`, i, "baseline row"); err != nil {
					t.Errorf("baseline insert: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// drillDeliveries builds n deliveries in shuffled order: about 74% valid
// transfers (5% of them money out, which is stored but not counted), 20%
// duplicates of them, 5% with a bad signature and 1% malformed.
func drillDeliveries(n int, accounts []string, sepayPath, cassoPath string) []*drillDelivery {
	rng := rand.New(rand.NewPCG(15, 2026))
	bad, malformed, dups := n*5/100, n/100, n*20/100
	valid := n - bad - malformed - dups
	out := make([]*drillDelivery, 0, n)
	for i := range valid {
		out = append(out, drillTransfer(rng, i+1, accounts, sepayPath, cassoPath, rng.IntN(20) == 0))
	}
	for range dups {
		d := *out[rng.IntN(valid)]
		out = append(out, &d)
	}
	for i := range bad {
		d := drillTransfer(rng, valid+i+1, accounts, sepayPath, cassoPath, false)
		good := d.sign
		d.sign = func(d *drillDelivery, now time.Time) {
			good(d, now)
			d.headers[0][1] = strings.Replace(d.headers[0][1], "=", "=0", 1) // one more hex digit: no longer the signature
		}
		d.txKey = ""
		out = append(out, d)
	}
	for i := range malformed {
		d := drillTransfer(rng, valid+bad+i+1, accounts, sepayPath, cassoPath, false)
		d.body = strings.Replace(d.body, `"accountNumber"`, `"accountNo"`, 1) // signed, but no account: 400
		d.txKey = ""
		out = append(out, d)
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// drillTransfer is one valid transfer to a random vendor account, from
// SePay (even ids) or Casso (odd ids), signed at send time.
func drillTransfer(rng *rand.Rand, id int, accounts []string, sepayPath, cassoPath string, out bool) *drillDelivery {
	acct := accounts[rng.IntN(len(accounts))]
	amount := int64(1+rng.IntN(500)) * 1000
	when := time.Now().In(merchants.Vietnam).Add(-time.Duration(rng.IntN(3600)) * time.Second).Format(time.DateTime)
	if id%2 == 0 {
		dir := "in"
		if out {
			dir = "out"
		}
		return &drillDelivery{path: sepayPath, txKey: "sepay/" + strconv.Itoa(id),
			body: fmt.Sprintf(`{"id":%d,"gateway":"Vietcombank","transactionDate":%q,"accountNumber":%q,"code":null,"content":"mua hang","transferType":%q,"transferAmount":%d,"accumulated":0,"subAccount":null,"referenceCode":"FT%d","description":""}`,
				id, when, acct, dir, amount, id),
			sign: func(d *drillDelivery, now time.Time) {
				ts := strconv.FormatInt(now.Unix(), 10)
				mac := hmac.New(sha256.New, []byte("sepay-drill-secret"))
				mac.Write([]byte(ts + "." + d.body))
				d.headers = [][2]string{{"X-SePay-Signature", "sha256=" + hex.EncodeToString(mac.Sum(nil))}, {"X-SePay-Timestamp", ts}}
			}}
	}
	if out {
		amount = -amount
	}
	// Keys already sorted and compact: the body is its own signed form.
	return &drillDelivery{path: cassoPath, txKey: "casso/" + strconv.Itoa(id),
		body: fmt.Sprintf(`{"data":{"accountNumber":%q,"amount":%d,"bankAbbreviation":"VCB","bankName":"Vietcombank","counterAccountName":"","description":"mua hang","id":%d,"reference":"FT%d","runningBalance":0,"transactionDateTime":%q,"virtualAccountNumber":""},"error":0}`,
			acct, amount, id, id, when),
		sign: func(d *drillDelivery, now time.Time) {
			ms := strconv.FormatInt(now.UnixMilli(), 10)
			mac := hmac.New(sha512.New, []byte("casso-drill-secret"))
			mac.Write([]byte(ms + "." + d.body))
			d.headers = [][2]string{{"X-Casso-Signature", "t=" + ms + ",v1=" + hex.EncodeToString(mac.Sum(nil))}}
		}}
}
