package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sapqr/sapqr/deploy/harness"
)

// failoverMaster is the name the drill's Sentinels watch the primary under.
const failoverMaster = "sapqr"

// failover is the Redis of drill-redis-failover: the stack's Redis as the
// primary, a replica of it and three Sentinels (quorum 2).
type failover struct {
	replica   *harness.Redis
	sentinels []*harness.Sentinel
}

// startFailover adds a replica and three Sentinels to s's Redis and points
// the servers at the Sentinels (SAPQR_REDIS_URL with master_name and
// several addr).
func startFailover(ctx context.Context, s *stack) (*failover, error) {
	f := &failover{}
	var err error
	if f.replica, err = harness.StartRedisReplica(ctx, s.dir, s.redis); err != nil {
		return f, err
	}
	for range 3 {
		sn, err := harness.StartSentinel(ctx, s.dir, failoverMaster, s.redis, 2, time.Second, 5*time.Second)
		if err != nil {
			return f, err
		}
		f.sentinels = append(f.sentinels, sn)
	}
	url := "redis://" + f.sentinels[0].Addr() + "/0?master_name=" + failoverMaster +
		"&addr=" + f.sentinels[1].Addr() + "&addr=" + f.sentinels[2].Addr()
	for i, e := range s.sapqr.Env {
		if strings.HasPrefix(e, "SAPQR_REDIS_URL=") {
			s.sapqr.Env[i] = "SAPQR_REDIS_URL=" + url
		}
	}
	s.rep.Logf("Redis replica on 127.0.0.1:%d, Sentinels on %s, %s and %s (quorum 2, down after 1s); SAPQR_REDIS_URL=%s",
		f.replica.Port, f.sentinels[0].Addr(), f.sentinels[1].Addr(), f.sentinels[2].Addr(), url)
	return f, nil
}

// waitPromoted waits until a Sentinel names the replica as the primary.
func (f *failover) waitPromoted(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for _, sn := range f.sentinels {
			if port, err := sn.MasterPort(ctx, failoverMaster); err == nil && port == f.replica.Port {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("no Sentinel named the replica (port %d) primary within %v", f.replica.Port, within)
}

func (f *failover) Close() {
	for _, sn := range f.sentinels {
		sn.Close()
	}
	if f.replica != nil {
		f.replica.Close()
	}
}

// drillRedisFailover runs the counters on a Sentinel-watched primary with
// one replica and kills the primary (SIGKILL) a third into the load: the
// Sentinels promote the replica, the servers follow them, reads answer
// throughout (from the database while the counters cannot, then from the
// promoted replica) and the counters end equal to a recount.
func drillRedisFailover(ctx context.Context, o options) *Report {
	rep := newReport(o, "drill-redis-failover", "Redis primary killed under Sentinel during registrations")
	if _, _, err := harness.SentinelCommand(); err != nil {
		return rep.Fail(err)
	}
	s, err := newStack(ctx, o, rep)
	if err != nil {
		return rep.Fail(err)
	}
	defer s.Close()
	// startFailover returns what it started even when it fails part way,
	// so that it is stopped either way.
	fo, err := startFailover(ctx, s)
	if fo != nil {
		defer fo.Close()
	}
	if err != nil {
		return rep.Fail(err)
	}
	if err := s.up(ctx, 1); err != nil {
		return rep.Fail(err)
	}
	var killedAt, promotedAt time.Time
	var promoteErr error
	run := runRegistrations(ctx, s, func(ctx context.Context, start time.Time) {
		sleepUntil(ctx, start.Add(o.duration*3/10))
		s.redis.Kill()
		killedAt = time.Now()
		rep.Logf("Redis primary killed (SIGKILL)")
		if promoteErr = fo.waitPromoted(ctx, 30*time.Second); promoteErr == nil {
			promotedAt = time.Now()
			rep.Logf("Sentinels promoted the replica (127.0.0.1:%d) after %v", fo.replica.Port, promotedAt.Sub(killedAt).Round(10*time.Millisecond))
		}
	})
	if killedAt.IsZero() {
		return rep.Fail(fmt.Errorf("the primary was never killed"))
	}
	attempts, _ := run.g.tallies()
	failed := errorsIn(attempts)
	readErrs := errorsIn(run.reads)
	judge(ctx, s, run)
	rep.Figure("failover", "primary killed %v into the load; replica promoted %s", killedAt.Sub(run.start).Round(100*time.Millisecond), promotedIn(promotedAt, killedAt))
	rep.Check(promoteErr == nil, "the Sentinels promoted the replica (%v)", promoteErr)
	rep.Check(failed == 0, "no registration failed because of Redis (%d non-2xx attempts: %s)", failed, harness.FormatKinds(nonOK(attempts)))
	rep.Check(readErrs == 0, "dashboards kept answering (%d non-2xx reads: %s)", readErrs, harness.FormatKinds(nonOK(run.reads)))
	return rep
}

func promotedIn(promoted, killed time.Time) string {
	if promoted.IsZero() {
		return "never"
	}
	return strconv.FormatFloat(promoted.Sub(killed).Seconds(), 'f', 1, 64) + " s after"
}
