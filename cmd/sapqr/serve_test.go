package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sapqr/sapqr/merchants/merchantstest"
)

// testEnv is the environment of a run: an SQLite file of the test, or a
// fresh PostgreSQL schema when SAPQR_TEST_DATABASE_URL is set, and Redis
// counters
// when SAPQR_TEST_REDIS_URL is set (under a namespace of its own).
func testEnv(t *testing.T) map[string]string {
	env := map[string]string{
		"SAPQR_ADDR":         "127.0.0.1:0",
		"SAPQR_DATABASE_URL": merchantstest.URL(t),
		"SAPQR_LOG_LEVEL":    "warn",
	}
	if url := os.Getenv("SAPQR_TEST_REDIS_URL"); url != "" {
		var b [6]byte
		rand.Read(b[:])
		env["SAPQR_REDIS_URL"] = url
		env["SAPQR_REDIS_NAMESPACE"] = "servetest-" + hex.EncodeToString(b[:])
	}
	return env
}

// startServe runs `sapqr serve args…` until the returned stop is called,
// and returns the base URL and every line serve printed before listening.
func startServe(t *testing.T, env map[string]string, args ...string) (base string, printed []string, stop func() error) {
	base, printed, _, stop = startServeLines(t, env, args...)
	return base, printed, stop
}

// startServeLines is startServe that also hands over the lines serve
// prints after it started listening.
func startServeLines(t *testing.T, env map[string]string, args ...string) (base string, printed []string, later <-chan string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"serve"}, args...), func(k string) string { return env[k] }, strings.NewReader(""), pw, io.Discard)
		pw.Close()
		done <- err
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	listening := regexp.MustCompile(`listening on (http://\S+)`)
	timeout := time.After(60 * time.Second)
	for base == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				cancel()
				t.Fatalf("serve exited before listening: %v", <-done)
			}
			printed = append(printed, l)
			if m := listening.FindStringSubmatch(l); m != nil {
				base = m[1]
			}
		case <-timeout:
			cancel()
			t.Fatal("serve did not start listening within 60 s")
		}
	}
	// Later lines are kept for whoever asks, and dropped past a few so
	// serve never blocks on its output.
	rest := make(chan string, 16)
	go func() {
		for l := range lines {
			select {
			case rest <- l:
			default:
			}
		}
	}()
	return base, printed, rest, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(60 * time.Second):
			t.Fatal("serve did not stop within 60 s of cancellation")
			return nil
		}
	}
}

