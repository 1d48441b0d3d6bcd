package rediscounters

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
)

// TestLoginThrottle: failures count per key, lapse when their last is
// before since, and clear by key, as merchants.LoginThrottle says (the
// same answers as the database's table).
func TestLoginThrottle(t *testing.T) {
	url := os.Getenv("SAPQR_TEST_REDIS_URL")
	if url == "" {
		t.Skip("SAPQR_TEST_REDIS_URL not set")
	}
	r, _ := openTestRedis(t, url)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	keep := 15 * time.Minute
	keys := []string{"addr:198.51.100.7", "acct:lan", "pair:lan|198.51.100.7"}
	for i := range 3 {
		now := t0.Add(time.Duration(i) * time.Second)
		if err := r.RecordLoginFailure(ctx, keys[:2+i%2], now, now.Add(-keep)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.LoginFailures(ctx, keys, t0.Add(-keep))
	if err != nil {
		t.Fatal(err)
	}
	want := []merchants.LoginFailures{
		{Count: 3, Last: t0.Add(2 * time.Second)},
		{Count: 3, Last: t0.Add(2 * time.Second)},
		{Count: 1, Last: t0.Add(time.Second)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if got, _ := r.LoginFailures(ctx, keys, t0.Add(2*time.Second+time.Millisecond)); got[0].Count != 0 {
		t.Errorf("lapsed failures still count: %+v", got)
	}
	if err := r.ClearLoginFailures(ctx, keys[2:]); err != nil {
		t.Fatal(err)
	}
	got, _ = r.LoginFailures(ctx, keys, t0.Add(-keep))
	if got[2].Count != 0 || got[0].Count != 3 {
		t.Errorf("after clearing the pair: %+v", got)
	}
}
