package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sapqr/sapqr/deploy/harness"
)

// drillReaders is how many dashboard readers run beside the registrations
// in the fault drills: enough to see reads through the fault, few enough
// to leave the CPU to the writers.
const drillReaders = 4

// loadRun is a registration load with dashboard reads, and a fault.
type loadRun struct {
	start   time.Time
	g       *registrar
	reads   *harness.Tally
	elapsed time.Duration
	mem     *memory
	pids    []int
}

// runRegistrations registers for the drill's duration with o.writers
// clients spread over every server, reads dashboards beside it, and runs
// fault at the same time. Registrations still retrying when the window
// closes finish first.
func runRegistrations(ctx context.Context, s *stack, fault func(ctx context.Context, start time.Time)) loadRun {
	run := loadRun{g: newRegistrar(s.clients, s.markets, 30*time.Second), pids: s.serverPids()}
	run.g.resendEvery = 10
	mctx, stopMem := context.WithCancel(ctx)
	defer stopMem()
	run.mem = sampleMemory(mctx, run.pids, 250*time.Millisecond)

	start := time.Now()
	run.start = start
	issue, stopIssue := context.WithTimeout(ctx, s.o.duration)
	defer stopIssue()
	var wg sync.WaitGroup
	for range s.o.writers {
		wg.Go(func() { run.g.work(ctx, issue) })
	}
	wg.Go(func() { run.reads = hammer(issue, drillReaders, readAdoptionMarked(s)) })
	if fault != nil {
		wg.Go(func() { fault(ctx, start) })
	}
	s.rep.Logf("load: %d registering clients, %d dashboard readers, for %v", s.o.writers, drillReaders, s.o.duration)
	wg.Wait()
	run.elapsed = time.Since(start)
	s.rep.Logf("load over: %d registrations issued", len(run.g.regs))
	return run
}

// sleepUntil waits until t or ctx is done.
func sleepUntil(ctx context.Context, t time.Time) {
	select {
	case <-ctx.Done():
	case <-time.After(time.Until(t)):
	}
}

// judge checks what every registration drill guarantees: every
// registration acknowledged, none lost, none duplicated, nothing stored
// behind a client's back, counters equal to the database.
func judge(ctx context.Context, s *stack, run loadRun) {
	rep := s.rep
	attempts, finals := run.g.tallies()
	acked := finals.CountIf(func(k string) bool { return strings.HasPrefix(k, "2") })
	replayed := 0
	for _, r := range run.g.regs {
		if r.result.Acked() && r.result.Header.Get("Idempotent-Replayed") == "true" {
			replayed++
		}
	}
	rep.Figure("registrations", "%d issued, %d acknowledged (%.0f/s), %d retries, %d acknowledged by replaying the stored answer",
		finals.Count(), acked, float64(acked)/run.elapsed.Seconds(), attempts.Count()-finals.Count(), replayed)
	rep.Figure("attempts", "%s", attempts.Summary(run.elapsed))
	rep.Figure("end to end", "%s", finals.Summary(run.elapsed))
	rep.Figure("dashboard reads", "%s", run.reads.Summary(run.elapsed))
	rep.Figure("server RSS", "%s", run.mem.rssFigure(run.pids))

	v, err := verify(ctx, s.clients[0], s.markets, run.g.regs)
	if err != nil {
		rep.Fail(fmt.Errorf("reading the vendors back: %w", err))
		return
	}
	total := 0
	for _, n := range v.active {
		total += n
	}
	rep.Figure("database", "%d active vendors; lost %d, duplicated %d, stored unacknowledged %d, unexpected %d, stalls held twice %d",
		total, v.lost, v.duplicated, v.storedUnacked, v.unexpected, v.shared)
	for _, e := range v.examples {
		rep.Logf("example: %s", e)
	}
	d, sources, notes, err := drift(ctx, s.clients, s.markets, v.active, v.held, 10*time.Second)
	if err != nil {
		rep.Fail(fmt.Errorf("reading the counters: %w", err))
		return
	}
	rep.Figure("counter drift", "%d over %d markets × %d server(s) (answered from: %v)", d, len(s.markets), len(s.clients), sources)
	for _, n := range notes {
		rep.Logf("drift: %s", n)
	}

	rep.Check(acked == v.attempted && acked > 0, "every registration acknowledged within the clients' %v retry budget (%d of %d; the others ended with %s)",
		run.g.policy.Budget, acked, v.attempted, harness.FormatKinds(nonOK(finals)))
	rep.Check(v.lost == 0, "no acknowledged registration lost (%d)", v.lost)
	rep.Check(v.duplicated == 0 && v.unexpected == 0, "none duplicated (%d duplicated, %d unexpected)", v.duplicated, v.unexpected)
	rep.Check(v.storedUnacked == 0, "nothing stored without acknowledgement (%d)", v.storedUnacked)
	rep.Check(v.shared == 0, "one active vendor per stall (%d stalls held by more than one)", v.shared)
	resent, resentOK := 0, 0
	resentKinds := map[string]int{}
	for _, r := range run.g.regs {
		if r.resent {
			resent++
			resentKinds[r.resentKind]++
			if r.resentOK {
				resentOK++
			}
		}
	}
	rep.Check(resent > 0 && resentOK == resent, "every acknowledged registration sent again with its Idempotency-Key (to the next server) got its first answer back, replayed (%d of %d: %s)",
		resentOK, resent, harness.FormatKinds(resentKinds))
	rep.Check(d == 0, "counters equal the database (drift %d)", d)
}