func TestServeRunsAndShutsDown(t *testing.T) {
	env := testEnv(t)
	base, printed, stop := startServe(t, env, "--demo")

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var health struct{ Status string }
	json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || health.Status != "ok" || resp.Header.Get("X-Request-ID") == "" {
		t.Fatalf("healthz: %d %+v", resp.StatusCode, health)
	}

	// The demo admin's password is printed once and logs in.
	var password string
	for _, l := range printed {
		if _, after, ok := strings.Cut(l, "username demo-admin password "); ok {
			password = after
		}
	}
	if password == "" {
		t.Fatalf("--demo printed no login: %q", printed)
	}
	body := strings.NewReader(`{"username":"demo-admin","password":"` + password + `"}`)
	resp, err = http.Post(base+"/api/v1/auth/login", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	var login struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || login.Token == "" {
		t.Fatalf("demo login: %d", resp.StatusCode)
	}
	get := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+login.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	var markets struct {
		Items []struct {
			ID   json.Number
			Name string
		}
	}
	get("/api/v1/markets", &markets)
	if len(markets.Items) != 2 {
		t.Fatalf("demo database has %d markets; want 2", len(markets.Items))
	}

	// Both markets have vendors, some with printed signs and confirmed
	// payments, counted as the printed summary says.
	var vendors int
	summary := regexp.MustCompile(`demo data: .* with (\d+) vendors, some with printed signs and confirmed first payments`)
	for _, l := range printed {
		if m := summary.FindStringSubmatch(l); m != nil {
			vendors, _ = strconv.Atoi(m[1])
		}
	}
	if vendors == 0 {
		t.Fatalf("--demo printed no vendor count: %q", printed)
	}
	var total struct{ Vendors, VendorsWithQR, SignsPrinted, VendorsTransacting int }
	for _, m := range markets.Items {
		var a struct {
			Vendors            int `json:"vendors"`
			VendorsWithQR      int `json:"vendors_with_qr"`
			SignsPrinted       int `json:"signs_printed"`
			VendorsTransacting int `json:"vendors_transacting"`
		}
		get("/api/v1/markets/"+m.ID.String()+"/adoption", &a)
		if a.Vendors == 0 {
			t.Errorf("demo market %s has no vendors", m.Name)
		}
		total.Vendors += a.Vendors
		total.VendorsWithQR += a.VendorsWithQR
		total.SignsPrinted += a.SignsPrinted
		total.VendorsTransacting += a.VendorsTransacting
	}
	if total.Vendors != vendors || total.VendorsWithQR != vendors ||
		total.SignsPrinted == 0 || total.SignsPrinted >= vendors ||
		total.VendorsTransacting == 0 || total.VendorsTransacting > total.SignsPrinted {
		t.Errorf("demo adoption %+v; want all %d vendors with QR, some but not all signs printed, some of those transacting", total, vendors)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v after a clean shutdown", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("still answering after shutdown")
	}

	// A second start on the same database adds no demo data and prints no
	// password.
	base, printed, stop = startServe(t, env, "--demo")
	for _, l := range printed {
		if strings.Contains(l, "password") {
			t.Errorf("second --demo printed %q", l)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_ = base
}

func TestServeWithoutDemoCreatesNothing(t *testing.T) {
	env := testEnv(t)
	_, printed, stop := startServe(t, env)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, l := range printed {
		if strings.Contains(l, "demo") {
			t.Errorf("plain serve printed %q", l)
		}
	}
}

func TestServeFlags(t *testing.T) {
	env := testEnv(t)
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"serve", "--nope"}, "exit status 2"},
		{"bad log level", []string{"serve", "--log-level", "loud"}, "log level"},
		{"stray argument", []string{"serve", "extra"}, "unexpected argument"},
		{"bad in-flight bound", []string{"serve", "--max-in-flight", "0"}, "max-in-flight"},
		{"address in use", []string{"serve", "--addr", "256.0.0.1:1"}, "serve:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, getenv, strings.NewReader(""), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run %v = %v; want an error with %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestUserAdd(t *testing.T) {
	env := testEnv(t)
	getenv := func(k string) string { return env[k] }
	var out strings.Builder
	tests := []struct {
		name  string
		args  []string
		stdin string
		ok    bool
		want  string
	}{
		{"member of two communes", []string{"user", "add", "--role", "member", "--username", "hanguyen", "--commune", "00004", "--commune", "00008", "--password-stdin"}, "long enough secret\n", true, "created user hanguyen"},
		{"province officer", []string{"user", "add", "--role", "province", "--username", "tinh", "--province", "01", "--password-stdin"}, "long enough secret", true, "created user tinh"},
		{"username taken", []string{"user", "add", "--role", "admin", "--username", "hanguyen", "--password-stdin"}, "long enough secret\n", false, "conflict"},
		{"password required on stdin", []string{"user", "add", "--role", "admin", "--username", "x1"}, "", false, "--password-stdin is required"},
		{"short password", []string{"user", "add", "--role", "admin", "--username", "x2", "--password-stdin"}, "short\n", false, "exit status 1"},
		{"no subcommand", []string{"user"}, "", false, "exit status 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out.Reset()
			err := run(context.Background(), tt.args, getenv, strings.NewReader(tt.stdin), &out, io.Discard)
			if tt.ok {
				if err != nil || !strings.Contains(out.String(), tt.want) {
					t.Fatalf("err %v, output %q", err, out.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v; want one with %q", err, tt.want)
			}
		})
	}
}

// TestServeDrainsOnShutdown: a request in flight when shutdown begins is
// still answered; new connections are refused.
func TestServeDrainsOnShutdown(t *testing.T) {
	base, _, later, stop := startServeLines(t, testEnv(t))
	addr := strings.TrimPrefix(base, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"username":"nobody","password":"not the password"}`
	head := "POST /api/v1/auth/login HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\n" +
		"Expect: 100-continue\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	// The server says 100 Continue when the handler starts reading the
	// body: from then on the request is in flight. (Had shutdown begun
	// before the server read the headers, it would have closed the
	// connection unanswered, as net/http does with requests it has not
	// started.)
	br := bufio.NewReader(conn)
	cont, err := http.ReadResponse(br, nil)
	if err != nil || cont.StatusCode != http.StatusContinue {
		t.Fatalf("want 100 Continue, got %v %v", cont, err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	// serve says so once the listener is closed and shutdown is waiting
	// for the requests in flight: the body is sent only then, so the
	// request surely straddles the start of the drain.
	timeout := time.After(60 * time.Second)
	for draining := false; !draining; {
		select {
		case l := <-later:
			draining = strings.Contains(l, "shutting down: draining requests in flight")
		case err := <-stopped:
			t.Fatalf("serve stopped (%v) with a request in flight", err)
		case <-timeout:
			t.Fatal("serve did not say it was draining within 60 s of shutdown")
		}
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatal("a new connection was accepted while draining")
	}
	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("in-flight login answered %d, want 401", resp.StatusCode)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}
