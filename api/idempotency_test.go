package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sapqr/sapqr/api"
	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
)

// testClock is a clock tests move by hand; it starts at the real time, so
// sessions made through the service are valid on it.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) advance(d time.Duration) { c.offset.Add(int64(d)) }
func (c *testClock) config(cfg *api.Config)  { cfg.Now = c.now }

// withServer returns a copy of the fixture whose requests go to a second
// server built from cfg: another replica over the same database.
func (f *fixture) withServer(cfg api.Config) *fixture {
	f.t.Helper()
	cfg.Registerer, cfg.Gatherer = nil, nil
	srv, err := api.New(cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	g := *f
	g.srv = srv
	return &g
}

// unreliableIdempotency is the real store whose answers cannot be stored
// nor claims released while down is set, as when the database goes away
// after a request's claim: the store answers as gormstore does then.
type unreliableIdempotency struct {
	*gormstore.Store
	down atomic.Bool
}

var errDatabaseDown = fmt.Errorf("save idempotent response: %w: dial tcp 127.0.0.1:5432: connect: connection refused", merchants.ErrUnavailable)

func (u *unreliableIdempotency) SaveIdempotentResponse(ctx context.Context, userID int64, key, claim string, response []byte) error {
	if u.down.Load() {
		return errDatabaseDown
	}
	return u.Store.SaveIdempotentResponse(ctx, userID, key, claim, response)
}

func (u *unreliableIdempotency) ReleaseIdempotencyKey(ctx context.Context, userID int64, key, claim string) error {
	if u.down.Load() {
		return errDatabaseDown
	}
	return u.Store.ReleaseIdempotencyKey(ctx, userID, key, claim)
}

// unreliableReplicas starts two servers (replicas) on one database whose
// idempotency store is unreliableIdempotency, with requests bounded by
// writeTimeout and a clock the test moves.
func unreliableReplicas(t *testing.T, writeTimeout time.Duration) (a, b *fixture, idem *unreliableIdempotency, clock *testClock) {
	t.Helper()
	clock = &testClock{}
	var cfg api.Config
	a = newFixture(t, clock.config, func(c *api.Config) {
		idem = &unreliableIdempotency{Store: c.Idempotency.(*gormstore.Store)}
		c.Idempotency = idem
		c.WriteTimeout = writeTimeout
		cfg = *c
	})
	return a, a.withServer(cfg), idem, clock
}

// TestIdempotencyAbandonedClaim: a request whose answer could not be
// stored fails with 503 (its work is undone with it), and when its claim
// cannot be released either, the key stays claimed. A retry reaching the same
// server runs at once; one reaching another replica is told to wait until
// the claim's lease (the request deadline plus a margin) is over, then
// runs; where claims belong to the request's transaction (PostgreSQL) the
// failed request left no claim, and any replica runs at once. Either way
// the new answer is stored and replayed everywhere.
func TestIdempotencyAbandonedClaim(t *testing.T) {
	const writeTimeout = 3 * time.Second
	a, b, idem, clock := unreliableReplicas(t, writeTimeout)
	tok := a.as(uMemberA)
	decode := func(f *fixture, key string) *response {
		return f.do("POST", "/api/v1/qr/decode", tok, map[string]string{"payload": "not a payload " + key}, "Idempotency-Key", key)
	}
	// abandon leaves key claimed by a request of server f that is over.
	abandon := func(t *testing.T, f *fixture, key string) {
		t.Helper()
		idem.down.Store(true)
		decode(f, key).wantProblem(t, http.StatusServiceUnavailable, "unavailable")
		idem.down.Store(false)
	}
	wantRan := func(t *testing.T, r *response) {
		t.Helper()
		r.want(t, http.StatusOK)
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("%s: replayed; want the request run", r.path)
		}
	}
	wantReplayed := func(t *testing.T, r *response) {
		t.Helper()
		r.want(t, http.StatusOK)
		if r.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("%s: ran again; want the stored answer replayed", r.path)
		}
	}
	lease := writeTimeout + api.ClaimLeaseMargin

	t.Run("retry on the same server runs at once", func(t *testing.T) {
		abandon(t, a, "same-server")
		wantRan(t, decode(a, "same-server"))
		wantReplayed(t, decode(a, "same-server"))
		wantReplayed(t, decode(b, "same-server"))
	})
	t.Run("another replica waits for the lease, then runs", func(t *testing.T) {
		if idem.ClaimsInTransaction() {
			t.Skip("claims in the request's transaction leave nothing behind: see the next")
		}
		abandon(t, a, "other-replica")
		busy := decode(b, "other-replica")
		busy.wantProblem(t, http.StatusConflict, "idempotency_key_in_progress")
		if busy.Header.Get("Retry-After") == "" {
			t.Error("409 in progress without Retry-After")
		}
		clock.advance(lease - time.Second)
		decode(b, "other-replica").wantProblem(t, http.StatusConflict, "idempotency_key_in_progress")
		clock.advance(2 * time.Second)
		wantRan(t, decode(b, "other-replica"))
		wantReplayed(t, decode(a, "other-replica"))
	})
	t.Run("with claims in the transaction, another replica runs at once", func(t *testing.T) {
		if !idem.ClaimsInTransaction() {
			t.Skip("claims are leased on this database: see the previous")
		}
		abandon(t, a, "other-replica-tx")
		wantRan(t, decode(b, "other-replica-tx"))
		wantReplayed(t, decode(a, "other-replica-tx"))
	})
	t.Run("a stored answer survives its claim being over", func(t *testing.T) {
		wantRan(t, decode(a, "answered"))
		wantReplayed(t, decode(a, "answered"))
	})
}

