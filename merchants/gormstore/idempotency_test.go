package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants/gormstore"
	"github.com/sapqr/sapqr/merchants/merchantstest"
)

// claimResult is what ClaimIdempotencyKey answered, for comparison.
type claimResult struct {
	Claimed     bool
	Fingerprint string
	Response    string
}

const (
	testLease = 20 * time.Second
	testTTL   = 24 * time.Hour
)

// over is an abandoned callback that calls the given holders' requests
// over, as the process that made them would.
func over(holders ...string) func(string) bool {
	return func(h string) bool {
		for _, o := range holders {
			if h == o {
				return true
			}
		}
		return false
	}
}

func TestIdempotencyKeys(t *testing.T) {
	for _, db := range merchantstest.Databases() {
		t.Run(db, func(t *testing.T) { testIdempotencyKeys(t, db) })
	}
}

func testIdempotencyKeys(t *testing.T, db string) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

	type step struct {
		do        string // claim, save, release
		user      int64
		key, fp   string
		claim     string
		at        time.Duration // after t0
		abandoned func(string) bool
		resp      string
		want      claimResult
		wantErr   error // of save
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"a free key is claimed", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/1", want: claimResult{Claimed: true}},
		}},
		{"a running claim is reported with no response", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/1", want: claimResult{Claimed: true}},
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/2", at: time.Second, abandoned: over("a/9"), want: claimResult{Fingerprint: "f1"}},
		}},
		{"a saved answer is returned with its fingerprint", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/1", want: claimResult{Claimed: true}},
			{do: "save", user: 1, key: "k", claim: "a/1", resp: `{"status":201}`},
			{do: "claim", user: 1, key: "k", fp: "f2", claim: "a/2", at: time.Hour, want: claimResult{Fingerprint: "f1", Response: `{"status":201}`}},
		}},
		{"a saved answer is returned even when its claim is called over", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/1", want: claimResult{Claimed: true}},
			{do: "save", user: 1, key: "k", claim: "a/1", resp: "done"},
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/2", at: time.Second, abandoned: over("a/1"), want: claimResult{Fingerprint: "f1", Response: "done"}},
		}},
		{"keys are scoped to the user", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/1", want: claimResult{Claimed: true}},
			{do: "claim", user: 2, key: "k", fp: "f1", claim: "a/2", want: claimResult{Claimed: true}},
		}},
		{"an expired answer frees the key", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/1", want: claimResult{Claimed: true}},
			{do: "save", user: 1, key: "k", claim: "a/1", resp: "old"},
			{do: "claim", user: 1, key: "k", fp: "f2", claim: "a/2", at: testTTL + time.Second, want: claimResult{Claimed: true}},
			{do: "claim", user: 1, key: "k", fp: "f2", claim: "a/3", at: testTTL + 2*time.Second, want: claimResult{Fingerprint: "f2"}},
		}},
		{"the process that made a claim takes it over at once when its request is over", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/1", want: claimResult{Claimed: true}},
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/2", at: time.Second, abandoned: over("a/1"), want: claimResult{Claimed: true}},
			// The new holder runs; the old one can no longer answer.
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "b/1", at: 2 * time.Second, want: claimResult{Fingerprint: "f1"}},
			{do: "save", user: 1, key: "k", claim: "a/1", resp: "stale", wantErr: gormstore.ErrClaimLost},
			{do: "save", user: 1, key: "k", claim: "a/2", resp: "fresh"},
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "b/2", at: 3 * time.Second, want: claimResult{Fingerprint: "f1", Response: "fresh"}},
		}},
		{"another replica takes an abandoned claim over only after its lease", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/1", want: claimResult{Claimed: true}},
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "b/1", at: testLease - time.Second, abandoned: over(), want: claimResult{Fingerprint: "f1"}},
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "b/2", at: testLease, abandoned: over(), want: claimResult{Claimed: true}},
			{do: "save", user: 1, key: "k", claim: "a/1", resp: "late", wantErr: gormstore.ErrClaimLost},
		}},
		{"a takeover may carry another body: the first was never answered", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/1", want: claimResult{Claimed: true}},
			{do: "claim", user: 1, key: "k", fp: "f2", claim: "a/2", at: time.Second, abandoned: over("a/1"), want: claimResult{Claimed: true}},
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/3", at: 2 * time.Second, want: claimResult{Fingerprint: "f2"}},
		}},
		{"a released claim can be claimed again", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/1", want: claimResult{Claimed: true}},
			{do: "release", user: 1, key: "k", claim: "a/1"},
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/2", at: time.Second, want: claimResult{Claimed: true}},
		}},
		{"only the holder releases a claim", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/1", want: claimResult{Claimed: true}},
			{do: "release", user: 1, key: "k", claim: "a/9"},
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/2", at: time.Second, want: claimResult{Fingerprint: "f1"}},
		}},
		{"release keeps a stored answer", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/1", want: claimResult{Claimed: true}},
			{do: "save", user: 1, key: "k", claim: "a/1", resp: "done"},
			{do: "release", user: 1, key: "k", claim: "a/1"},
			{do: "claim", user: 1, key: "k", fp: "f1", claim: "a/2", at: time.Second, want: claimResult{Fingerprint: "f1", Response: "done"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := merchantstest.NewStoreOn(t, db)
			for i, s := range tt.steps {
				switch s.do {
				case "claim":
					claimed, fp, resp, err := st.ClaimIdempotencyKey(ctx, s.user, s.key, s.fp, s.claim, t0.Add(s.at), testLease, testTTL, s.abandoned)
					if err != nil {
						t.Fatalf("step %d: claim: %v", i, err)
					}
					got := claimResult{Claimed: claimed, Fingerprint: fp, Response: string(resp)}
					if diff := cmp.Diff(s.want, got); diff != "" {
						t.Fatalf("step %d: claim (-want +got):\n%s", i, diff)
					}
				case "save":
					err := st.SaveIdempotentResponse(ctx, s.user, s.key, s.claim, []byte(s.resp))
					if !errors.Is(err, s.wantErr) {
						t.Fatalf("step %d: save: %v; want %v", i, err, s.wantErr)
					}
				case "release":
					if err := st.ReleaseIdempotencyKey(ctx, s.user, s.key, s.claim); err != nil {
						t.Fatalf("step %d: release: %v", i, err)
					}
				}
			}
		})
	}
}

