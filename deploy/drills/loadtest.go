package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sapqr/sapqr/deploy/harness"
)

// Targets of the load test on the reference 2-core machine:
// registrations as a share of the anchor's rate in the same run
// (PostgreSQL alone doing their writes, see anchor.go).
const (
	targetAnchorShare     = 0.60
	targetRegistrationP99 = 50 * time.Millisecond
	targetReadsPerSec     = 10000
)

// loadTest runs the anchor (PostgreSQL alone doing a registration's
// writes, with pgbench), then four phases against one server on
// PostgreSQL + Redis, each o.duration long: a baseline of GET /healthz (the HTTP stack alone, the
// ceiling every other figure is a fraction of), dashboard reads alone,
// registrations alone, and both together.
func loadTest(ctx context.Context, o options) *Report {
	rep := newReport(o, "loadtest", "registrations and dashboard reads on PostgreSQL + Redis")
	// pg_stat_statements shows where PostgreSQL's share of a registration
	// goes.
	statements := harness.PostgresHasExtension(ctx, o.pgBin, "pg_stat_statements")
	if statements {
		o.pgSettings = append(append(settingList(nil), o.pgSettings...), "shared_preload_libraries=pg_stat_statements")
	}
	s, err := newStack(ctx, o, rep)
	if err != nil {
		return rep.Fail(err)
	}
	defer s.Close()
	if err := s.up(ctx, 1); err != nil {
		return rep.Fail(err)
	}
	t0 := time.Now()
	anchor, err := runAnchor(ctx, s, o.duration)
	if err != nil {
		return rep.Fail(fmt.Errorf("the anchor: %w", err))
	}
	rep.Logf("anchor: PostgreSQL alone, one registration's writes per transaction, %d pgbench connections: %.0f tx/s (%.1fs)",
		anchorClients, anchor, time.Since(t0).Seconds())
	pid := s.servers[0].Pid()
	mctx, stopMem := context.WithCancel(ctx)
	defer stopMem()
	mem := sampleMemory(mctx, []int{pid}, 250*time.Millisecond)
	res := runLoadPhases(ctx, o, rep, s, statements)
	res.anchor = anchor
	stopMem()
	reportLoadFigures(rep, o, s, res)
	first, peak, last, _ := mem.summary(pid)
	rep.Figure("server RSS", "start %s, peak %s, end %s", harness.MiB(first), harness.MiB(peak), harness.MiB(last))
	return checkLoad(ctx, rep, s, res)
}

// loadResults are what the load test's phases measured.
type loadResults struct {
	base, reads, mixedReads                     *harness.Tally
	basePhase, readsPhase, regPhase, mixedPhase phaseCPU
	regAlone, regMixed                          *registrar
	topStatements                               string
	// anchor is PostgreSQL's own rate for a registration's writes.
	anchor float64
}

// runLoadPhases runs the four phases one after the other.
func runLoadPhases(ctx context.Context, o options, rep *Report, s *stack, statements bool) loadResults {
	c := s.clients
	phase := phaseRunner(ctx, o, rep, s)
	var r loadResults
	r.basePhase = phase("baseline GET /healthz", func(ctx context.Context) {
		r.base = hammer(ctx, o.readers, func(ctx context.Context, w int, t *harness.Tally) { get(ctx, c[0], "/healthz", t) })
	})
	r.readsPhase = phase("dashboard reads alone", func(ctx context.Context) {
		r.reads = hammer(ctx, o.readers, readAdoption(c, s.markets))
	})
	if statements {
		if _, err := s.pg.Query(ctx, "sapqr", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()"); err != nil {
			rep.Logf("pg_stat_statements: %v", err)
			statements = false
		}
	}
	r.regAlone = newRegistrar(c, s.markets, 10*time.Second)
	r.regPhase = phase("registrations alone", func(ctx context.Context) {
		var wg sync.WaitGroup
		for range o.writers {
			wg.Go(func() { r.regAlone.work(context.WithoutCancel(ctx), ctx) })
		}
		wg.Wait()
	})
	if statements {
		r.topStatements, _ = s.pg.Query(ctx, "sapqr", `SELECT calls, round(total_exec_time::numeric, 0), round(mean_exec_time::numeric, 2), left(regexp_replace(query, '\s+', ' ', 'g'), 100)
			FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC LIMIT 12`)
	}
	r.regMixed = newRegistrar(c, s.markets, 10*time.Second)
	r.regMixed.seq.Store(r.regAlone.seq.Load()) // new stalls and accounts
	r.mixedPhase = phase("registrations and reads together", func(ctx context.Context) {
		var wg sync.WaitGroup
		for range o.writers {
			wg.Go(func() { r.regMixed.work(context.WithoutCancel(ctx), ctx) })
		}
		wg.Go(func() { r.mixedReads = hammer(ctx, o.readers, readAdoption(c, s.markets)) })
		wg.Wait()
	})
	return r
}

