package merchants_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sapqr/sapqr/merchants"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestLoginThrottlePolicy follows the README's policy step by step with a
// clock moved by hand; the delays are written out (1 s after the 5th
// failure, 2 s after the 6th, …).
func TestLoginThrottlePolicy(t *testing.T) {
	mt.OnEachDatabase(t, func(t *testing.T, db string) {
		t.Parallel()
		ctx := context.Background()
		store := mt.NewStoreOn(t, db)
		clock := &testClock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
		cfg := mt.Config()
		cfg.Now = clock.now
		s := merchants.NewService(store, cfg)
		if _, err := s.CreateUser(ctx, mt.Admin(), merchants.CreateUserInput{Username: "lan", Password: "rau muống xào tỏi",
			Role: merchants.RoleMember, CommuneCodes: []string{mt.CommuneA1}}); err != nil {
			t.Fatal(err)
		}
		const good = "rau muống xào tỏi"
		try := func(addr, pw string) (time.Duration, error) {
			_, err := s.LoginFrom(ctx, "lan", pw, addr)
			var te *merchants.ThrottledError
			if errors.As(err, &te) {
				return te.RetryAfter, err
			}
			return 0, err
		}
		for i := range 5 {
			if _, err := try("a", "wrong guess"); !errors.Is(err, merchants.ErrUnauthenticated) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		steps := []struct {
			name    string
			advance time.Duration
			addr    string
			pw      string
			wait    time.Duration // 0: not throttled
			ok      bool
		}{
			{"6th from a waits 1 s, even with the password", 0, "a", good, time.Second, false},
			{"owner from b gets in", 0, "b", good, 0, true},
			{"after 1 s a may try again", time.Second, "a", "wrong guess", 0, false},
			{"then waits 2 s", 0, "a", "wrong guess", 2 * time.Second, false},
			{"another address tries once", 0, "c", "wrong guess", 0, false},
			{"that address, having failed on a guessed account, waits the account's delay", 0, "c", "wrong guess", 4 * time.Second, false},
			{"the owner from a fresh address still gets in", 0, "d", good, 0, true},
			{"after 15 min of quiet everything lapses", 16 * time.Minute, "a", good, 0, true},
		}
		for _, st := range steps {
			clock.add(st.advance)
			wait, err := try(st.addr, st.pw)
			if wait != st.wait || st.ok != (err == nil) {
				t.Errorf("%s: wait %v, err %v; want wait %v, ok %v", st.name, wait, err, st.wait, st.ok)
			}
		}
		clock.add(16 * time.Minute)
		if _, err := s.PurgeSessions(ctx); err != nil {
			t.Fatal(err)
		}
		left, err := store.LoginFailures(ctx, []string{"addr:a", "acct:lan", "addr:c", "pair:lan|c"}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range left {
			if f.Count != 0 {
				t.Errorf("row %d outlived the purge: %+v", i, f)
			}
		}
	})
}
