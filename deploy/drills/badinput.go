package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sapqr/sapqr/deploy/harness"
)

// badRequest is one malformed request of the storm.
type badRequest struct {
	method, path string
	header       http.Header
	body         []byte
	// token: send the drill admin's valid token, so the request reaches
	// validation rather than stopping at authentication.
	token bool
}

// badCase builds requests of one kind of bad input. vendor is a real
// vendor's ID, so routes with an ID reach their handlers.
type badCase struct {
	name string
	make func(rng *rand.Rand, vendor int64, market int64) badRequest
}

// validVendor is a correct registration body the cases spoil.
func validVendor(market int64) string {
	return fmt.Sprintf(`{"market_id":%d,"stall_code":"X-1","full_name":"Nguyễn Thị Hà","phone":"0912345678","consent":true,`+
		`"bank_account":{"bin":"970436","account_number":"0011001234567","holder_name":"NGUYEN THI HA"}}`, market)
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return b
}

func jsonPost(path string, body []byte) badRequest {
	return badRequest{method: http.MethodPost, path: path, body: body, token: true,
		header: http.Header{"Content-Type": {"application/json"}}}
}

// badCases are the storm's kinds of bad input: every one must get a 4xx (or
// a 2xx when the input turns out acceptable), never a 5xx but a 503 with
// Retry-After where the server sheds load on purpose (imports).
func badCases() []badCase {
	return slices.Concat(badBodyCases(), badAuthCases(), badPathCases(), badUploadCases())
}

// badBodyCases spoil JSON bodies: size, encoding, syntax, types, content.
func badBodyCases() []badCase {
	return []badCase{
		{"oversize body", func(rng *rand.Rand, _, m int64) badRequest {
			pad := strings.Repeat("Ạ", 300_000+rng.IntN(300_000)) // ~1–2 MB of valid UTF-8
			return jsonPost("/api/v1/vendors", []byte(strings.Replace(validVendor(m), "Nguyễn Thị Hà", pad, 1)))
		}},
		{"oversize body, no JSON", func(rng *rand.Rand, _, _ int64) badRequest {
			return jsonPost("/api/v1/vendors", randomBytes(rng, 2<<20))
		}},
		{"invalid UTF-8 in a name", func(rng *rand.Rand, _, m int64) badRequest {
			return jsonPost("/api/v1/vendors", []byte(strings.Replace(validVendor(m), "Thị", "Th\xff\xfe", 1)))
		}},
		{"invalid UTF-8 in a holder name", func(rng *rand.Rand, _, m int64) badRequest {
			return jsonPost("/api/v1/vendors", []byte(strings.Replace(validVendor(m), "NGUYEN THI HA", "NGUY\xc3\x28N", 1)))
		}},
		{"truncated JSON", func(rng *rand.Rand, _, m int64) badRequest {
			v := validVendor(m)
			return jsonPost("/api/v1/vendors", []byte(v[:rng.IntN(len(v))]))
		}},
		{"wrong types", func(rng *rand.Rand, _, m int64) badRequest {
			return jsonPost("/api/v1/vendors", []byte(`{"market_id":"chợ","stall_code":12,"consent":"yes","bank_account":[1,2]}`))
		}},
		{"unknown fields", func(rng *rand.Rand, _, m int64) badRequest {
			return jsonPost("/api/v1/vendors", []byte(strings.Replace(validVendor(m), "{", `{"is_admin":true,"__proto__":{},`, 1)))
		}},
		{"deep nesting", func(rng *rand.Rand, _, _ int64) badRequest {
			n := 10_000 + rng.IntN(10_000)
			return jsonPost("/api/v1/vendors", []byte(strings.Repeat("[", n)+strings.Repeat("]", n)))
		}},
		{"huge numbers", func(rng *rand.Rand, _, _ int64) badRequest {
			return jsonPost("/api/v1/markets", []byte(`{"commune_code":"00004","name":"Chợ","stall_count":1e400}`))
		}},
		{"random bytes as JSON", func(rng *rand.Rand, _, _ int64) badRequest {
			return jsonPost("/api/v1/vendors", randomBytes(rng, rng.IntN(4096)))
		}},
		{"wrong content type", func(rng *rand.Rand, _, m int64) badRequest {
			r := jsonPost("/api/v1/vendors", []byte(validVendor(m)))
			r.header.Set("Content-Type", []string{"text/plain", "multipart/form-data", "application/x-www-form-urlencoded", "application/json; charset=latin1"}[rng.IntN(4)])
			return r
		}},
		{"bad QR payload", func(rng *rand.Rand, _, _ int64) badRequest {
			payloads := []string{
				"", "000201", "00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN6304FFFF",
				strings.Repeat("99", 4000), "0002010102113899" + strings.Repeat("9", 99), string(randomBytes(rng, 256)),
				"00020101021\xff38570010A000000727", "6304" + strings.Repeat("A", 1<<14),
			}
			body := fmt.Appendf(nil, `{"payload":%q}`, payloads[rng.IntN(len(payloads))])
			return jsonPost("/api/v1/qr/decode", body)
		}},
		{"bad QR payload, raw bytes", func(rng *rand.Rand, _, _ int64) badRequest {
			return jsonPost("/api/v1/qr/decode", append([]byte(`{"payload":"`), append(randomBytes(rng, 512), '"', '}')...))
		}},
		{"bad PATCH", func(rng *rand.Rand, v, _ int64) badRequest {
			bodies := []string{`{"full_name":""}`, `{"phone":"12345"}`, `{"stall_code":"` + strings.Repeat("A", 500) + `"}`, `{"full_name":"\ud800"}`, `null`, `[]`}
			r := jsonPost("/api/v1/vendors/"+strconv.FormatInt(v, 10), []byte(bodies[rng.IntN(len(bodies))]))
			r.method = http.MethodPatch
			return r
		}},
	}
}