// drillRedis kills Redis (SIGKILL, no persistence) a third into the load
// and starts it again, empty, after o.outage.
func drillRedis(ctx context.Context, o options) *Report {
	rep := newReport(o, "drill-redis", "Redis killed and restarted during registrations")
	s, err := newStack(ctx, o, rep)
	if err != nil {
		return rep.Fail(err)
	}
	defer s.Close()
	if err := s.up(ctx, 1); err != nil {
		return rep.Fail(err)
	}
	var killedAt, backAt time.Time
	run := runRegistrations(ctx, s, func(ctx context.Context, start time.Time) {
		sleepUntil(ctx, start.Add(o.duration*3/10))
		s.redis.Kill()
		killedAt = time.Now()
		rep.Logf("Redis killed (SIGKILL)")
		sleepUntil(ctx, killedAt.Add(o.outage))
		if err := s.redis.Start(ctx); err != nil {
			rep.Logf("Redis did not come back: %v", err)
			return
		}
		backAt = time.Now()
		rep.Logf("Redis restarted, empty, on the same port")
	})
	if backAt.IsZero() {
		return rep.Fail(fmt.Errorf("the fault did not complete (Redis killed at %v)", killedAt))
	}
	attempts, _ := run.g.tallies()
	failed := errorsIn(attempts)
	readErrs := errorsIn(run.reads)
	judge(ctx, s, run)
	rep.Check(failed == 0, "no request failed because of Redis (%d non-2xx attempts: %s)", failed, harness.FormatKinds(nonOK(attempts)))
	rep.Check(readErrs == 0, "dashboards kept answering (%d non-2xx reads: %s)", readErrs, harness.FormatKinds(nonOK(run.reads)))
	return rep
}

// drillPostgres stops PostgreSQL a third into the load (o.pgStop: fast, a
// clean shutdown, or immediate, a crash) and starts it again after
// o.outage. Clients retry with their Idempotency-Key.
func drillPostgres(ctx context.Context, o options) *Report {
	rep := newReport(o, "drill-postgres", "PostgreSQL restarted during registrations")
	s, err := newStack(ctx, o, rep)
	if err != nil {
		return rep.Fail(err)
	}
	defer s.Close()
	if err := s.up(ctx, 1); err != nil {
		return rep.Fail(err)
	}
	var downAt, upAt time.Time
	var readyDown, readyUp string
	run := runRegistrations(ctx, s, func(ctx context.Context, start time.Time) {
		sleepUntil(ctx, start.Add(o.duration*3/10))
		if err := s.pg.Stop(ctx, o.pgStop); err != nil {
			rep.Logf("%v", err)
			return
		}
		downAt = time.Now()
		s.down.Store(true)
		rep.Logf("PostgreSQL stopped (pg_ctl stop -m %s)", o.pgStop)
		sleepUntil(ctx, downAt.Add(o.outage/2))
		readyDown = readyz(ctx, s.clients[0])
		rep.Logf("/readyz while down: %s", readyDown)
		sleepUntil(ctx, downAt.Add(o.outage))
		s.down.Store(false)
		if err := s.pg.Start(ctx); err != nil {
			rep.Logf("PostgreSQL did not come back: %v", err)
			return
		}
		upAt = time.Now()
		rep.Logf("PostgreSQL started again")
		sleepUntil(ctx, upAt.Add(2*time.Second))
		readyUp = readyz(ctx, s.clients[0])
		rep.Logf("/readyz 2s after: %s", readyUp)
	})
	if upAt.IsZero() {
		return rep.Fail(fmt.Errorf("the fault did not complete (stopped at %v)", downAt))
	}

	// Every refusal must be a clean 503 with Retry-After; transport errors
	// or other 5xx are not.
	var clean, unclean int
	var recovered time.Time
	uncleanKinds := map[string]int{}
	for _, r := range run.g.regs {
		for _, a := range r.result.Attempts {
			switch {
			case strings.HasPrefix(a.Kind, "2"):
				if end := a.At.Add(a.Latency); a.At.After(upAt) && (recovered.IsZero() || end.Before(recovered)) {
					recovered = end
				}
			case strings.HasPrefix(a.Kind, "503") && a.RetryAfter != "":
				clean++
			case strings.HasPrefix(a.Kind, "409") && a.RetryAfter != "":
				clean++ // the first attempt under this key is still running
			default:
				unclean++
				uncleanKinds[a.Kind]++
			}
		}
	}
	judge(ctx, s, run)
	rep.Figure("outage", "%v down; %d attempts refused with 503 + Retry-After; first acknowledgement %v after restart",
		upAt.Sub(downAt).Round(100*time.Millisecond), clean, harness.Round(recovered.Sub(upAt)))
	rep.Check(unclean == 0, "registrations failed cleanly while down: only 503 with Retry-After (%d others: %s)", unclean, harness.FormatKinds(uncleanKinds))
	checkReadsWhileDown(rep, run.reads)
	rep.Check(strings.HasPrefix(readyDown, "503"), "/readyz reported the database down (%s)", readyDown)
	rep.Check(!recovered.IsZero() && strings.HasPrefix(readyUp, "200"), "recovered by itself (/readyz %s after restart)", readyUp)
	return rep
}

