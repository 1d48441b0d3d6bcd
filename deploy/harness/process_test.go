package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProcessLifecycle(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	log := filepath.Join(t.TempDir(), "p.log")
	p, err := StartProcess("sleeper", log, []string{"GREETING=xin chào"}, "sh", "-c", `echo "$GREETING"; exec sleep 30`)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitFor(context.Background(), 5*time.Second, "log line", func() (bool, error) {
		return strings.Contains(p.LogTail(1), "xin chào"), nil
	}); err != nil {
		t.Fatal(err)
	}
	if rss, err := RSS(p.Pid()); err != nil || rss <= 0 {
		t.Errorf("RSS = %d, %v; want a positive size", rss, err)
	}
	if exited, _ := p.Exited(); exited {
		t.Fatal("exited early")
	}
	start := time.Now()
	if err := p.Stop(5 * time.Second); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if exited, _ := p.Exited(); !exited {
		t.Error("still running after Stop")
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("Stop took %v; SIGTERM should end sleep at once", d)
	}
	if _, err := RSS(p.Pid()); err == nil {
		t.Error("RSS of an ended process: want an error")
	}
}

func TestProcessExitIsReported(t *testing.T) {
	p, err := StartProcess("false", filepath.Join(t.TempDir(), "f.log"), nil, "sh", "-c", "exit 3")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Wait(ctx); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("Wait = %v, want exit status 3", err)
	}
}

func TestOwnFigures(t *testing.T) {
	rss, err := RSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if rss < 1<<20 {
		t.Errorf("RSS of the test binary = %d bytes; a Go process has at least a MiB", rss)
	}
	// Burn a little CPU so the figure cannot be zero.
	deadline := time.Now().Add(50 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	if cpu, err := CPUTime(os.Getpid()); err != nil || cpu <= 0 {
		t.Errorf("CPUTime = %v, %v; want a positive duration", cpu, err)
	}
}

func TestFreePortIsFree(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	if port <= 0 || port > 65535 {
		t.Fatalf("port %d", port)
	}
}

func TestWaitFor(t *testing.T) {
	ctx := context.Background()
	calls := 0
	err := waitFor(ctx, 5*time.Second, "third time", func() (bool, error) {
		calls++
		return calls == 3, nil
	})
	if err != nil || calls != 3 {
		t.Errorf("waitFor = %v after %d calls, want nil after 3", err, calls)
	}

	start := time.Now()
	err = waitFor(ctx, 5*time.Second, "exited server", func() (bool, error) {
		return false, fmt.Errorf("%w: exited", errGaveUp)
	})
	if err == nil || !strings.Contains(err.Error(), "exited server: gave up: exited") {
		t.Errorf("waitFor = %v, want the give-up error", err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("giving up took %v; it should be at once", time.Since(start))
	}

	err = waitFor(ctx, 120*time.Millisecond, "never", func() (bool, error) { return false, errors.New("still starting") })
	if err == nil || !strings.Contains(err.Error(), "still starting") || !strings.Contains(err.Error(), "never: not ready after") {
		t.Errorf("waitFor = %v, want a timeout naming the last error", err)
	}
}

func TestTreeCPUTimeCountsChildren(t *testing.T) {
	// A shell that spins in a child: the child's time must show in the tree.
	p, err := StartProcess("spinner", filepath.Join(t.TempDir(), "s.log"), nil, "sh", "-c", "sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'; sleep 30")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	// Wait for the spinning child to finish (the parent then reaps it and
	// its time moves to the parent's cutime) or to show up while running.
	err = waitFor(context.Background(), 20*time.Second, "child CPU", func() (bool, error) {
		tree, err := TreeCPUTime(p.Pid())
		return err == nil && tree >= 50*time.Millisecond, err
	})
	if err != nil {
		t.Fatal(err)
	}
	own, err := CPUTime(p.Pid())
	if err != nil {
		t.Fatal(err)
	}
	tree, _ := TreeCPUTime(p.Pid())
	if tree <= own {
		t.Errorf("tree %v ≤ own %v; the child's time is missing", tree, own)
	}
}
