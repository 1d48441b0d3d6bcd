package rediscounters

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sapqr/sapqr/merchants"
)

// openTestRedis returns counters in a namespace of their own and a function
// deleting every key of that namespace (never FLUSHDB: other tests share
// the database). The keys are deleted when the test ends.
func openTestRedis(t testing.TB, url string) (*Redis, func()) {
	t.Helper()
	r, err := Open(url, "test-"+rand.Text()[:12])
	if err != nil {
		t.Fatalf("SAPQR_TEST_REDIS_URL: %v", err)
	}
	flush := func() { deleteNamespace(t, r.client, r.Prefix()) }
	t.Cleanup(func() {
		flush()
		r.Close()
	})
	return r, flush
}

func deleteNamespace(t testing.TB, client redis.UniversalClient, prefix string) {
	t.Helper()
	ctx := context.Background()
	iter := client.Scan(ctx, 0, redisPattern(prefix), 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("scan %s: %v", prefix, err)
	}
	if len(keys) > 0 {
		if err := client.Del(ctx, keys...).Err(); err != nil {
			t.Fatalf("delete %s: %v", prefix, err)
		}
	}
}

// redisPattern escapes the glob characters of a key prefix and matches
// every key under it.
func redisPattern(prefix string) string {
	var b []byte
	for i := 0; i < len(prefix); i++ {
		switch prefix[i] {
		case '*', '?', '[', ']', '\\':
			b = append(b, '\\')
		}
		b = append(b, prefix[i])
	}
	return string(b) + "*"
}

func TestRedisUnavailable(t *testing.T) {
	// Nothing listens on port 1: every call must say unavailable, not cold.
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer client.Close()
	r, err := NewRedis(client, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	calls := map[string]func() error{
		"Apply":   func() error { return r.Apply(ctx, []merchants.MarketCounts{mc(1, "01", "00004", 1, 1, 1, 1, 1)}) },
		"Rebuild": func() error { return r.Rebuild(ctx, nil) },
		"Markets": func() error { _, err := r.Markets(ctx, merchants.UnitFilter{}); return err },
		"Totals":  func() error { _, err := r.Totals(ctx, merchants.UnitFilter{}); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, merchants.ErrCountersUnavailable) {
			t.Errorf("%s error = %v, want ErrCountersUnavailable", name, err)
		}
	}
}

func TestNewRedisNamespace(t *testing.T) {
	for _, ns := range []string{"a:b", "x{y}", "with space", "a,b"} {
		if _, err := NewRedis(redis.NewClient(&redis.Options{}), ns); err == nil {
			t.Errorf("NewRedis(%q) accepted a namespace that breaks the key layout", ns)
		}
	}
	r, err := NewRedis(redis.NewClient(&redis.Options{}), "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Prefix(), "{sapqr:v1}:"; got != want {
		t.Errorf("Prefix() = %q, want %q", got, want)
	}
}

// TestRedisRebuildLost proves a rebuild whose token vanished (a flush in the
// middle of it) fails as cold instead of marking partial counters built.
func TestRedisRebuildLost(t *testing.T) {
	url := os.Getenv("SAPQR_TEST_REDIS_URL")
	if url == "" {
		t.Skip("SAPQR_TEST_REDIS_URL not set")
	}
	r, _ := openTestRedis(t, url)
	ctx := context.Background()
	args := appendCounts([]any{"rebuild", "a-token-nobody-set"}, []merchants.MarketCounts{mc(1, "01", "00004", 1, 1, 1, 1, 1)})
	err := r.fail("rebuild", r.apply.Run(ctx, r.client, []string{r.base}, args...).Err())
	if !errors.Is(err, merchants.ErrCountersCold) {
		t.Fatalf("chunk with a lost token: err = %v, want ErrCountersCold", err)
	}
	err = r.fail("rebuild", r.finish.Run(ctx, r.client, []string{r.base}, "a-token-nobody-set", "now").Err())
	if !errors.Is(err, merchants.ErrCountersCold) {
		t.Fatalf("finish with a lost token: err = %v, want ErrCountersCold", err)
	}
	if _, err := r.Markets(ctx, merchants.UnitFilter{}); !errors.Is(err, merchants.ErrCountersCold) {
		t.Fatalf("after a lost rebuild Markets error = %v, want ErrCountersCold", err)
	}
}
