package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ModuleRoot returns the directory of the go.mod that encloses the current
// directory.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module")
	}
	return filepath.Dir(gomod), nil
}

// BuildSapqr builds ./cmd/sapqr of the module in root into dir the way the
// Dockerfile does (static, trimmed, version-stamped) and returns the
// binary's path. A failed build's error carries the compiler's output.
func BuildSapqr(ctx context.Context, root, dir, version string) (string, error) {
	bin := filepath.Join(dir, "sapqr")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags", "-s -w -X main.version="+version, "-o", bin, "./cmd/sapqr")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/sapqr: %w\n%s", err, out)
	}
	return bin, nil
}

// Sapqr runs subcommands of one sapqr binary with one configuration.
type Sapqr struct {
	Bin string
	// Env holds the SAPQR_* settings every subcommand gets, as KEY=value.
	Env []string
	// Dir receives the servers' logs.
	Dir string
}

// Run runs `sapqr args…` to completion with stdin and returns its combined
// output; the error includes the output when the command fails.
func (s Sapqr) Run(ctx context.Context, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, s.Bin, args...)
	cmd.Env = append(os.Environ(), s.Env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("sapqr %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// Server is one running `sapqr serve`.
type Server struct {
	*Process
	// URL is the base URL, http://127.0.0.1:PORT.
	URL string
}

// Serve starts `sapqr serve` on a free loopback port with extra settings
// added to s.Env, without waiting for it; see WaitReady. It returns an
// error when no port is free or the binary cannot be started.
func (s Sapqr) Serve(name string, extra ...string) (*Server, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	env := append(append(append([]string{}, s.Env...), extra...), "SAPQR_ADDR="+addr)
	p, err := StartProcess(name, filepath.Join(s.Dir, name+".log"), env, s.Bin, "serve")
	if err != nil {
		return nil, err
	}
	return &Server{Process: p, URL: "http://" + addr}, nil
}

// WaitReady waits until GET /readyz answers 200. It returns an error with
// the end of the server's log as soon as the process exits, or with the
// last answer when limit passes.
func (srv *Server) WaitReady(ctx context.Context, limit time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	return waitFor(ctx, limit, srv.Name, func() (bool, error) {
		if exited, err := srv.Exited(); exited {
			return false, fmt.Errorf("%w: exited (%v):\n%s", errGaveUp, err, srv.LogTail(20))
		}
		resp, err := client.Get(srv.URL + "/readyz")
		if err != nil {
			return false, err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false, fmt.Errorf("/readyz %s: %s", resp.Status, body)
		}
		return true, nil
	})
}
