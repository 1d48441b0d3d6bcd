package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/sapqr/sapqr/deploy/harness"
)

// Targets of the load test on the reference 2-core machine (issue 7).
const (
	targetRegistrationsPerSec = 1500
	targetRegistrationP99     = 50 * time.Millisecond
	targetReadsPerSec         = 10000
)

// loadTest runs four phases against one server on PostgreSQL + Redis, each
// o.duration long: a baseline of GET /healthz (the HTTP stack alone, the
// ceiling every other figure is a fraction of), dashboard reads alone,
// registrations alone, and both together.
func loadTest(ctx context.Context, o options) *Report {
	rep := newReport(o, "loadtest", "registrations and dashboard reads on PostgreSQL + Redis")
	s, err := newStack(ctx, o, rep)
	if err != nil {
		return rep.Fail(err)
	}
	defer s.Close()
	if err := s.up(ctx, 1); err != nil {
		return rep.Fail(err)
	}
	pid := s.servers[0].Pid()
	c := s.clients

	// phase runs fn for o.duration and returns the elapsed time and who
	// used the CPU, in cores.
	cpuUsers := []struct {
		name string
		time func() (time.Duration, error)
	}{
		{"server", func() (time.Duration, error) { return harness.CPUTime(pid) }},
		{"PostgreSQL", func() (time.Duration, error) { return harness.TreeCPUTime(s.pg.Pid()) }},
		{"Redis", func() (time.Duration, error) { return harness.CPUTime(s.redis.Pid()) }},
		{"generator", func() (time.Duration, error) { return harness.CPUTime(os.Getpid()) }},
	}
	phase := func(name string, fn func(ctx context.Context)) (time.Duration, string) {
		before := make([]time.Duration, len(cpuUsers))
		for i, u := range cpuUsers {
			before[i], _ = u.time()
		}
		t0 := time.Now()
		pctx, cancel := context.WithTimeout(ctx, o.duration)
		fn(pctx)
		cancel()
		elapsed := time.Since(t0)
		var parts []string
		for i, u := range cpuUsers {
			after, _ := u.time()
			parts = append(parts, fmt.Sprintf("%s %.2f", u.name, (after-before[i]).Seconds()/elapsed.Seconds()))
		}
		cores := "CPU cores: " + strings.Join(parts, ", ")
		rep.Logf("%s: done in %.1fs; %s", name, elapsed.Seconds(), cores)
		return elapsed, cores
	}
	mctx, stopMem := context.WithCancel(ctx)
	defer stopMem()
	mem := sampleMemory(mctx, []int{pid}, 250*time.Millisecond)

	var base *harness.Tally
	baseElapsed, baseCPU := phase("baseline GET /healthz", func(ctx context.Context) {
		base = hammer(ctx, o.readers, func(ctx context.Context, w int, t *harness.Tally) { get(ctx, c[0], "/healthz", t) })
	})
	var reads *harness.Tally
	readsElapsed, readsCPU := phase("dashboard reads alone", func(ctx context.Context) {
		reads = hammer(ctx, o.readers, readAdoption(c, s.markets))
	})
	regAlone := newRegistrar(c, s.markets, 10*time.Second)
	regElapsed, regCPU := phase("registrations alone", func(ctx context.Context) {
		var wg sync.WaitGroup
		for range o.writers {
			wg.Go(func() { regAlone.work(context.WithoutCancel(ctx), ctx) })
		}
		wg.Wait()
	})
	regMixed := newRegistrar(c, s.markets, 10*time.Second)
	regMixed.seq.Store(regAlone.seq.Load()) // new stalls and accounts
	var mixedReads *harness.Tally
	mixedElapsed, mixedCPU := phase("registrations and reads together", func(ctx context.Context) {
		var wg sync.WaitGroup
		for range o.writers {
			wg.Go(func() { regMixed.work(context.WithoutCancel(ctx), ctx) })
		}
		wg.Go(func() { mixedReads = hammer(ctx, o.readers, readAdoption(c, s.markets)) })
		wg.Wait()
	})
	stopMem()

	baseRate := float64(base.Count()) / baseElapsed.Seconds()
	rate := func(t *harness.Tally, d time.Duration) float64 { return float64(t.Count()) / d.Seconds() }
	line := func(t *harness.Tally, d time.Duration, cores string) string {
		return fmt.Sprintf("%s; %.2f× baseline; %s", t.Summary(d), rate(t, d)/baseRate, cores)
	}
	regAttempts, _ := regAlone.tallies()
	mixAttempts, _ := regMixed.tallies()
	rep.Figure("setup", "%d registering clients, %d readers, %d markets, %v per phase; %d cores shared by the server, PostgreSQL, Redis and this generator",
		o.writers, o.readers, len(s.markets), o.duration, runtime.NumCPU())
	rep.Figure("baseline /healthz", "%s; %s", base.Summary(baseElapsed), baseCPU)
	rep.Figure("reads alone", "%s", line(reads, readsElapsed, readsCPU))
	rep.Figure("registrations alone", "%s", line(regAttempts, regElapsed, regCPU))
	rep.Figure("mixed: registrations", "%s", line(mixAttempts, mixedElapsed, mixedCPU))
	rep.Figure("mixed: reads", "%s", line(mixedReads, mixedElapsed, mixedCPU))
	first, peak, last, _ := mem.summary(pid)
	rep.Figure("server RSS", "start %s, peak %s, end %s", harness.MiB(first), harness.MiB(peak), harness.MiB(last))

	// Correctness under load: the database holds exactly what was
	// acknowledged, and the counters agree.
	all := append(append([]registration(nil), regAlone.regs...), regMixed.regs...)
	v, err := verify(ctx, c[0], s.markets, all)
	if err != nil {
		return rep.Fail(fmt.Errorf("reading the vendors back: %w", err))
	}
	d, sources, _, err := drift(ctx, c, s.markets, v.active, 10*time.Second)
	if err != nil {
		return rep.Fail(fmt.Errorf("reading the counters: %w", err))
	}
	rep.Figure("database", "%d acknowledged, lost %d, duplicated %d, counter drift %d (from %v)", v.acked, v.lost, v.duplicated, d, sources)

	errs := errorsIn(regAttempts) + errorsIn(mixAttempts) + errorsIn(reads) + errorsIn(mixedReads)
	rep.Check(errs == 0, "0 errors (%d: %s %s %s %s)", errs, nonOKString(regAttempts), nonOKString(mixAttempts), nonOKString(reads), nonOKString(mixedReads))
	rep.Check(v.lost == 0 && v.duplicated == 0 && d == 0, "nothing lost or duplicated, counters equal the database")
	regRate := rate(regAttempts, regElapsed)
	rep.Check(regRate >= targetRegistrationsPerSec, "registrations ≥ %d/s (%.0f/s alone, %.0f/s mixed)", targetRegistrationsPerSec, regRate, rate(mixAttempts, mixedElapsed))
	rep.Check(regAttempts.Percentile(0.99) <= targetRegistrationP99, "registration p99 ≤ %v (%v alone, %v mixed)", targetRegistrationP99,
		harness.Round(regAttempts.Percentile(0.99)), harness.Round(mixAttempts.Percentile(0.99)))
	rep.Check(rate(reads, readsElapsed) >= targetReadsPerSec, "dashboard reads ≥ %d/s (%.0f/s alone, %.0f/s mixed)", targetReadsPerSec,
		rate(reads, readsElapsed), rate(mixedReads, mixedElapsed))
	return rep
}

func nonOKString(t *harness.Tally) string {
	k := nonOK(t)
	if len(k) == 0 {
		return ""
	}
	return strings.TrimSpace(harness.FormatKinds(k))
}
