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
	"time"
)

// Redis is a redis-server of the harness's own, on a free loopback port,
// persisting nothing.
type Redis struct {
	Port int
	dir  string
	bin  string
	proc *Process
	runs int
	// name tells this server's logs apart; args are added to every start.
	name string
	args []string
}

// StartRedis starts redis-server (found on PATH) in dir and waits until it
// answers PING. It returns an error when redis-server is missing or does
// not come up within 10 seconds.
func StartRedis(ctx context.Context, dir string) (*Redis, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	r := &Redis{Port: port, dir: dir, bin: bin, name: "redis"}
	return r, r.Start(ctx)
}

// StartRedisReplica starts a redis-server like StartRedis that replicates
// primary (replicaof), as the replica a Sentinel promotes.
func StartRedisReplica(ctx context.Context, dir string, primary *Redis) (*Redis, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	r := &Redis{Port: port, dir: dir, bin: primary.bin, name: "redis-replica",
		args: []string{"--replicaof", "127.0.0.1", strconv.Itoa(primary.Port)}}
	return r, r.Start(ctx)
}

// URL returns the redis:// URL of database db.
func (r *Redis) URL(db int) string {
	return fmt.Sprintf("redis://127.0.0.1:%d/%d", r.Port, db)
}

// Start starts the server again on the same port after Kill or Stop, empty,
// as a crashed Redis without persistence comes back.
func (r *Redis) Start(ctx context.Context) error {
	r.runs++
	log := filepath.Join(r.dir, fmt.Sprintf("%s-%d-%d.log", r.name, r.Port, r.runs))
	args := append([]string{"--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1", "--dir", r.dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no"}, r.args...)
	p, err := StartProcess(r.name, log, nil, append([]string{r.bin}, args...)...)
	if err != nil {
		return err
	}
	r.proc = p
	err = waitFor(ctx, 10*time.Second, "redis-server", func() (bool, error) {
		if exited, err := p.Exited(); exited {
			return false, fmt.Errorf("%w: exited: %v\n%s", errGaveUp, err, p.LogTail(5))
		}
		err := ping(ctx, r.Port)
		return err == nil, err
	})
	if err != nil {
		p.Kill()
	}
	return err
}

// Kill ends the server with SIGKILL: no shutdown, no save.
func (r *Redis) Kill() { r.proc.Kill() }

// Close stops the server.
func (r *Redis) Close() {
	if r.proc != nil {
		_ = r.proc.Stop(5 * time.Second)
	}
}

// Pid returns the process ID of the running server.
func (r *Redis) Pid() int { return r.proc.Pid() }

// ping sends one RESP PING and expects +PONG.
func ping(ctx context.Context, port int) error {
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// mkdirTemp makes a temporary directory readable by everyone, so a child
// running as another user (PostgreSQL's) can reach what is inside.
func mkdirTemp(pattern string) (string, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", err
	}
	return dir, os.Chmod(dir, 0o755)
}
