package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// IdempotencyTTL is how long a stored answer to an Idempotency-Key is
// replayed.
const IdempotencyTTL = 24 * time.Hour

// maxStoredResponse bounds the answer kept for replay; larger answers are
// not stored (the key is released and a retry runs again).
const maxStoredResponse = 1 << 20

// headerIdempotencyKey is the request header naming a retryable POST.
const headerIdempotencyKey = "Idempotency-Key"

// storedResponse is what is kept for a key: enough to replay the first
// answer byte for byte.
type storedResponse struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type"`
	Location    string `json:"location,omitempty"`
	Body        []byte `json:"body"`
}

// claimLeaseMargin is added to a request's time left to lease its
// Idempotency-Key claim: it covers storing the answer after the handler
// returns (recordTimeout) and clock skew between replicas.
const claimLeaseMargin = 10 * time.Second

// recordTimeout bounds storing an answer or releasing a claim, which run
// after the request's own context may have ended.
const recordTimeout = 5 * time.Second

// idempotent makes every POST by an authenticated user retry-safe when it
// carries an Idempotency-Key: the first request under a key runs and its
// answer (any status below 500) is stored for IdempotencyTTL; a retry with
// the same method, path and body gets that answer again with
// Idempotent-Replayed: true and changes nothing; the same key with a
// different request is 422; a retry while the first is still running is
// 409 with Retry-After. Keys are scoped to the user, so two users never
// collide. A 5xx answer releases the key so the retry can run.
//
// When the release itself fails (the database is down) the claim stays
// behind. This process knows which of its claims are still running, so
// a retry reaching it takes such a claim over at once; another replica
// takes it over once its lease ends, the request's deadline (see
// Config.WriteTimeout) plus claimLeaseMargin, by which time the request
// that made it has surely stopped.
func (s *Server) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		key := req.Header.Get(headerIdempotencyKey)
		if req.Method != http.MethodPost || key == "" {
			return next(c)
		}
		if !validIdempotencyKey(key) {
			return newError(http.StatusBadRequest, codeIdempotencyBadKey,
				"Idempotency-Key must be 1 to 255 printable ASCII characters (a UUID is a good choice)")
		}
		u := userOf(c)
		if u == nil {
			return next(c)
		}
		body, err := readBody(c)
		if err != nil {
			return err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		fp := fingerprint(req, body)

		lease := s.cfg.WriteTimeout
		if d, ok := req.Context().Deadline(); ok {
			lease = time.Until(d)
		}
		lease += claimLeaseMargin
		// The claim counts as running from before it can exist in the
		// database until its answer is stored or it is released, so no
		// retry takes over a request still under way.
		claim := s.claims.begin()
		defer s.claims.end(claim)
		k := idemKey{userID: u.UserID, key: key, fp: fp, id: keyID(key), claim: claim, lease: lease}
		if s.cfg.Idempotency.ClaimsInTransaction() {
			return s.runInOneTransaction(c, next, k)
		}
		claimed, heldFP, held, err := s.cfg.Idempotency.ClaimIdempotencyKey(req.Context(), u.UserID, k.id, fp, claim,
			s.now(), lease, IdempotencyTTL, s.claims.abandoned)
		if err != nil {
			return err
		}
		if !claimed {
			return s.replay(c, k, heldFP, held)
		}
		hold := s.holdResponse(c)
		err = s.cfg.Idempotency.Atomically(req.Context(), s.serveClaimed(c, next, hold, k))
		s.finishClaimed(c, hold, k, err, true)
		return nil
	}
}

// idemKey is the Idempotency-Key a request holds: its user, the key, the
// request's fingerprint, the claim's name and its lease.
type idemKey struct {
	userID  int64
	key, fp string
	id      string // what the store files key under: keyID(key)
	claim   string
	lease   time.Duration
}

// heldKey is a key another request holds, with what it holds.
type heldKey struct {
	fp       string
	response []byte
}

func (h *heldKey) Error() string { return "idempotency: the key is held" }