// blockingIdempotency holds the request that wins a key's claim until n
// claims have been made, so n requests under one key are surely
// concurrent: the first is still running when all the others ask.
type blockingIdempotency struct {
	*gormstore.Store
	n       int32
	claims  atomic.Int32
	allSeen chan struct{}
}

func (s *blockingIdempotency) ClaimIdempotencyKey(ctx context.Context, userID int64, key, fp, claim string, now time.Time, lease, ttl time.Duration, abandoned func(string) bool) (bool, string, []byte, error) {
	claimed, heldFP, resp, err := s.Store.ClaimIdempotencyKey(ctx, userID, key, fp, claim, now, lease, ttl, abandoned)
	if s.claims.Add(1) == s.n {
		close(s.allSeen)
	}
	if claimed {
		select {
		case <-s.allSeen:
		case <-time.After(30 * time.Second):
			return false, "", nil, errors.New("the other requests never came")
		}
	}
	return claimed, heldFP, resp, err
}

// TestIdempotencyConcurrentSameKey: of concurrent registrations under one
// key, spread over two replicas, exactly one runs; the others are told it
// is in progress, and a later retry gets its answer.
func TestIdempotencyConcurrentSameKey(t *testing.T) {
	const n = 6
	var idem *blockingIdempotency
	var cfg api.Config
	a := newFixture(t, func(c *api.Config) {
		idem = &blockingIdempotency{Store: c.Idempotency.(*gormstore.Store), n: n, allSeen: make(chan struct{})}
		c.Idempotency = idem
		cfg = *c
	})
	b := a.withServer(cfg)
	mid := a.market(a.cA, 10)
	tok := a.as(uMemberA)

	answers := make([]*response, n)
	var wg sync.WaitGroup
	for i := range n {
		f := a
		if i%2 == 1 {
			f = b
		}
		wg.Go(func() {
			answers[i] = f.do("POST", "/api/v1/vendors", tok, vendorBody(mid, "K-1", 1), "Idempotency-Key", "one-stall")
		})
	}
	wg.Wait()
	created, busy := 0, 0
	for _, r := range answers {
		switch {
		case r.Code == http.StatusCreated && r.Header.Get("Idempotent-Replayed") == "":
			created++
		case r.Code == http.StatusConflict:
			if p := r.problem(t); p.Code != "idempotency_key_in_progress" {
				t.Errorf("409 %s; want idempotency_key_in_progress", p.Code)
			}
			busy++
		default:
			t.Errorf("unexpected answer %d %s", r.Code, r.Body)
		}
	}
	if created != 1 || busy != n-1 {
		t.Fatalf("%d created, %d told in progress; want 1 and %d", created, busy, n-1)
	}
	retry := b.do("POST", "/api/v1/vendors", tok, vendorBody(mid, "K-1", 1), "Idempotency-Key", "one-stall")
	retry.want(t, http.StatusCreated)
	if retry.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the retry after the winner finished was not a replay: %s", retry.Body)
	}
	var page struct{ Items []vendorJSON }
	a.do("GET", "/api/v1/vendors?market="+itoa(mid), tok, nil).decode(t, &page)
	if len(page.Items) != 1 {
		t.Fatalf("%d vendors registered; want 1", len(page.Items))
	}
}