// checkReadsWhileDown checks the dashboard reads of drill-postgres: those
// made while the database was down (outagePrefix) answered from the
// counters, marked stale, at least 99% of them; none answered anything
// but 200 or 503.
func checkReadsWhileDown(rep *Report, reads *harness.Tally) {
	badReads := map[string]int{}
	down, downStale := 0, 0
	for k, n := range reads.Kinds() {
		k, during := strings.CutPrefix(k, outagePrefix)
		if during {
			down += n
			if k == staleOK {
				downStale += n
			}
		}
		if !strings.HasPrefix(k, "2") && !strings.HasPrefix(k, "503") {
			badReads[k] = n
		}
	}
	rep.Figure("reads while down", "%d dashboard reads began and ended while PostgreSQL was down: %d answered 200 from the counters with stale true",
		down, downStale)
	rep.Check(down > 0 && downStale*100 >= down*99, "dashboard reads while down answered from the counters: ≥ 99%% 200 with stale true (%d of %d)", downStale, down)
	rep.Check(len(badReads) == 0, "dashboard reads failed cleanly: only 503 (others: %s)", harness.FormatKinds(badReads))
}

// readyz returns the status and body of GET /readyz, for the timeline.
func readyz(ctx context.Context, c *harness.Client) string {
	r, err := c.Do(ctx, http.MethodGet, "/readyz", nil, nil)
	if err != nil {
		return harness.TransportKind(err)
	}
	return fmt.Sprintf("%d %s", r.Status, strings.TrimSpace(string(r.Body)))
}

// drillReplicas starts two servers and two `sapqr migrate` at the same
// moment on an empty database, then spreads registrations over both
// servers.
func drillReplicas(ctx context.Context, o options) *Report {
	rep := newReport(o, "drill-replicas", "two replicas migrating at once against one PostgreSQL and Redis")
	s, err := newStack(ctx, o, rep)
	if err != nil {
		return rep.Fail(err)
	}
	defer s.Close()

	// Everything that migrates starts at once on the empty database.
	t0 := time.Now()
	var wg sync.WaitGroup
	migrateErrs := make([]error, 2)
	for i := range migrateErrs {
		wg.Go(func() { _, migrateErrs[i] = s.sapqr.Run(ctx, "", "migrate") })
	}
	var serveErr error
	wg.Go(func() { serveErr = s.serve(ctx, 2) })
	wg.Wait()
	rep.Logf("2 × sapqr migrate and 2 × sapqr serve started together on an empty database (%.1fs)", time.Since(t0).Seconds())
	if !rep.Check(serveErr == nil, "both replicas migrated and became ready (%v)", serveErr) {
		return rep
	}
	for i, err := range migrateErrs {
		rep.Check(err == nil, "sapqr migrate %d succeeded beside them (%v)", i+1, err)
	}
	out, err := s.sapqr.Run(ctx, "", "migrate")
	rep.Check(err == nil && !strings.Contains(out, "applied "), "a later sapqr migrate finds nothing left to do (%q, %v)", strings.TrimSpace(out), err)

	password, err := s.addAdmin(ctx)
	if err != nil {
		return rep.Fail(err)
	}
	if err := s.login(ctx, password); err != nil {
		return rep.Fail(err)
	}
	if err := s.createMarkets(ctx, o.markets); err != nil {
		return rep.Fail(err)
	}
	run := runRegistrations(ctx, s, nil)
	perServer := make([]int, len(s.servers))
	for _, r := range run.g.regs {
		if r.result.Acked() {
			perServer[r.server]++
		}
	}
	rep.Figure("spread", "acknowledged by server: %v", perServer)
	judge(ctx, s, run)
	attempts, _ := run.g.tallies()
	rep.Check(errorsIn(attempts) == 0, "no request failed (%s)", harness.FormatKinds(nonOK(attempts)))
	return rep
}

// nonOK returns the outcome kinds of t that are not 2xx.
func nonOK(t *harness.Tally) map[string]int {
	out := map[string]int{}
	for k, n := range t.Kinds() {
		if !strings.HasPrefix(k, "2") {
			out[k] = n
		}
	}
	return out
}
