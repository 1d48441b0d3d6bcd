package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sapqr/sapqr/api"
	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	"github.com/sapqr/sapqr/merchants/merchantstest"
	"github.com/sapqr/sapqr/merchants/rediscounters"
	"github.com/sapqr/sapqr/printables"
)

// Shared across tests: parsing fonts and units once keeps the suite fast.
var (
	sharedOnce     sync.Once
	sharedUnits    *merchants.Units
	sharedRenderer *printables.Renderer
	sharedErr      error
)

func shared(t testing.TB) (*merchants.Units, *printables.Renderer) {
	t.Helper()
	sharedOnce.Do(func() {
		sharedUnits, sharedErr = merchants.LoadUnits(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if sharedErr == nil {
			sharedRenderer, sharedErr = printables.NewRenderer()
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedUnits, sharedRenderer
}

// The users every fixture has, by name.
const (
	uAdmin    = "admin"
	uProv1    = "prov1"    // province officer of province 1
	uProv2    = "prov2"    // province officer of province 2
	uOfficerA = "officera" // commune officer of commune A (province 1)
	uMemberA  = "membera"  // team member of commune A
	uMemberB  = "memberb"  // team member of commune B (province 1)
)

const testPassword = "correct horse battery"

// cheapPasswords are argon2id parameters for tests: every fixture creates
// and logs in six users, and the production cost (19 MiB, two passes) under
// the race detector would make the package's run minutes longer without
// testing anything more.
var cheapPasswords = merchants.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}

// fixture is a server on a fresh database with a user per role and scope,
// logged in.
type fixture struct {
	t          testing.TB
	srv        *api.Server
	svc        *merchants.Service
	adoption   *merchants.AdoptionService
	store      *gormstore.Store
	units      *merchants.Units
	p1, p2     string // provinces
	cA, cB, cC string // communes A and B of p1, C of p2
	tok        map[string]string
	logs       *syncBuffer
	db, ctr    *switchPinger
	cfg        api.Config
}

// syncBuffer is a log sink tests read after requests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// switchPinger wraps a real check and can be told to fail, to stand for a
// dependency going down.
type switchPinger struct {
	mu   sync.Mutex
	down bool
	real api.Pinger
}

func (p *switchPinger) Ping(ctx context.Context) error {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		return errors.New("connection refused")
	}
	if p.real == nil {
		return nil
	}
	return p.real.Ping(ctx)
}

func (p *switchPinger) set(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
}

// testCounters returns the counters the fixture uses: Redis under its own
// namespace when SAPQR_TEST_REDIS_URL is set, in memory otherwise.
func testCounters(t testing.TB) (merchants.AdoptionCounters, api.Pinger) {
	url := os.Getenv("SAPQR_TEST_REDIS_URL")
	if url == "" {
		return rediscounters.NewMemory(), nil
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("SAPQR_TEST_REDIS_URL: %v", err)
	}
	client := redis.NewClient(opt)
	t.Cleanup(func() { client.Close() })
	var b [6]byte
	rand.Read(b[:])
	ns := "apitest-" + hex.EncodeToString(b[:])
	rc, err := rediscounters.NewRedis(client, ns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := client.Keys(ctx, rc.Prefix()+"*").Result()
		if len(keys) > 0 {
			client.Del(ctx, keys...)
		}
	})
	return rc, api.PingFunc(func(ctx context.Context) error { return client.Ping(ctx).Err() })
}

func newFixture(t testing.TB, tweak ...func(*api.Config)) *fixture {
	t.Helper()
	units, renderer := shared(t)
	store := merchantstest.NewStore(t)
	svc := merchants.NewService(store, merchants.Config{Units: units, Password: cheapPasswords})
	counters, ctrPing := testCounters(t)
	adoption := merchants.NewAdoptionService(store, counters, merchants.AdoptionConfig{Units: units})
	logs := &syncBuffer{}
	f := &fixture{t: t, svc: svc, adoption: adoption, store: store, units: units, tok: map[string]string{}, logs: logs,
		db: &switchPinger{real: store}, ctr: &switchPinger{real: ctrPing}}
	cfg := api.Config{
		Merchants: svc, Units: units, Adoption: adoption, Signs: renderer,
		Transfers:   merchants.NewTransferService(svc, store, merchants.TransferConfig{}),
		Idempotency: store, Database: f.db, Counters: f.ctr,
		Logger:  slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Version: "test",
	}
	for _, fn := range tweak {
		fn(&cfg)
	}
	srv, err := api.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv, f.cfg = srv, cfg

	f.p1, f.p2 = "01", "79"
	c1, err := units.Communes(f.p1)
	if err != nil || len(c1) < 2 {
		t.Fatalf("communes of %s: %v", f.p1, err)
	}
	c2, err := units.Communes(f.p2)
	if err != nil || len(c2) < 1 {
		t.Fatalf("communes of %s: %v", f.p2, err)
	}
	f.cA, f.cB, f.cC = c1[0].Code, c1[1].Code, c2[0].Code

	system := merchants.Actor{Role: merchants.RoleAdmin, Username: "system"}
	users := []merchants.CreateUserInput{
		{Username: uAdmin, Role: merchants.RoleAdmin},
		{Username: uProv1, Role: merchants.RoleProvince, ProvinceCode: f.p1},
		{Username: uProv2, Role: merchants.RoleProvince, ProvinceCode: f.p2},
		{Username: uOfficerA, Role: merchants.RoleCommune, CommuneCodes: []string{f.cA}},
		{Username: uMemberA, Role: merchants.RoleMember, CommuneCodes: []string{f.cA}},
		{Username: uMemberB, Role: merchants.RoleMember, CommuneCodes: []string{f.cB}},
	}
	for _, u := range users {
		u.Password = testPassword
		if _, err := svc.CreateUser(context.Background(), system, u); err != nil {
			t.Fatalf("create user %s: %v", u.Username, err)
		}
		r := f.do("POST", "/api/v1/auth/login", "", map[string]string{"username": u.Username, "password": testPassword})
		r.want(t, http.StatusOK)
		var ans struct{ Token string }
		r.decode(t, &ans)
		f.tok[u.Username] = ans.Token
	}
	return f
}

// replica returns a second server on the fixture's database and counters,
// with a domain service of its own, as another replica process would have;
// it shares the fixture's tokens.
func (f *fixture) replica() *fixture {
	f.t.Helper()
	units, _ := shared(f.t)
	cfg := f.cfg
	cfg.Merchants = merchants.NewService(f.store, merchants.Config{Units: units, Password: cheapPasswords})
	cfg.Registerer, cfg.Gatherer = nil, nil
	srv, err := api.New(cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	r := *f
	r.srv, r.svc, r.cfg = srv, cfg.Merchants, cfg
	return &r
}

// response is what a request got.
type response struct {
	method, path string
	Code         int
	Header       http.Header
	Body         []byte
}

func (r *response) want(t testing.TB, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("%s %s: status %d, want %d; body: %s", r.method, r.path, r.Code, code, r.Body)
	}
}

func (r *response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("%s %s: body is not the expected JSON: %v\n%s", r.method, r.path, err, r.Body)
	}
}