// phaseRunner returns a function that runs fn for o.duration and measures
// who used the CPU: the server, PostgreSQL, Redis and this generator.
func phaseRunner(ctx context.Context, o options, rep *Report, s *stack) func(name string, fn func(ctx context.Context)) phaseCPU {
	pid := s.servers[0].Pid()
	cpuUsers := []struct {
		name string
		time func() (time.Duration, error)
	}{
		{"server", func() (time.Duration, error) { return harness.CPUTime(pid) }},
		{"PostgreSQL", func() (time.Duration, error) { return harness.TreeCPUTime(s.pg.Pid()) }},
		{"Redis", func() (time.Duration, error) { return harness.CPUTime(s.redis.Pid()) }},
		{"generator", func() (time.Duration, error) { return harness.CPUTime(os.Getpid()) }},
	}
	return func(name string, fn func(ctx context.Context)) phaseCPU {
		p := phaseCPU{cpu: make([]time.Duration, len(cpuUsers))}
		for i, u := range cpuUsers {
			before, _ := u.time()
			p.cpu[i] = -before
		}
		t0 := time.Now()
		pctx, cancel := context.WithTimeout(ctx, o.duration)
		fn(pctx)
		cancel()
		p.elapsed = time.Since(t0)
		for i, u := range cpuUsers {
			p.names = append(p.names, u.name)
			after, _ := u.time()
			p.cpu[i] += after
		}
		rep.Logf("%s: done in %.1fs; %s", name, p.elapsed.Seconds(), p.cores())
		return p
	}
}

// rate is requests per second.
func rate(t *harness.Tally, d time.Duration) float64 { return float64(t.Count()) / d.Seconds() }

// reportLoadFigures writes each phase's rates, latencies and CPU, and the
// statements PostgreSQL spent its time on.
func reportLoadFigures(rep *Report, o options, s *stack, r loadResults) {
	baseRate := rate(r.base, r.basePhase.elapsed)
	line := func(t *harness.Tally, p phaseCPU) string {
		return fmt.Sprintf("%s; %.2f× baseline; %s", t.Summary(p.elapsed), rate(t, p.elapsed)/baseRate, p.cores())
	}
	regAttempts, _ := r.regAlone.tallies()
	mixAttempts, _ := r.regMixed.tallies()
	rep.Figure("setup", "%d registering clients, %d readers, %d markets, %v per phase; %d cores shared by the server, PostgreSQL, Redis and this generator",
		o.writers, o.readers, len(s.markets), o.duration, runtime.NumCPU())
	rep.Figure("anchor", "PostgreSQL alone, a registration's writes (pgbench, %d connections): %.0f tx/s", anchorClients, r.anchor)
	rep.Figure("baseline /healthz", "%s; %s", r.base.Summary(r.basePhase.elapsed), r.basePhase.cores())
	rep.Figure("reads alone", "%s", line(r.reads, r.readsPhase))
	rep.Figure("registrations alone", "%s; %.0f%% of the anchor", line(regAttempts, r.regPhase), 100*rate(regAttempts, r.regPhase.elapsed)/r.anchor)
	rep.Figure("mixed: registrations", "%s; %.0f%% of the anchor", line(mixAttempts, r.mixedPhase), 100*rate(mixAttempts, r.mixedPhase.elapsed)/r.anchor)
	rep.Figure("mixed: reads", "%s", line(r.mixedReads, r.mixedPhase))
	// CPU per request does not depend on what else runs on the machine;
	// with it, the ceiling on idle cores follows.
	rep.Figure("CPU per /healthz", "%s", r.basePhase.perRequest(r.base.Count()))
	rep.Figure("CPU per read", "%s", r.readsPhase.perRequest(r.reads.Count()))
	rep.Figure("CPU per registration", "%s", r.regPhase.perRequest(regAttempts.Count()))
	if r.topStatements != "" && regAttempts.Count() > 0 {
		rep.Figure("PostgreSQL, registrations alone", "statements by total time (calls per registration, ms in all, mean ms per call, statement):")
		for _, l := range strings.Split(strings.TrimSpace(r.topStatements), "\n") {
			f := strings.SplitN(l, "|", 4)
			if len(f) != 4 {
				continue
			}
			calls, _ := strconv.Atoi(f[0])
			rep.Figure("", "%5.2f %7s ms %6s ms  %s", float64(calls)/float64(regAttempts.Count()), f[1], f[2], f[3])
		}
	}
}