// badAuthCases send wrong credentials and keys.
func badAuthCases() []badCase {
	return []badCase{
		{"wrong token", func(rng *rand.Rand, v, _ int64) badRequest {
			tokens := []string{"Bearer " + base64.RawURLEncoding.EncodeToString(randomBytes(rng, 32)), "Bearer ", "Basic YWRtaW46YWRtaW4=",
				"Bearer " + strings.Repeat("x", 8000), "bearer null", "Bearer \xff\xfe"}
			return badRequest{method: http.MethodGet, path: "/api/v1/vendors/" + strconv.FormatInt(v, 10),
				header: http.Header{"Authorization": {tokens[rng.IntN(len(tokens))]}}}
		}},
		{"no token on a write", func(rng *rand.Rand, _, m int64) badRequest {
			return badRequest{method: http.MethodPost, path: "/api/v1/vendors", body: []byte(validVendor(m)),
				header: http.Header{"Content-Type": {"application/json"}}}
		}},
		{"wrong password", func(rng *rand.Rand, _, _ int64) badRequest {
			users := []string{drillUser, "admin", "root", "Nguyễn", "\xff\xfe", strings.Repeat("a", 10000)}
			body := fmt.Appendf(nil, `{"username":%q,"password":%q}`, users[rng.IntN(len(users))], base64.StdEncoding.EncodeToString(randomBytes(rng, 12)))
			return badRequest{method: http.MethodPost, path: "/api/v1/auth/login", body: body, header: http.Header{"Content-Type": {"application/json"}}}
		}},
		{"bad Idempotency-Key", func(rng *rand.Rand, _, m int64) badRequest {
			r := jsonPost("/api/v1/vendors", []byte(validVendor(m)))
			r.header.Set("Idempotency-Key", []string{strings.Repeat("k", 300), "khóa", "a b", "\xc3\x28"}[rng.IntN(4)])
			return r
		}},
	}
}

// badPathCases ask for routes, IDs, parameters and methods that do not exist.
func badPathCases() []badCase {
	return []badCase{
		{"bad IDs in paths", func(rng *rand.Rand, _, _ int64) badRequest {
			paths := []string{"/api/v1/vendors/-1", "/api/v1/vendors/0", "/api/v1/vendors/99999999999999999999999", "/api/v1/vendors/abc",
				"/api/v1/vendors/%ff", "/api/v1/markets/1e3/adoption", "/api/v1/vendors/..%2f..%2fetc%2fpasswd", "/api/v1/markets/%00/stalls",
				"/api/v1/units/provinces/%ff/communes", "/api/v1/nope", "/../../etc/passwd"}
			return badRequest{method: http.MethodGet, path: paths[rng.IntN(len(paths))], token: true}
		}},
		{"bad query parameters", func(rng *rand.Rand, v, m int64) badRequest {
			paths := []string{"/api/v1/vendors?limit=-5", "/api/v1/vendors?limit=999999999999", "/api/v1/vendors?cursor=" + base64.URLEncoding.EncodeToString(randomBytes(rng, 24)),
				"/api/v1/vendors?cursor=%ff%fe", "/api/v1/vendors?market=-1", "/api/v1/vendors?q=%ff", "/api/v1/vendors?status=deleted",
				"/api/v1/vendors/" + strconv.FormatInt(v, 10) + "/qr.png?size=999999999", "/api/v1/vendors/" + strconv.FormatInt(v, 10) + "/qr.png?size=-1",
				"/api/v1/vendors/" + strconv.FormatInt(v, 10) + "/sign.pdf?size=a0", "/api/v1/markets/" + strconv.FormatInt(m, 10) + "/signs.pdf?sheet=%ff",
				"/api/v1/adoption?province=%ff", "/api/v1/reports?format=exe"}
			return badRequest{method: http.MethodGet, path: paths[rng.IntN(len(paths))], token: true}
		}},
		{"wrong method", func(rng *rand.Rand, _, _ int64) badRequest {
			return badRequest{method: []string{"PUT", "DELETE", "TRACE", "PROPFIND"}[rng.IntN(4)], path: "/api/v1/markets", token: true}
		}},
	}
}