// TestWriteDeadline: a write that cannot finish within WriteTimeout answers
// 503 with Retry-After (here even its claim runs out of time); reads are
// not bounded.
func TestWriteDeadline(t *testing.T) {
	var cfg api.Config
	f := newFixture(t, func(c *api.Config) { cfg = *c })
	cfg.WriteTimeout = time.Nanosecond
	f = f.withServer(cfg)
	tok := f.as(uMemberA)
	r := f.do("POST", "/api/v1/qr/decode", tok, map[string]string{"payload": "x"}, "Idempotency-Key", "late")
	r.wantProblem(t, http.StatusServiceUnavailable, "unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	f.do("GET", "/api/v1/me", tok, nil).want(t, http.StatusOK)
}

// TestIdempotency: retries with the same key replay the first answer and
// create nothing; a different body under the key is 422; keys are per user.
func TestIdempotency(t *testing.T) {
	f := newFixture(t)
	mid := f.market(f.cA, 10)
	member := f.as(uMemberA)
	first := f.do("POST", "/api/v1/vendors", member, vendorBody(mid, "C-1", 11), "Idempotency-Key", "k-1")
	first.want(t, http.StatusCreated)
	retry := f.do("POST", "/api/v1/vendors", member, vendorBody(mid, "C-1", 11), "Idempotency-Key", "k-1")
	retry.want(t, http.StatusCreated)
	if !bytes.Equal(first.Body, retry.Body) || retry.Header.Get("Idempotent-Replayed") != "true" || first.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("replay differs:\nfirst %s\nretry %s (%v)", first.Body, retry.Body, retry.Header)
	}
	if retry.Header.Get("Location") != first.Header.Get("Location") {
		t.Errorf("replayed Location %q, first %q", retry.Header.Get("Location"), first.Header.Get("Location"))
	}
	r := f.do("GET", "/api/v1/vendors?market="+itoa(mid), member, nil)
	var page struct{ Items []vendorJSON }
	r.decode(t, &page)
	if len(page.Items) != 1 {
		t.Fatalf("%d vendors after a retried registration; want 1", len(page.Items))
	}

	f.do("POST", "/api/v1/vendors", member, vendorBody(mid, "C-2", 12), "Idempotency-Key", "k-1").
		wantProblem(t, http.StatusUnprocessableEntity, "idempotency_key_reused")

	// Another user's identical key is theirs: it runs (and meets the
	// taken stall).
	f.do("POST", "/api/v1/vendors", f.as(uOfficerA), vendorBody(mid, "C-1", 11), "Idempotency-Key", "k-1").
		wantProblem(t, http.StatusConflict, "conflict")

	// Client errors are replayed too; server faults are not stored.
	bad := f.do("POST", "/api/v1/vendors", member, `{"market_id":"x"}`, "Idempotency-Key", "k-2")
	bad.wantProblem(t, http.StatusBadRequest, "wrong_type")
	again := f.do("POST", "/api/v1/vendors", member, `{"market_id":"x"}`, "Idempotency-Key", "k-2")
	if again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(bad.Body, again.Body) {
		t.Errorf("a 400 was not replayed: %s", again.Body)
	}

	f.do("POST", "/api/v1/vendors", member, vendorBody(mid, "C-3", 13), "Idempotency-Key", "bad key with spaces").
		wantProblem(t, http.StatusBadRequest, "idempotency_key_invalid")
}

// TestStoredAnswersAreSealed: a registration's stored answer holds the
// vendor's full account number and phone, but the database keeps neither
// in clear, nor the Idempotency-Key that opens it; a retry with the key
// still gets the answer back.
func TestStoredAnswersAreSealed(t *testing.T) {
	f := newFixture(t)
	tok := f.as(uMemberA)
	body := vendorBody(f.market(f.cA, 3), "S-1", 77)
	const key = "sealed-answer-key"
	first := f.do("POST", "/api/v1/vendors", tok, body, "Idempotency-Key", key)
	first.want(t, http.StatusCreated)
	account := body["bank_account"].(map[string]any)["account_number"].(string)
	phone := body["phone"].(string)
	if !strings.Contains(string(first.Body), account) || !strings.Contains(string(first.Body), phone) {
		t.Fatalf("the answer %s lacks the account %s or the phone %s the test looks for", first.Body, account, phone)
	}
	var stored []string
	rows, err := f.store.DB().Query("SELECT idem_key, response FROM idempotency_keys")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, resp string
		if err := rows.Scan(&k, &resp); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, k, resp)
	}
	rows.Close()
	var requestKey string
	if err := f.store.DB().QueryRow("SELECT request_key FROM vendors WHERE phone = '" + phone + "'").Scan(&requestKey); err != nil {
		t.Fatal(err)
	}
	stored = append(stored, requestKey)
	if len(stored) < 3 {
		t.Fatalf("stored %q; want the key's row and the vendor's request key", stored)
	}
	for _, s := range stored {
		for _, secret := range []string{account, phone, key} {
			if strings.Contains(s, secret) {
				t.Errorf("the database holds %q in clear in %.60q", secret, s)
			}
		}
	}
	retry := f.do("POST", "/api/v1/vendors", tok, body, "Idempotency-Key", key)
	retry.want(t, http.StatusCreated)
	if retry.Header.Get("Idempotent-Replayed") != "true" || string(retry.Body) != string(first.Body) {
		t.Errorf("retry: replayed %q, body %s; want the first answer replayed", retry.Header.Get("Idempotent-Replayed"), retry.Body)
	}
}
