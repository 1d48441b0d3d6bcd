package harness

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Sentinel is a Redis Sentinel of the harness's own on a free loopback
// port, watching one primary.
type Sentinel struct {
	Port int
	proc *Process
}

// SentinelCommand returns how to run a Sentinel here: Debian's
// redis-sentinel, or else redis-server in Sentinel mode (the same program).
// It returns an error when neither is installed.
func SentinelCommand() (bin string, args []string, err error) {
	if bin, err := exec.LookPath("redis-sentinel"); err == nil {
		return bin, nil, nil
	}
	bin, err = exec.LookPath("redis-server")
	if err != nil {
		return "", nil, fmt.Errorf("sentinel: neither redis-sentinel nor redis-server is installed: %w", err)
	}
	return bin, []string{"--sentinel"}, nil
}

// StartSentinel starts a Sentinel in dir watching primary under master,
// with quorum votes needed to call it down, and waits until it answers
// PING. It calls the primary down after downAfter without answers and
// fails over within failoverTimeout.
func StartSentinel(ctx context.Context, dir, master string, primary *Redis, quorum int, downAfter, failoverTimeout time.Duration) (*Sentinel, error) {
	bin, extra, err := SentinelCommand()
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	// A Sentinel rewrites its configuration file as it learns: each has
	// its own.
	conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", port))
	text := fmt.Sprintf(`port %d
bind 127.0.0.1
daemonize no
dir %s
sentinel monitor %s 127.0.0.1 %d %d
sentinel down-after-milliseconds %s %d
sentinel failover-timeout %s %d
sentinel parallel-syncs %s 1
`, port, dir, master, primary.Port, quorum, master, downAfter.Milliseconds(), master, failoverTimeout.Milliseconds(), master)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return nil, err
	}
	args := append([]string{conf}, extra...)
	p, err := StartProcess("sentinel", filepath.Join(dir, fmt.Sprintf("sentinel-%d.log", port)), nil, append([]string{bin}, args...)...)
	if err != nil {
		return nil, err
	}
	s := &Sentinel{Port: port, proc: p}
	err = waitFor(ctx, 10*time.Second, "redis sentinel", func() (bool, error) {
		if exited, err := p.Exited(); exited {
			return false, fmt.Errorf("%w: exited: %v\n%s", errGaveUp, err, p.LogTail(5))
		}
		err := ping(ctx, port)
		return err == nil, err
	})
	if err != nil {
		p.Kill()
		return nil, err
	}
	return s, nil
}

// Addr returns the Sentinel's host:port.
func (s *Sentinel) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// Close stops the Sentinel.
func (s *Sentinel) Close() { _ = s.proc.Stop(5 * time.Second) }

// MasterPort asks the Sentinel which port the primary of master is on
// (SENTINEL get-master-addr-by-name), in one RESP exchange.
func (s *Sentinel) MasterPort(ctx context.Context, master string) (int, error) {
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", s.Addr())
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if _, err := fmt.Fprintf(conn, "SENTINEL get-master-addr-by-name %s\r\n", master); err != nil {
		return 0, err
	}
	// *2 $len host $len port
	rd := bufio.NewReader(conn)
	var lines []string
	for range 5 {
		line, err := rd.ReadString('\n')
		if err != nil {
			return 0, err
		}
		lines = append(lines, strings.TrimRight(line, "\r\n"))
		if lines[0] != "*2" {
			return 0, fmt.Errorf("sentinel: get-master-addr-by-name answered %q", lines[0])
		}
	}
	return strconv.Atoi(lines[4])
}