// badUploadCases send import files that are not spreadsheets, or that
// unpack to far more than they weigh.
func badUploadCases() []badCase {
	// The bombs take a second each to build: once, when first sent.
	ssBomb := sync.OnceValue(func() []byte { return multipartFile(sharedStringsBomb()) })
	sBomb := sync.OnceValue(func() []byte { return multipartFile(sheetBomb()) })
	return []badCase{
		{"garbage upload", func(rng *rand.Rand, _, _ int64) badRequest {
			return upload(multipartFile(append([]byte("PK\x03\x04"), randomBytes(rng, 2048)...)))
		}},
		{"XLSX shared-strings bomb", func(rng *rand.Rand, _, _ int64) badRequest {
			return upload(ssBomb())
		}},
		{"XLSX sheet bomb", func(rng *rand.Rand, _, _ int64) badRequest {
			return upload(sBomb())
		}},
	}
}

// upload is a dry-run vendor import of a multipart body with boundary XYZ.
func upload(body []byte) badRequest {
	return badRequest{method: http.MethodPost, path: "/api/v1/imports/vendors?dry_run=true", body: body, token: true,
		header: http.Header{"Content-Type": {"multipart/form-data; boundary=XYZ"}}}
}

// multipartFile wraps an XLSX file as the form field "file".
func multipartFile(xlsx []byte) []byte {
	var b bytes.Buffer
	b.WriteString("--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"v.xlsx\"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n")
	b.Write(xlsx)
	b.WriteString("\r\n--XYZ--\r\n")
	return b.Bytes()
}

// podMemoryLimit is the memory limit of a sapqr pod in
// deploy/k8s/deployment.yaml: a storm that pushes a replica past it gets
// the replica killed. The drill wants the peak under half of it, so that
// bad input never costs more than the replica's own work.
const podMemoryLimit = 512 << 20

// kindShed is how a 503 with Retry-After on an import is counted: the
// server limits the imports it reads at once on purpose.
const kindShed = "shed (503 + Retry-After)"

// caseTally is what one kind of bad input got back.
type caseTally struct {
	mu     sync.Mutex
	kinds  map[string]int
	sample map[string]string
}

// drillBadInput fires the bad cases at full speed and watches for 5xx and
// for the server's memory growing.
func drillBadInput(ctx context.Context, o options) *Report {
	rep := newReport(o, "drill-badinput", "malformed requests at full speed")
	cases, err := selectCases(o.only)
	if err != nil {
		return rep.Fail(err)
	}
	s, err := newStack(ctx, o, rep)
	if err != nil {
		return rep.Fail(err)
	}
	defer s.Close()
	if err := s.up(ctx, 1); err != nil {
		return rep.Fail(err)
	}
	vendor, err := seedVendor(ctx, s)
	if err != nil {
		return rep.Fail(err)
	}
	pid := s.servers[0].Pid()
	mctx, stopMem := context.WithCancel(ctx)
	mem := sampleMemory(mctx, []int{pid}, 250*time.Millisecond)
	all, per, elapsed := storm(ctx, o, rep, s, cases, vendor)
	// Let the server settle, then take the last memory samples.
	time.Sleep(time.Second)
	stopMem()

	rep.Figure("requests", "%s", all.Summary(elapsed))
	for i, bc := range cases {
		rep.Figure("  "+bc.name, "%s", harness.FormatKinds(per[i].kinds))
		for k, body := range per[i].sample {
			rep.Logf("%s → %s: %s", bc.name, k, body)
		}
	}
	fivexx := all.CountIf(func(k string) bool { return strings.HasPrefix(k, "5") })
	rep.Check(fivexx == 0, "no response with status 5xx but imports shed with Retry-After (%d)", fivexx)
	transport := all.CountIf(func(k string) bool {
		return k != kindShed && !strings.HasPrefix(k, "2") && !strings.HasPrefix(k, "4") && !strings.HasPrefix(k, "5")
	})
	rep.Check(transport*100 <= all.Count(), "the server kept answering: connection failures ≤ 1%% (%d of %d)", transport, all.Count())
	checkMemory(rep, mem, pid)
	if exited, err := s.servers[0].Exited(); exited {
		rep.Check(false, "the server is still running (it exited: %v)", err)
	}
	return rep
}

