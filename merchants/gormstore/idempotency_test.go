package gormstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants/merchantstest"
)

// claimResult is what ClaimIdempotencyKey answered, for comparison.
type claimResult struct {
	Claimed     bool
	Fingerprint string
	Response    string
}

func TestIdempotencyKeys(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	const ttl = 24 * time.Hour

	type step struct {
		do      string // claim, save, release
		user    int64
		key, fp string
		at      time.Duration // after t0
		resp    string
		want    claimResult
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"a free key is claimed", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", want: claimResult{Claimed: true}},
		}},
		{"a running claim is reported with no response", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", want: claimResult{Claimed: true}},
			{do: "claim", user: 1, key: "k", fp: "f1", at: time.Second, want: claimResult{Fingerprint: "f1"}},
		}},
		{"a saved answer is returned with its fingerprint", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", want: claimResult{Claimed: true}},
			{do: "save", user: 1, key: "k", resp: `{"status":201}`},
			{do: "claim", user: 1, key: "k", fp: "f2", at: time.Hour, want: claimResult{Fingerprint: "f1", Response: `{"status":201}`}},
		}},
		{"keys are scoped to the user", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", want: claimResult{Claimed: true}},
			{do: "claim", user: 2, key: "k", fp: "f1", want: claimResult{Claimed: true}},
		}},
		{"an expired answer frees the key", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", want: claimResult{Claimed: true}},
			{do: "save", user: 1, key: "k", resp: "old"},
			{do: "claim", user: 1, key: "k", fp: "f2", at: ttl + time.Second, want: claimResult{Claimed: true}},
			{do: "claim", user: 1, key: "k", fp: "f2", at: ttl + 2*time.Second, want: claimResult{Fingerprint: "f2"}},
		}},
		{"a claim abandoned by a crashed request is taken over after the lock", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", want: claimResult{Claimed: true}},
			{do: "claim", user: 1, key: "k", fp: "f1", at: time.Minute, want: claimResult{Fingerprint: "f1"}},
			{do: "claim", user: 1, key: "k", fp: "f1", at: 3 * time.Minute, want: claimResult{Claimed: true}},
		}},
		{"a released claim can be claimed again", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", want: claimResult{Claimed: true}},
			{do: "release", user: 1, key: "k"},
			{do: "claim", user: 1, key: "k", fp: "f1", at: time.Second, want: claimResult{Claimed: true}},
		}},
		{"release keeps a stored answer", []step{
			{do: "claim", user: 1, key: "k", fp: "f1", want: claimResult{Claimed: true}},
			{do: "save", user: 1, key: "k", resp: "done"},
			{do: "release", user: 1, key: "k"},
			{do: "claim", user: 1, key: "k", fp: "f1", at: time.Second, want: claimResult{Fingerprint: "f1", Response: "done"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := merchantstest.NewStore(t)
			for i, s := range tt.steps {
				switch s.do {
				case "claim":
					claimed, fp, resp, err := st.ClaimIdempotencyKey(ctx, s.user, s.key, s.fp, t0.Add(s.at), ttl)
					if err != nil {
						t.Fatalf("step %d: claim: %v", i, err)
					}
					got := claimResult{Claimed: claimed, Fingerprint: fp, Response: string(resp)}
					if diff := cmp.Diff(s.want, got); diff != "" {
						t.Fatalf("step %d: claim (-want +got):\n%s", i, diff)
					}
				case "save":
					if err := st.SaveIdempotentResponse(ctx, s.user, s.key, []byte(s.resp)); err != nil {
						t.Fatalf("step %d: save: %v", i, err)
					}
				case "release":
					if err := st.ReleaseIdempotencyKey(ctx, s.user, s.key); err != nil {
						t.Fatalf("step %d: release: %v", i, err)
					}
				}
			}
		})
	}
}

// TestIdempotencyConcurrentClaims: of many simultaneous first requests
// under one key, exactly one runs.
func TestIdempotencyConcurrentClaims(t *testing.T) {
	st := merchantstest.NewStore(t)
	ctx := context.Background()
	now := time.Now()
	const n = 8
	var wg sync.WaitGroup
	results := make(chan bool, n)
	for range n {
		wg.Go(func() {
			claimed, _, _, err := st.ClaimIdempotencyKey(ctx, 7, "same", "fp", now, time.Hour)
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
}

func TestPurgeIdempotencyKeys(t *testing.T) {
	st := merchantstest.NewStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, key := range []string{"old", "new"} {
		if _, _, _, err := st.ClaimIdempotencyKey(ctx, 1, key, "fp", t0.Add(time.Duration(i)*time.Hour), time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveIdempotentResponse(ctx, 1, key, []byte("answer")); err != nil {
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
	claimed, _, resp, err := st.ClaimIdempotencyKey(ctx, 1, "new", "fp", t0.Add(91*time.Minute), time.Hour)
	if err != nil || claimed || string(resp) != "answer" {
		t.Fatalf("claim of the kept key: claimed %v, response %q, err %v; want its stored answer", claimed, resp, err)
	}
}