// TestIdempotencyConcurrentClaims: of many simultaneous requests under one
// key, exactly one runs — for a free key, and for a key whose claim was
// abandoned (every contender knows it is over, as when several retries of
// one request reach the process that made it, or its lease has passed for
// every replica).
func TestIdempotencyConcurrentClaims(t *testing.T) {
	for _, db := range merchantstest.Databases() {
		t.Run(db, func(t *testing.T) {
			tests := []struct {
				name    string
				prepare func(t *testing.T, st *gormstore.Store, now time.Time)
				at      time.Duration
				abandon func(string) bool
			}{
				{"free key", func(*testing.T, *gormstore.Store, time.Time) {}, 0, nil},
				{"claim abandoned in this process", claimedBy("a/0"), time.Second, over("a/0")},
				{"claim past its lease", claimedBy("z/0"), testLease + time.Second, over()},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					st := merchantstest.NewStoreOn(t, db)
					now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
					tt.prepare(t, st, now)
					const n = 8
					var wg sync.WaitGroup
					results := make(chan bool, n)
					for i := range n {
						wg.Go(func() {
							claimed, _, _, err := st.ClaimIdempotencyKey(context.Background(), 7, "same", "fp", fmt.Sprintf("a/%d", i+1),
								now.Add(tt.at), testLease, testTTL, tt.abandon)
							if err != nil {
								t.Error(err)
							}
							results <- claimed
						})
					}
					wg.Wait()
					close(results)
					winners := 0
					for c := range results {
						if c {
							winners++
						}
					}
					if winners != 1 {
						t.Fatalf("%d of %d concurrent claims won; want exactly 1", winners, n)
					}
				})
			}
		})
	}
}