// selectCases returns the kinds of bad input whose names contain only.
func selectCases(only string) ([]badCase, error) {
	var cases []badCase
	for _, bc := range badCases() {
		if strings.Contains(bc.name, only) {
			cases = append(cases, bc)
		}
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("-only %q matches no kind of bad input", only)
	}
	return cases, nil
}

// seedVendor registers one real vendor, so routes with IDs reach their
// handlers, and returns its ID.
func seedVendor(ctx context.Context, s *stack) (int64, error) {
	g := newRegistrar(s.clients, s.markets, 10*time.Second)
	_, _, body := g.body(1)
	res := s.clients[0].PostIdempotent(ctx, "/api/v1/vendors", "badinput-seed", body, g.policy)
	if !res.Acked() {
		return 0, fmt.Errorf("registering the seed vendor: %s %s", lastKind(res), res.Body)
	}
	var seed struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(res.Body, &seed); err != nil {
		return 0, err
	}
	return seed.ID, nil
}

// storm sends requests of random kinds from o.writers clients for
// o.duration and tallies the answers, in all and per kind.
func storm(ctx context.Context, o options, rep *Report, s *stack, cases []badCase, vendor int64) (*harness.Tally, []caseTally, time.Duration) {
	per := make([]caseTally, len(cases))
	for i := range per {
		per[i].kinds, per[i].sample = map[string]int{}, map[string]string{}
	}
	c := s.clients[0]
	anonymous := &harness.Client{HTTP: c.HTTP, Base: c.Base}
	rep.Logf("storm: %d clients, %d kinds of bad input, for %v", o.writers, len(cases), o.duration)
	stormCtx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	t0 := time.Now()
	all := hammer(stormCtx, o.writers, func(ctx context.Context, w int, t *harness.Tally) {
		rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
		i := rng.IntN(len(cases))
		req := cases[i].make(rng, vendor, s.markets[0])
		client := anonymous
		if req.token {
			client = c
		}
		t1 := time.Now()
		r, err := client.Do(ctx, req.method, req.path, req.body, req.header)
		d := time.Since(t1)
		kind := ""
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			kind = harness.TransportKind(err)
		case r.Status == http.StatusServiceUnavailable && r.Header.Get("Retry-After") != "" && strings.HasPrefix(req.path, "/api/v1/imports/"):
			kind = kindShed
		default:
			kind = r.Kind()
		}
		t.Observe(kind, d)
		ct := &per[i]
		ct.mu.Lock()
		ct.kinds[kind]++
		if _, ok := ct.sample[kind]; !ok && err == nil && r.Status >= 500 {
			ct.sample[kind] = firstLine(string(r.Body))
		}
		ct.mu.Unlock()
	})
	return all, per, time.Since(t0)
}

// checkMemory reports the server's resident size over the storm and checks
// that its peak stayed under half the pod's limit and that it stayed flat.
func checkMemory(rep *Report, mem *memory, pid int) {
	series := mem.series(pid)
	first, peak, last, n := mem.summary(pid)
	// Flat: the median resident size of the last quarter is no more than
	// that of the second (after warm-up: pools, caches, GC pacing) plus a
	// margin. Medians, not peaks: a burst of password checks (argon2id
	// takes argon2MiB each) lifts a peak for a moment, a leak lifts the middle
	// of the series for good.
	var warm, end int64
	if n >= 8 {
		warm, end = medianOf(series[n/4:n/2]), medianOf(series[3*n/4:])
	}
	rep.Figure("server RSS", "start %s, peak %s, end %s; median of 2nd quarter %s, of last quarter %s (%d samples)",
		harness.MiB(first), harness.MiB(peak), harness.MiB(last), harness.MiB(warm), harness.MiB(end), n)
	// The margin also holds what the password hashers may keep at once: the
	// runtime returns their freed memory to the system only slowly, so a
	// burst of wrong passwords late in a short run lifts the last quarter
	// by up to that much without any leak. The server runs on this machine
	// with the default GOMAXPROCS, its bound on concurrent hashes.
	hashing := int64(runtime.NumCPU()) * argon2MiB << 20
	limit := warm + max(warm/4, 32<<20) + hashing
	rep.Check(peak < podMemoryLimit/2, "peak %s stays under %s, half the pod memory limit (k8s/deployment.yaml)", harness.MiB(peak), harness.MiB(podMemoryLimit/2))
	rep.Check(n >= 8 && end <= limit, "memory flat: last quarter %s ≤ second quarter %s + max(25%%, 32 MiB) + %d concurrent password hashes × %d MiB",
		harness.MiB(end), harness.MiB(warm), runtime.NumCPU(), argon2MiB)
}

// medianOf returns the median of s, which must not be empty.
func medianOf(s []int64) int64 {
	c := slices.Clone(s)
	slices.Sort(c)
	return c[len(c)/2]
}

// argon2MiB is the memory of one password hash (the argon2id parameters
// in merchants/password.go).
const argon2MiB = 19
