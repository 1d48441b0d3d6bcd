package harness

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// FreePort returns a TCP port on 127.0.0.1 that nothing listened on a moment
// ago. It returns an error when no port can be bound.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Process is a child process whose output goes to a log file.
type Process struct {
	Name string
	Log  string // path of the combined stdout and stderr
	cmd  *exec.Cmd
	done chan struct{}
	err  error // set before done is closed
}

// StartProcess starts argv with env added to the harness's own environment,
// output appended to logPath. The process is not tied to ctx: stop it with
// Stop or Kill.
func StartProcess(name, logPath string, env []string, argv ...string) (*Process, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group, so a Ctrl-C on the drill does not reach the
	// children before the drill has stopped them in order; killed with the
	// harness, so a crashed drill leaves no server or Redis behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("%s: start %s: %w", name, argv[0], err)
	}
	p := &Process{Name: name, Log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

// Pid returns the process ID.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended, and its error if so.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Wait waits for the process to end or ctx to be done, and returns the
// process's exit error or ctx's.
func (p *Process) Wait(ctx context.Context) error {
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop sends SIGTERM and waits up to grace for the process to end, then
// kills it. It returns the exit error of a process that ended by itself
// with a failure other than the signal.
func (p *Process) Stop(grace time.Duration) error {
	if exited, _ := p.Exited(); exited {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		var ee *exec.ExitError
		if errors.As(p.err, &ee) && !ee.Exited() {
			return nil // ended by the signal
		}
		return p.err
	case <-time.After(grace):
		p.Kill()
		return fmt.Errorf("%s: still running %v after SIGTERM; killed", p.Name, grace)
	}
}

// Kill sends SIGKILL and waits for the process to be reaped.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// LogTail returns up to the last n lines of the process's log.
func (p *Process) LogTail(n int) string {
	data, err := os.ReadFile(p.Log)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// RSS returns the resident set size of process pid in bytes, read from
// /proc. It returns an error when the process is gone or /proc is absent.
func RSS(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmRSS %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
}

// CPUTime returns the user plus system CPU time process pid has used, read
// from /proc/PID/stat.
func CPUTime(pid int) (time.Duration, error) {
	st, err := readStat(pid)
	if err != nil {
		return 0, err
	}
	return st.utime + st.stime, nil
}

// TreeCPUTime returns the CPU time used by process pid, by its children
// that have ended (which the kernel adds to pid once it reaps them) and by
// its children still running: what a PostgreSQL postmaster and its
// backends have used together.
func TreeCPUTime(pid int) (time.Duration, error) {
	st, err := readStat(pid)
	if err != nil {
		return 0, err
	}
	total := st.utime + st.stime + st.cutime + st.cstime
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if cs, err := readStat(child); err == nil && cs.ppid == pid {
			total += cs.utime + cs.stime
		}
	}
	return total, nil
}

// procStat is the part of /proc/PID/stat the figures use.
type procStat struct {
	ppid                         int
	utime, stime, cutime, cstime time.Duration
}

func readStat(pid int) (procStat, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	// The command name is in parentheses and may hold spaces; fields
	// count from after its closing parenthesis.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: no command field", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 15 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	// Fields 4 (ppid) and 14–17 (utime, stime, cutime, cstime) of
	// proc(5), counted here from field 3.
	var n [5]int64
	for j, idx := range []int{1, 11, 12, 13, 14} {
		if n[j], err = strconv.ParseInt(f[idx], 10, 64); err != nil {
			return procStat{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
	}
	const clockTicks = 100 // USER_HZ on every Linux the drills run on
	tick := func(v int64) time.Duration { return time.Duration(v) * time.Second / clockTicks }
	return procStat{ppid: int(n[0]), utime: tick(n[1]), stime: tick(n[2]), cutime: tick(n[3]), cstime: tick(n[4])}, nil
}

// errGaveUp marks an error of a waitFor condition that will never come true
// (the process exited): waiting stops at once.
var errGaveUp = errors.New("gave up")

// waitFor calls ok every 50 ms until it returns true, or fails when ctx is
// done, limit passes or ok's error wraps errGaveUp, with what last went
// wrong.
func waitFor(ctx context.Context, limit time.Duration, what string, ok func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var last error
	for {
		done, err := ok()
		if done {
			return nil
		}
		if errors.Is(err, errGaveUp) {
			return fmt.Errorf("%s: %w", what, err)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: not ready after %v: %w", what, limit, errors.Join(ctx.Err(), last))
		case <-time.After(50 * time.Millisecond):
		}
	}
}