// runInOneTransaction serves a request whose key's claim joins its
// transaction (see IdempotencyStore.ClaimsInTransaction): claim, domain
// writes and stored answer commit once. A key held by another request is
// answered from what it holds; nothing of this one is kept.
func (s *Server) runInOneTransaction(c echo.Context, next echo.HandlerFunc, k idemKey) error {
	req := c.Request()
	var hold *holdWriter
	err := s.cfg.Idempotency.Atomically(req.Context(), func(ctx context.Context) error {
		claimed, heldFP, held, err := s.cfg.Idempotency.ClaimIdempotencyKey(ctx, k.userID, k.id, k.fp, k.claim,
			s.now(), k.lease, IdempotencyTTL, s.claims.abandoned)
		if err != nil {
			return err
		}
		if !claimed {
			return &heldKey{fp: heldFP, response: held}
		}
		hold = s.holdResponse(c)
		return s.serveClaimed(c, next, hold, k)(ctx)
	})
	if h, ok := errors.AsType[*heldKey](err); ok {
		return s.replay(c, k, h.fp, h.response)
	}
	if hold == nil {
		return err // the claim itself failed: nothing was served
	}
	s.finishClaimed(c, hold, k, err, false)
	return nil
}

// errNotStored rolls back a request whose answer is a server fault: its
// writes are undone with it, so the retry runs again.
var errNotStored = errors.New("idempotency: answer not stored")

// holdResponse makes c's response held back until released (see
// holdWriter), so that it is sent only once its transaction committed.
func (s *Server) holdResponse(c echo.Context) *holdWriter {
	hold := &holdWriter{ResponseWriter: c.Response().Writer}
	c.Response().Writer = hold
	return hold
}

// serveClaimed returns the body of the transaction of a request holding
// k (see IdempotencyStore.Atomically): it serves the request and stores
// its answer, so the domain's writes and the answer a retry gets back
// commit together or not at all. A failed (5xx) answer rolls everything
// back. An answer too large to keep is sent as it is made, and its writes
// commit without it.
func (s *Server) serveClaimed(c echo.Context, next echo.HandlerFunc, hold *holdWriter, k idemKey) func(context.Context) error {
	req := c.Request()
	return func(ctx context.Context) error {
		c.SetRequest(req.WithContext(ctx))
		defer c.SetRequest(req)
		if err := next(c); err != nil {
			s.handleError(err, c)
		}
		if c.Response().Status >= 500 {
			return errNotStored
		}
		if hold.passed {
			// Its claim must not outlive it: a retry runs again.
			return s.cfg.Idempotency.ReleaseIdempotencyKey(ctx, k.userID, k.id, k.claim)
		}
		blob, err := json.Marshal(storedResponse{
			Status:      c.Response().Status,
			ContentType: c.Response().Header().Get(echo.HeaderContentType),
			Location:    c.Response().Header().Get(echo.HeaderLocation),
			Body:        hold.buf.Bytes(),
		})
		if err != nil {
			return err
		}
		if blob, err = s.seal(k.userID, k.key, blob); err != nil {
			return err
		}
		return s.cfg.Idempotency.SaveIdempotentResponse(ctx, k.userID, k.id, k.claim, blob)
	}
}

// finishClaimed sends the answer held back once the request's transaction
// ended with err. When it did not commit, a claim made before it
// (release) is released so a retry can run; the client hears the failure
// instead of the answer held back, unless that was already on its way.
func (s *Server) finishClaimed(c echo.Context, hold *holdWriter, k idemKey, err error, release bool) {
	req := c.Request()
	if release && (err != nil || hold.passed) {
		// Never leave a claim behind a failed request: the retry must be
		// able to run. The record must be released even when the client
		// hung up or the deadline passed, or its retries would wait out
		// the lease; should the release fail too, the claim's end
		// (deferred by the caller) lets a retry take it over.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(req.Context()), recordTimeout)
		defer cancel()
		_ = s.cfg.Idempotency.ReleaseIdempotencyKey(ctx, k.userID, k.id, k.claim)
	}
	if err != nil && !errors.Is(err, errNotStored) && !hold.passed {
		// The commit failed: nothing happened, and the answer held back
		// must not reach the client.
		s.log.WarnContext(req.Context(), "idempotency: request not committed", "request_id", requestIDOf(c), logError(err))
		hold.discard()
		c.Response().Committed = false
		h := c.Response().Header()
		h.Del(echo.HeaderLocation)
		h.Del(echo.HeaderContentType)
		s.handleError(err, c)
	}
	hold.release()
}

