package rediscounters

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sapqr/sapqr/merchants"
)

var _ merchants.LoginThrottle = (*Redis)(nil)

// loginKey is where the failed logins under key are kept: a hash of the
// count (n) and the last failure in Unix milliseconds (last), expiring
// when the count would lapse.
func (r *Redis) loginKey(key string) string { return r.base + ":login:" + key }

// LoginFailures implements merchants.LoginThrottle.
func (r *Redis) LoginFailures(ctx context.Context, keys []string, since time.Time) ([]merchants.LoginFailures, error) {
	pipe := r.client.Pipeline()
	cmds := make([]*redis.SliceCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.HMGet(ctx, r.loginKey(k), "n", "last")
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("login failures: %w", err)
	}
	out := make([]merchants.LoginFailures, len(keys))
	for i, c := range cmds {
		v := c.Val()
		if len(v) != 2 || v[0] == nil || v[1] == nil {
			continue
		}
		n, err1 := strconv.ParseInt(fmt.Sprint(v[0]), 10, 64)
		ms, err2 := strconv.ParseInt(fmt.Sprint(v[1]), 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		last := time.UnixMilli(ms).UTC()
		if !last.Before(since) {
			out[i] = merchants.LoginFailures{Count: n, Last: last}
		}
	}
	return out, nil
}

// RecordLoginFailure implements merchants.LoginThrottle. The key expires
// when a failure at now lapses (now - since after now), so an old count
// never outlives the window and a new failure starts from one.
func (r *Redis) RecordLoginFailure(ctx context.Context, keys []string, now, since time.Time) error {
	keep := now.Sub(since)
	pipe := r.client.TxPipeline()
	for _, k := range keys {
		rk := r.loginKey(k)
		pipe.HIncrBy(ctx, rk, "n", 1)
		pipe.HSet(ctx, rk, "last", now.UnixMilli())
		pipe.PExpire(ctx, rk, keep)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("record login failure: %w", err)
	}
	return nil
}

// ClearLoginFailures implements merchants.LoginThrottle.
func (r *Redis) ClearLoginFailures(ctx context.Context, keys []string) error {
	rks := make([]string, len(keys))
	for i, k := range keys {
		rks[i] = r.loginKey(k)
	}
	if err := r.client.Del(ctx, rks...).Err(); err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}
