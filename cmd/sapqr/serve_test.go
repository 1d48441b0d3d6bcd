package main

import (
	"bufio"
	"bytes"
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
	"sync"
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
	base, printed, _, stop = startServeLines(t, env, io.Discard, args...)
	return base, printed, stop
}

// startServeLines is startServe that also hands over the lines serve
// prints after it started listening, and writes its log to stderr.
func startServeLines(t *testing.T, env map[string]string, stderr io.Writer, args ...string) (base string, printed []string, later <-chan string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"serve"}, args...), func(k string) string { return env[k] }, strings.NewReader(""), pw, stderr)
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

// TestServeListenFails: an address that cannot be listened on stops serve
// with the listener's error.
func TestServeListenFails(t *testing.T) {
	env := testEnv(t)
	err := run(context.Background(), []string{"serve", "--addr", "256.0.0.1:1"}, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "serve: listen tcp") {
		t.Fatalf("serve on 256.0.0.1:1: %v; want the listen error", err)
	}
}

// TestServeWarnsInsecureCookies: serve logs a warning at start when its
// cookies are not Secure and other hosts can reach it, and only then.
func TestServeWarnsInsecureCookies(t *testing.T) {
	for _, tt := range []struct {
		addr, secure string
		warn         bool
	}{
		{"127.0.0.1:0", "", false},
		{"0.0.0.0:0", "", true},
		{"0.0.0.0:0", "false", true},
		{"0.0.0.0:0", "true", false},
	} {
		t.Run(tt.addr+" secure="+tt.secure, func(t *testing.T) {
			env := testEnv(t)
			env["SAPQR_ADDR"], env["SAPQR_SECURE_COOKIES"] = tt.addr, tt.secure
			var log syncBuffer
			_, _, _, stop := startServeLines(t, env, &log)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			warned := false
			for _, l := range strings.Split(strings.TrimSpace(log.String()), "\n") {
				if l == "" {
					continue
				}
				var rec struct{ Level, Msg string }
				if err := json.Unmarshal([]byte(l), &rec); err != nil {
					t.Fatalf("log line %q is not JSON: %v", l, err)
				}
				warned = warned || (rec.Level == "WARN" && strings.Contains(rec.Msg, "not Secure"))
			}
			if warned != tt.warn {
				t.Errorf("warned %v, want %v; log:\n%s", warned, tt.warn, log.String())
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "127.1.2.3:80": true, "[::1]:8080": true, "localhost:8080": true,
		"0.0.0.0:8080": false, "[::]:8080": false, "192.0.2.10:8080": false, "example.org:80": false,
	} {
		if got := isLoopback(testAddr(addr)); got != want {
			t.Errorf("isLoopback(%s) = %v, want %v", addr, got, want)
		}
	}
}

type testAddr string

func (a testAddr) Network() string { return "tcp" }
func (a testAddr) String() string  { return string(a) }

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a log.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestServeDrainsOnShutdown: a request in flight when shutdown begins is
// still answered; new connections are refused.
func TestServeDrainsOnShutdown(t *testing.T) {
	base, _, later, stop := startServeLines(t, testEnv(t), io.Discard)
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