// claimSet names this server's Idempotency-Key claims and knows which of
// them are still running. A claim is "<instance>/<sequence>", instance
// being random per Server, so claims of two replicas (or of a process and
// the one that replaced it) never match.
type claimSet struct {
	instance string
	seq      atomic.Uint64

	mu      sync.Mutex
	running map[string]struct{}
}

func newClaimSet() *claimSet {
	return &claimSet{instance: rand.Text(), running: make(map[string]struct{})}
}

// begin names a new claim and marks it running.
func (cs *claimSet) begin() string {
	claim := cs.instance + "/" + strconv.FormatUint(cs.seq.Add(1), 10)
	cs.mu.Lock()
	cs.running[claim] = struct{}{}
	cs.mu.Unlock()
	return claim
}

// end marks claim's request over.
func (cs *claimSet) end(claim string) {
	cs.mu.Lock()
	delete(cs.running, claim)
	cs.mu.Unlock()
}

// abandoned reports whether holder is a claim of this server whose
// request is over. Claims of other servers are never called abandoned
// here: only their lease tells.
func (cs *claimSet) abandoned(holder string) bool {
	rest, ok := strings.CutPrefix(holder, cs.instance+"/")
	if !ok || rest == "" {
		return false
	}
	cs.mu.Lock()
	_, running := cs.running[holder]
	cs.mu.Unlock()
	return !running
}

// replay answers a request whose key is already held, opening the
// stored answer with the key.
func (s *Server) replay(c echo.Context, k idemKey, heldFP string, held []byte) error {
	if heldFP != k.fp {
		return newError(http.StatusUnprocessableEntity, codeIdempotencyReuse,
			"this Idempotency-Key was already used for a different request; use a new key for a new request")
	}
	if held == nil {
		e := newError(http.StatusConflict, codeIdempotencyBusy,
			"the first request with this Idempotency-Key is still being processed; retry shortly")
		e.retryAfter = 1
		return e
	}
	held, err := s.open(k.userID, k.key, held)
	if err != nil {
		return err
	}
	var r storedResponse
	if err := json.Unmarshal(held, &r); err != nil {
		return errors.New("idempotency: stored answer unreadable: " + err.Error())
	}
	s.metrics.replays.Inc()
	h := c.Response().Header()
	h.Set("Idempotent-Replayed", "true")
	if r.Location != "" {
		h.Set(echo.HeaderLocation, r.Location)
	}
	return c.Blob(r.Status, r.ContentType, r.Body)
}

// fingerprint identifies a request for key-reuse detection: method, path,
// query and body.
func fingerprint(r *http.Request, body []byte) string {
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+"\n")
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// holdWriter holds a response back (status and up to maxStoredResponse
// bytes of body) until release, so that it is sent only once the request's
// transaction has committed. A larger body is passed through from then on
// (passed), and is not kept.
type holdWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
	passed bool
}

func (w *holdWriter) WriteHeader(status int) {
	switch {
	case w.passed:
		w.ResponseWriter.WriteHeader(status)
	case w.status == 0:
		w.status = status
	}
}

func (w *holdWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.passed {
		return w.ResponseWriter.Write(p)
	}
	if w.buf.Len()+len(p) <= maxStoredResponse {
		return w.buf.Write(p)
	}
	w.release()
	return w.ResponseWriter.Write(p)
}

// release sends what is held and passes the rest of the response through.
func (w *holdWriter) release() {
	if w.passed {
		return
	}
	w.passed = true
	if w.status == 0 {
		return
	}
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(w.buf.Bytes())
	w.buf = bytes.Buffer{}
}

// discard forgets what is held; the next answer written goes straight
// through.
func (w *holdWriter) discard() {
	w.status, w.buf, w.passed = 0, bytes.Buffer{}, true
}

func (w *holdWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