// problem decodes an error answer and checks its media type.
func (r *response) problem(t testing.TB) api.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s %s: Content-Type %q, want application/problem+json; body %s", r.method, r.path, ct, r.Body)
	}
	var p api.Problem
	r.decode(t, &p)
	if p.Status != r.Code || p.Code == "" || p.Title == "" || p.RequestID != r.Header.Get("X-Request-ID") {
		t.Fatalf("%s %s: malformed problem %+v (status %d, X-Request-ID %q)", r.method, r.path, p, r.Code, r.Header.Get("X-Request-ID"))
	}
	return p
}

// wantProblem checks status and problem code.
func (r *response) wantProblem(t testing.TB, code int, problemCode string) api.Problem {
	t.Helper()
	r.want(t, code)
	p := r.problem(t)
	if p.Code != problemCode {
		t.Fatalf("%s %s: problem code %q, want %q (%s)", r.method, r.path, p.Code, problemCode, p.Detail)
	}
	return p
}

// do sends a request as the user whose token is given ("" for none).
// body is JSON-encoded unless it is a string or []byte (sent as is).
// Extra headers come in pairs. Every answer is checked against the
// OpenAPI document.
func (f *fixture) do(method, path, token string, body any, headers ...string) *response {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = "192.0.2.10:40000"
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return f.send(req)
}

// send serves req and validates the answer against the OpenAPI document.
func (f *fixture) send(req *http.Request) *response {
	f.t.Helper()
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	r := &response{method: req.Method, path: req.URL.Path, Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if err := contract(f.t).check(req.Method, req.URL.Path, r.Code, r.Header.Get("Content-Type"), r.Body); err != nil {
		f.t.Errorf("%s %s answered %d outside the OpenAPI document: %v\nbody: %.400s", req.Method, req.URL.Path, r.Code, err, r.Body)
	}
	return r
}

// as returns the token of a user.
func (f *fixture) as(user string) string { return f.tok[user] }

// market creates a market through the API and returns its ID.
func (f *fixture) market(commune string, stalls int) int64 {
	f.t.Helper()
	r := f.do("POST", "/api/v1/markets", f.as(uAdmin), map[string]any{"commune_code": commune, "name": "Chợ Bến " + commune, "stall_count": stalls})
	r.want(f.t, http.StatusCreated)
	var m struct{ ID int64 }
	r.decode(f.t, &m)
	return m.ID
}

// vendorBody is a valid POST /vendors body; n makes phone and account unique.
func vendorBody(marketID int64, stall string, n int) map[string]any {
	return map[string]any{
		"market_id": marketID, "stall_code": stall, "full_name": "Nguyễn Thị Hà",
		"phone": fmt.Sprintf("09123%05d", n), "consent": true,
		"bank_account": map[string]any{"bin": "970436", "account_number": fmt.Sprintf("00110%08d", n), "holder_name": "NGUYEN THI HA",
			"confirmation": map[string]any{"method": "bank_app_name", "name_seen": "NGUYEN THI HA"}},
	}
}

// vendor registers a vendor as memberA... or admin, returning its ID.
func (f *fixture) vendor(user string, marketID int64, stall string, n int) int64 {
	f.t.Helper()
	r := f.do("POST", "/api/v1/vendors", f.as(user), vendorBody(marketID, stall, n))
	r.want(f.t, http.StatusCreated)
	var v struct{ ID int64 }
	r.decode(f.t, &v)
	return v.ID
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

type apiConfig = api.Config

// vendorJSON is the part of a vendor answer tests look at.
type vendorJSON struct {
	ID        int64
	MarketID  int64  `json:"market_id"`
	StallCode string `json:"stall_code"`
	FullName  string `json:"full_name"`
	Status    string
	Payload   *string
	Accounts  []struct {
		AccountNumber string `json:"account_number"`
		Bank          string
		Primary       bool
		Active        bool
	}
	SignOutdated  bool    `json:"sign_outdated"`
	TransactingAt *string `json:"transacting_at"`
	Warnings      []struct{ Code string }
}