// claimedBy prepares a key claimed by holder at the test's start.
func claimedBy(holder string) func(*testing.T, *gormstore.Store, time.Time) {
	return func(t *testing.T, st *gormstore.Store, now time.Time) {
		claimed, _, _, err := st.ClaimIdempotencyKey(context.Background(), 7, "same", "fp", holder, now, testLease, testTTL, nil)
		if err != nil || !claimed {
			t.Fatalf("first claim: %v %v", claimed, err)
		}
	}
}

func TestPurgeIdempotencyKeys(t *testing.T) {
	st := merchantstest.NewStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, key := range []string{"old", "new"} {
		if _, _, _, err := st.ClaimIdempotencyKey(ctx, 1, key, "fp", "a/1", t0.Add(time.Duration(i)*time.Hour), testLease, time.Hour, nil); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveIdempotentResponse(ctx, 1, key, "a/1", []byte("answer")); err != nil {
			t.Fatal(err)
		}
	}
	n, err := st.PurgeIdempotencyKeys(ctx, t0.Add(90*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("purged %d rows; want 1 (only the expired key)", n)
	}
	// The unexpired key is still held.
	claimed, _, resp, err := st.ClaimIdempotencyKey(ctx, 1, "new", "fp", "a/2", t0.Add(91*time.Minute), testLease, time.Hour, nil)
	if err != nil || claimed || string(resp) != "answer" {
		t.Fatalf("claim of the kept key: claimed %v, response %q, err %v; want its stored answer", claimed, resp, err)
	}
}

// TestIdempotencyClaimsInTransaction: on PostgreSQL a claim made inside
// Atomically belongs to that transaction. Of concurrent requests under
// one key exactly one claims it and the others are told at once that it
// is in progress (no response), without waiting for the first to end; a
// claim whose transaction rolls back (the request failed, or its replica
// died) leaves the key free for the next request at once; a committed
// answer is replayed.
func TestIdempotencyClaimsInTransaction(t *testing.T) {
	st := merchantstest.NewStoreOn(t, gormstore.Postgres)
	if !st.ClaimsInTransaction() {
		t.Fatal("PostgreSQL claims outside the transaction")
	}
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	claim := func(ctx context.Context, name string) claimResult {
		t.Helper()
		claimed, fp, resp, err := st.ClaimIdempotencyKey(ctx, 7, "k", "fp", name, now, testLease, testTTL, nil)
		if err != nil {
			t.Fatal(err)
		}
		return claimResult{Claimed: claimed, Fingerprint: fp, Response: string(resp)}
	}
	errRollback := errors.New("the request failed")

	// A held key: the others answer at once, while the holder still runs.
	release := make(chan struct{})
	held := make(chan claimResult, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = st.Atomically(ctx, func(ctx context.Context) error {
			held <- claim(ctx, "a/1")
			<-release
			return errRollback
		})
	})
	if got := <-held; !got.Claimed {
		t.Fatalf("first claim: %+v; want claimed", got)
	}
	for i := range 3 {
		done := make(chan claimResult, 1)
		go func() {
			_ = st.Atomically(ctx, func(ctx context.Context) error {
				done <- claim(ctx, fmt.Sprintf("b/%d", i))
				return errRollback
			})
		}()
		select {
		case got := <-done:
			if diff := cmp.Diff(claimResult{Fingerprint: "fp"}, got); diff != "" {
				t.Fatalf("concurrent claim (-want +got):\n%s", diff)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a concurrent claim waited for the holder's transaction")
		}
	}
	close(release)
	wg.Wait()

	// Rolled back: free again; committed with an answer: replayed.
	err := st.Atomically(ctx, func(ctx context.Context) error {
		if got := claim(ctx, "c/1"); !got.Claimed {
			t.Fatalf("claim after a rollback: %+v; want claimed", got)
		}
		return st.SaveIdempotentResponse(ctx, 7, "k", "c/1", []byte("done"))
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = st.Atomically(ctx, func(ctx context.Context) error {
		if diff := cmp.Diff(claimResult{Fingerprint: "fp", Response: "done"}, claim(ctx, "d/1")); diff != "" {
			t.Errorf("claim of an answered key (-want +got):\n%s", diff)
		}
		return errRollback
	})
}
