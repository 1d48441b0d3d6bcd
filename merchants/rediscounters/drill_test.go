package rediscounters_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	"github.com/sapqr/sapqr/merchants/merchantstest"
	"github.com/sapqr/sapqr/merchants/rediscounters"
)

// drillOpsEnv sets how many operations TestCountersDrill runs; `make
// counters-drill` sets 20000. The default keeps `go test` short.
const drillOpsEnv = "SAPQR_COUNTERS_DRILL_OPS"

// redisServer is the redis-server binary the drill starts, kills and
// restarts: its own, on a free port, never the shared one.
const redisServer = "/usr/bin/redis-server"

// ownRedis is a redis-server process of this test, without persistence, so
// a restart comes back empty as a lost cache does.
type ownRedis struct {
	t    testing.TB
	port int
	mu   sync.Mutex
	cmd  *exec.Cmd
}

func startOwnRedis(t testing.TB) *ownRedis {
	t.Helper()
	if _, err := os.Stat(redisServer); err != nil {
		t.Skipf("%s not available: %v", redisServer, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &ownRedis{t: t, port: port}
	r.start()
	t.Cleanup(r.kill)
	return r
}

func (r *ownRedis) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// start runs redis-server and waits until it answers.
func (r *ownRedis) start() {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	cmd := exec.Command(redisServer, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction", "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	r.cmd = cmd
	client := redis.NewClient(&redis.Options{Addr: r.addr(), MaxRetries: -1})
	defer client.Close()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if client.Ping(context.Background()).Err() == nil {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on port %d does not answer", r.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill stops the process at once (SIGKILL): what it held is gone.
func (r *ownRedis) kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

func (r *ownRedis) flushAll() {
	client := redis.NewClient(&redis.Options{Addr: r.addr()})
	defer client.Close()
	if err := client.FlushAll(context.Background()).Err(); err != nil {
		r.t.Errorf("FLUSHALL on the drill's own redis-server: %v", err)
	}
}

// drillOps returns the number of operations of the drill.
func drillOps(t *testing.T) int {
	if s := os.Getenv(drillOpsEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 {
			t.Fatalf("%s=%q: want a number of operations, at least 100", drillOpsEnv, s)
		}
		return n
	}
	if testing.Short() {
		return 300
	}
	return 1000
}

// TestCountersDrill runs concurrent registrations, edits (stall
// assignments and releases among them) and removals across 200 markets while Redis is killed, restarted empty and flushed,
// and proves that afterwards, with no manual step, every counter of every
// market, commune, province and the country equals a fresh recount of the
// database.
func TestCountersDrill(t *testing.T) {
	ops := drillOps(t)
	const markets, workers = 200, 16
	ctx := context.Background()

	srv := startOwnRedis(t)
	client := redis.NewClient(&redis.Options{
		Addr: srv.addr(), MaxRetries: 1, DialTimeout: 200 * time.Millisecond,
		ReadTimeout: time.Second, WriteTimeout: time.Second, PoolSize: 2 * workers,
	})
	defer client.Close()
	counters, err := rediscounters.NewRedis(client, "drill")
	if err != nil {
		t.Fatal(err)
	}

	svc, store := merchantstest.NewService(t)
	adoption := merchants.NewAdoptionService(store, counters, merchants.AdoptionConfig{
		DrainEvery: 20 * time.Millisecond, ProbeEvery: 50 * time.Millisecond, ReconcileEvery: 2 * time.Second,
	})
	runCtx, stopRun := context.WithCancel(ctx)
	runDone := make(chan struct{})
	go func() { adoption.Run(runCtx); close(runDone) }()
	defer func() { stopRun(); <-runDone }()

	communes := []string{merchantstest.CommuneA1, merchantstest.CommuneA2, merchantstest.CommuneB1}
	ms := make([]merchants.Market, markets)
	for i := range ms {
		ms[i] = merchantstest.Market(t, svc, communes[i%len(communes)], 150)
	}

	d := &drill{svc: svc, markets: ms, alive: map[int64]bool{}}
	start := time.Now()
	var done atomic.Int64
	chaos := []struct {
		at   int64
		name string
		do   func()
	}{
		{int64(ops) * 20 / 100, "kill redis", srv.kill},
		{int64(ops) * 35 / 100, "restart redis (empty)", srv.start},
		{int64(ops) * 55 / 100, "flush redis", srv.flushAll},
		{int64(ops) * 70 / 100, "kill redis", srv.kill},
		{int64(ops) * 80 / 100, "restart redis (empty)", srv.start},
	}
	chaosDone := make(chan struct{})
	go func() {
		defer close(chaosDone)
		for _, c := range chaos {
			for done.Load() < c.at {
				time.Sleep(time.Millisecond)
			}
			t.Logf("after %d operations: %s", done.Load(), c.name)
			c.do()
		}
	}()

	// Dashboard reads all along: they must always answer, from the cache or
	// the database, never fail because of Redis.
	readsCtx, stopReads := context.WithCancel(ctx)
	var reads, readErrs, fromDB atomic.Int64
	readsDone := make(chan struct{})
	go func() {
		defer close(readsDone)
		for readsCtx.Err() == nil {
			u, err := adoption.Unit(readsCtx, merchants.UnitFilter{ProvinceCode: merchantstest.ProvinceA})
			switch {
			case err != nil && readsCtx.Err() == nil:
				readErrs.Add(1)
				t.Errorf("dashboard read failed: %v", err)
			case err == nil:
				reads.Add(1)
				if u.Source == merchants.SourceDatabase {
					fromDB.Add(1)
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()

	work := make(chan int)
	var wg sync.WaitGroup
	for w := range workers {
		rng := rand.New(rand.NewPCG(uint64(w), 42))
		wg.Go(func() {
			for n := range work {
				if err := d.step(ctx, rng, n); err != nil {
					t.Errorf("operation %d: %v", n, err)
				}
				done.Add(1)
			}
		})
	}
	for n := range ops {
		work <- n
	}
	close(work)
	wg.Wait()
	<-chaosDone
	stopReads()
	<-readsDone
	elapsed := time.Since(start)
	t.Logf("%d operations in %v (%.0f/s): %d registered, %d edits (%d stalls assigned, %d released), %d removals, %d refused by the domain; %d dashboard reads, %d from the database",
		ops, elapsed.Round(time.Millisecond), float64(ops)/elapsed.Seconds(), d.registered.Load(), d.edited.Load(), d.assigned.Load(), d.released.Load(),
		d.removed.Load(), d.refused.Load(), reads.Load(), fromDB.Load())
	if d.assigned.Load() == 0 || d.released.Load() == 0 {
		t.Errorf("the drill assigned %d stalls and released %d: want both, for the counters to be proven on them", d.assigned.Load(), d.released.Load())
	}
	merchantstest.CheckHoldings(t, store.DB())
	if t.Failed() {
		return
	}

	// No manual step: Run alone must bring the counters to the truth.
	var lastDiff string
	deadline := time.Now().Add(2 * time.Minute)
	for {
		lastDiff = compareAll(ctx, store, counters)
		if lastDiff == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the counters did not converge to the database within 2 minutes:\n%s", lastDiff)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("counters equal a fresh database recount %v after the last operation", time.Since(start.Add(elapsed)).Round(time.Millisecond))

	// And reads say so.
	u, err := adoption.Unit(ctx, merchants.UnitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if u.Source != merchants.SourceCache || u.Markets != markets {
		t.Errorf("national read after convergence: source %q, %d markets; want cache, %d", u.Source, u.Markets, markets)
	}
}

// compareAll returns what differs between the counters and a fresh recount
// of the database, at every level, or "" when nothing does.
func compareAll(ctx context.Context, store *gormstore.Store, counters merchants.AdoptionCounters) string {
	truth, err := store.RecountMarkets(ctx, merchants.UnitFilter{})
	if err != nil {
		return "recount: " + err.Error()
	}
	held, err := counters.Markets(ctx, merchants.UnitFilter{})
	if err != nil {
		return "counters: " + err.Error()
	}
	if diff := cmp.Diff(truth, held); diff != "" {
		return "markets (-database +counters):\n" + diff
	}
	type unit struct{ province, commune string }
	sums := map[unit]*merchants.CountSums{{}: {}}
	for _, c := range truth {
		for _, u := range []unit{{}, {province: c.ProvinceCode}, {commune: c.CommuneCode}} {
			if sums[u] == nil {
				sums[u] = &merchants.CountSums{}
			}
			sums[u].Add(c)
		}
	}
	for u, want := range sums {
		f := merchants.UnitFilter{ProvinceCode: u.province, CommuneCode: u.commune}
		got, err := counters.Totals(ctx, f)
		if err != nil {
			return fmt.Sprintf("totals %+v: %v", f, err)
		}
		if diff := cmp.Diff(*want, got); diff != "" {
			return fmt.Sprintf("totals %+v (-database +counters):\n%s", f, diff)
		}
		perUnit, err := counters.Markets(ctx, f)
		if err != nil {
			return fmt.Sprintf("markets %+v: %v", f, err)
		}
		var got2 merchants.CountSums
		for _, c := range perUnit {
			got2.Add(c)
		}
		if diff := cmp.Diff(*want, got2); diff != "" {
			return fmt.Sprintf("markets of %+v summed (-database +counters):\n%s", f, diff)
		}
	}
	return ""
}

// drill runs the domain operations of TestCountersDrill and remembers the
// active vendors to edit and remove.
type drill struct {
	svc     *merchants.Service
	markets []merchants.Market

	mu    sync.Mutex
	alive map[int64]bool
	ids   []int64

	registered, edited, assigned, released, removed, refused atomic.Int64
}

func (d *drill) pick(rng *rand.Rand) (int64, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(d.ids) > 0 {
		i := rng.IntN(len(d.ids))
		id := d.ids[i]
		if d.alive[id] {
			return id, true
		}
		d.ids[i] = d.ids[len(d.ids)-1]
		d.ids = d.ids[:len(d.ids)-1]
	}
	return 0, false
}

func (d *drill) setAlive(id int64, alive bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if alive {
		d.ids = append(d.ids, id)
	}
	d.alive[id] = alive
}

// step runs operation n: mostly registrations, then edits of every kind
// that moves a count (first payment, sign printed, new primary account,
// stall move, declared stalls, a stall assigned to or released from a
// vendor), then removals, half of which leave the main stall vacant. It returns only errors the domain
// should never give; refusals of a busy stall or a vendor removed by
// another worker are counted, not errors.
func (d *drill) step(ctx context.Context, rng *rand.Rand, n int) error {
	admin := merchantstest.Admin()
	kind := rng.IntN(100)
	id, ok := d.pick(rng)
	if !ok {
		kind = 0
	}
	var err error
	switch {
	case kind < 55:
		m := d.markets[rng.IntN(len(d.markets))]
		var r merchants.VendorResult
		r, err = d.svc.RegisterVendor(ctx, admin, merchants.RegisterVendorInput{
			MarketID: m.ID, StallCode: fmt.Sprintf("S-%03d", rng.IntN(150)+1), FullName: "Nguyễn Thị Hà",
			Phone: merchantstest.Phone(n), Consent: true, BankAccount: merchantstest.BankAccount(n),
		})
		if err == nil {
			d.registered.Add(1)
			d.setAlive(r.Vendor.ID, true)
		}
	case kind < 85:
		switch rng.IntN(7) {
		case 0:
			_, err = d.svc.ConfirmTransacting(ctx, admin, id)
		case 1:
			_, err = d.svc.RecordSignPrint(ctx, admin, id, merchants.SignNew)
		case 2:
			_, err = d.svc.AddBankAccount(ctx, admin, id, merchants.AddBankAccountInput{
				BankAccountInput: merchantstest.BankAccount(n), Primary: true})
		case 3:
			stall := fmt.Sprintf("S-%03d", rng.IntN(150)+1)
			_, err = d.svc.UpdateVendor(ctx, admin, id, merchants.UpdateVendorInput{StallCode: &stall})
		case 4:
			declared := 150 + rng.IntN(50)
			m := d.markets[rng.IntN(len(d.markets))]
			_, err = d.svc.UpdateMarket(ctx, admin, m.ID, merchants.UpdateMarketInput{StallsDeclared: &declared})
		case 5:
			// One more stall for the vendor: created, reopened or free.
			_, err = d.svc.AssignStall(ctx, admin, id, fmt.Sprintf("S-%03d", rng.IntN(150)+1))
			if err == nil {
				d.assigned.Add(1)
			}
		case 6:
			// One of the vendor's stalls released, the main one too. A
			// vendor keeps at least one: one with a single stall is
			// refused once in four, and otherwise given a stall first.
			var v merchants.Vendor
			if v, err = d.svc.Vendor(ctx, admin, id); err == nil && len(v.Stalls) == 1 && rng.IntN(4) > 0 {
				var r merchants.VendorResult
				if r, err = d.svc.AssignStall(ctx, admin, id, fmt.Sprintf("S-%03d", rng.IntN(150)+1)); err == nil {
					d.assigned.Add(1)
					v = r.Vendor
				}
			}
			if err == nil && len(v.Stalls) > 0 {
				_, err = d.svc.ReleaseStall(ctx, admin, id, v.Stalls[rng.IntN(len(v.Stalls))].StallID)
				if err == nil {
					d.released.Add(1)
				}
			}
		}
		if err == nil {
			d.edited.Add(1)
		}
	default:
		var v merchants.Vendor
		v, err = d.svc.DeactivateVendor(ctx, admin, id)
		if err == nil {
			d.removed.Add(1)
			d.setAlive(id, false)
			if rng.IntN(2) == 0 { // the stall stays empty for now
				vacant := merchants.StallVacant
				_, err = d.svc.UpdateStall(ctx, admin, v.StallID, merchants.UpdateStallInput{Status: &vacant})
			}
		}
	}
	var v *merchants.ValidationError
	if errors.Is(err, merchants.ErrConflict) || errors.As(err, &v) {
		d.refused.Add(1)
		return nil
	}
	return err
}
