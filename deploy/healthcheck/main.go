// Command healthcheck is the container image's HEALTHCHECK: it sends one GET
// to the URL given as its only argument and exits 0 when the answer is 2xx,
// 1 otherwise (with the reason on stderr). The distroless image has no shell
// and no curl, so this small static binary is what Docker runs.
//
// Usage:
//
//	healthcheck http://127.0.0.1:8080/healthz
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"
)

// timeout bounds the whole probe; Docker's own --timeout should be larger.
const timeout = 2 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run probes the URL in args and returns the exit status: 0 healthy,
// 1 unhealthy, 2 bad usage.
func run(args []string, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: healthcheck http://HOST:PORT/PATH")
		return 2
	}
	u, err := url.Parse(args[0])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(stderr, "healthcheck: %q is not an http(s) URL with a host\n", args[0])
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	// Drain a little so the server sees a complete exchange, but never much.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		fmt.Fprintf(stderr, "healthcheck: %s answered %s\n", u.Redacted(), resp.Status)
		return 1
	}
	return 0
}