// checkLoad reads everything back (the database holds exactly what was
// acknowledged, and the counters agree) and checks the targets.
func checkLoad(ctx context.Context, rep *Report, s *stack, r loadResults) *Report {
	c := s.clients
	regAttempts, _ := r.regAlone.tallies()
	mixAttempts, _ := r.regMixed.tallies()
	all := append(append([]registration(nil), r.regAlone.regs...), r.regMixed.regs...)
	v, err := verify(ctx, c[0], s.markets, all)
	if err != nil {
		return rep.Fail(fmt.Errorf("reading the vendors back: %w", err))
	}
	d, sources, _, err := drift(ctx, c, s.markets, v.active, v.held, 10*time.Second)
	if err != nil {
		return rep.Fail(fmt.Errorf("reading the counters: %w", err))
	}
	rep.Figure("database", "%d acknowledged, lost %d, duplicated %d, counter drift %d (from %v)", v.acked, v.lost, v.duplicated, d, sources)

	errs := errorsIn(regAttempts) + errorsIn(mixAttempts) + errorsIn(r.reads) + errorsIn(r.mixedReads)
	rep.Check(errs == 0, "0 errors (%d: %s %s %s %s)", errs, nonOKString(regAttempts), nonOKString(mixAttempts), nonOKString(r.reads), nonOKString(r.mixedReads))
	rep.Check(v.lost == 0 && v.duplicated == 0 && v.shared == 0 && d == 0, "nothing lost or duplicated, one active vendor per stall, counters equal the database")
	regRate := rate(regAttempts, r.regPhase.elapsed)
	rep.Check(regRate >= targetAnchorShare*r.anchor, "registrations ≥ %.0f%% of the anchor's %.0f tx/s (%.0f/s alone: %.0f%%; %.0f/s mixed)",
		100*targetAnchorShare, r.anchor, regRate, 100*regRate/r.anchor, rate(mixAttempts, r.mixedPhase.elapsed))
	rep.Check(regAttempts.Percentile(0.99) <= targetRegistrationP99, "registration p99 ≤ %v (%v alone, %v mixed)", targetRegistrationP99,
		harness.Round(regAttempts.Percentile(0.99)), harness.Round(mixAttempts.Percentile(0.99)))
	rep.Check(rate(r.reads, r.readsPhase.elapsed) >= targetReadsPerSec, "dashboard reads ≥ %d/s (%.0f/s alone, %.0f/s mixed)", targetReadsPerSec,
		rate(r.reads, r.readsPhase.elapsed), rate(r.mixedReads, r.mixedPhase.elapsed))
	return rep
}

func nonOKString(t *harness.Tally) string {
	k := nonOK(t)
	if len(k) == 0 {
		return ""
	}
	return strings.TrimSpace(harness.FormatKinds(k))
}

// phaseCPU is the CPU time each process used during a load-test phase.
type phaseCPU struct {
	elapsed time.Duration
	names   []string
	cpu     []time.Duration
}

// cores formats the CPU use as cores busy on average.
func (p phaseCPU) cores() string {
	parts := make([]string, len(p.names))
	for i, n := range p.names {
		parts[i] = fmt.Sprintf("%s %.2f", n, p.cpu[i].Seconds()/p.elapsed.Seconds())
	}
	return "CPU cores: " + strings.Join(parts, ", ")
}

// perRequest formats the CPU time per request of each process and the
// rate all of them together could sustain on the machine's cores if
// nothing else ran.
func (p phaseCPU) perRequest(requests int) string {
	if requests == 0 {
		return "no requests"
	}
	var total time.Duration
	parts := make([]string, len(p.names))
	for i, n := range p.names {
		per := p.cpu[i] / time.Duration(requests)
		total += per
		parts[i] = fmt.Sprintf("%s %s", n, harness.Round(per))
	}
	ceiling := 0.0
	if total > 0 {
		ceiling = float64(runtime.NumCPU()) / total.Seconds()
	}
	return fmt.Sprintf("%s; total %s → at most %.0f/s on %d idle cores", strings.Join(parts, ", "), harness.Round(total), ceiling, runtime.NumCPU())
}
