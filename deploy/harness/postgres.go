package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Postgres is a PostgreSQL cluster of the harness's own: initdb in a
// temporary directory, trust authentication, listening on a free loopback
// port, run as the postgres user when the harness runs as root (initdb
// refuses root).
type Postgres struct {
	Port   int
	dir    string // holds data/, the socket and the log
	binDir string
	asUser string // "" to run as ourselves
}

// PostgresBinDir returns the directory of initdb and pg_ctl: the newest
// /usr/lib/postgresql/*/bin, else the directory of an initdb on PATH. It
// returns an error when neither exists.
func PostgresBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("postgres: no initdb in /usr/lib/postgresql/*/bin or on PATH")
}

// PostgresHasExtension reports whether the PostgreSQL of binDir ships
// extension name (contrib's pg_stat_statements, say).
func PostgresHasExtension(ctx context.Context, binDir, name string) bool {
	out, err := exec.CommandContext(ctx, filepath.Join(binDir, "pg_config"), "--sharedir").Output()
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(strings.TrimSpace(string(out)), "extension", name+".control"))
	return err == nil
}

// StartPostgres creates a cluster with the binaries in binDir and starts
// it, with settings ("max_connections=300") added to postgresql.conf.
// Close removes everything it created.
func StartPostgres(ctx context.Context, binDir string, settings ...string) (*Postgres, error) {
	dir, err := mkdirTemp("sapqr-drill-pg-")
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	pg := &Postgres{Port: port, dir: dir, binDir: binDir}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("postgres: running as root needs a postgres user to run initdb as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		pg.asUser = "postgres"
	}
	if out, err := pg.run(ctx, "initdb", "-D", pg.data(), "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync"); err != nil {
		pg.remove()
		return nil, fmt.Errorf("postgres: initdb: %w\n%s", err, out)
	}
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n", port, dir)
	for _, kv := range settings {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			pg.remove()
			return nil, fmt.Errorf("postgres: setting %q: want name=value", kv)
		}
		conf += strings.TrimSpace(k) + " = '" + strings.ReplaceAll(strings.TrimSpace(v), "'", "''") + "'\n"
	}
	if err := appendFile(filepath.Join(pg.data(), "postgresql.conf"), conf); err != nil {
		pg.remove()
		return nil, err
	}
	if err := pg.Start(ctx); err != nil {
		pg.remove()
		return nil, err
	}
	return pg, nil
}

func (pg *Postgres) data() string { return filepath.Join(pg.dir, "data") }

// run runs a PostgreSQL binary as the cluster's user.
func (pg *Postgres) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	argv := append([]string{filepath.Join(pg.binDir, name)}, args...)
	if pg.asUser != "" {
		argv = append([]string{"runuser", "-u", pg.asUser, "--"}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = pg.dir
	return cmd.CombinedOutput()
}

// URL returns the postgres:// URL of database db.
func (pg *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pg.Port, db)
}

// CreateDatabase creates database name.
func (pg *Postgres) CreateDatabase(ctx context.Context, name string) error {
	out, err := pg.run(ctx, "createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(pg.Port), "-U", "postgres", name)
	if err != nil {
		return fmt.Errorf("postgres: createdb %s: %w\n%s", name, err, out)
	}
	return nil
}

// Query runs sql with psql in database db and returns its unaligned,
// tuples-only output.
func (pg *Postgres) Query(ctx context.Context, db, sql string) (string, error) {
	out, err := pg.run(ctx, "psql", "-h", "127.0.0.1", "-p", strconv.Itoa(pg.Port), "-U", "postgres",
		"-d", db, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql)
	if err != nil {
		return "", fmt.Errorf("postgres: psql: %w\n%s", err, out)
	}
	return string(out), nil
}

// Start starts the cluster and waits until it accepts connections.
func (pg *Postgres) Start(ctx context.Context) error {
	out, err := pg.run(ctx, "pg_ctl", "-D", pg.data(), "-l", filepath.Join(pg.dir, "postgres.log"), "-w", "-t", "30", "start")
	if err != nil {
		return fmt.Errorf("postgres: pg_ctl start: %w\n%s", err, out)
	}
	return nil
}

// Stop shuts the cluster down: mode "fast" (disconnect clients, clean
// shutdown) or "immediate" (like a crash; recovery at the next start).
func (pg *Postgres) Stop(ctx context.Context, mode string) error {
	out, err := pg.run(ctx, "pg_ctl", "-D", pg.data(), "-m", mode, "-w", "-t", "30", "stop")
	if err != nil {
		return fmt.Errorf("postgres: pg_ctl stop -m %s: %w\n%s", mode, err, out)
	}
	return nil
}

// Pid returns the postmaster's process ID, or 0 when it is not running.
func (pg *Postgres) Pid() int {
	data, err := os.ReadFile(filepath.Join(pg.data(), "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	pid, _ := strconv.Atoi(string(line))
	return pid
}

// Close stops the cluster and removes its directory.
func (pg *Postgres) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = pg.Stop(ctx, "immediate")
	pg.remove()
}

func (pg *Postgres) remove() { _ = os.RemoveAll(pg.dir) }

func appendFile(name, s string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	return errors.Join(err, f.Close())
}

// Pgbench runs the pgbench script text (a custom script, "-f") against
// database db for d with clients connections over threads threads, by TCP
// to 127.0.0.1 like the service under test, and returns the transactions
// per second it reports, with its output. The script is written in the
// cluster's directory, where the cluster's user can read it.
func (pg *Postgres) Pgbench(ctx context.Context, db, script string, clients, threads int, d time.Duration) (float64, string, error) {
	name := filepath.Join(pg.dir, "script.pgbench")
	if err := os.WriteFile(name, []byte(script), 0o644); err != nil {
		return 0, "", err
	}
	out, err := pg.run(ctx, "pgbench", "-h", "127.0.0.1", "-p", strconv.Itoa(pg.Port), "-U", "postgres", "-n",
		"-f", name, "-c", strconv.Itoa(clients), "-j", strconv.Itoa(threads), "-T", strconv.Itoa(max(1, int(d.Seconds()))), db)
	if err != nil {
		return 0, string(out), fmt.Errorf("postgres: pgbench: %w\n%s", err, out)
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		// "tps = 2042.123456 (without initial connection time)"
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "tps = "); ok {
			f, _, _ := strings.Cut(rest, " ")
			tps, err := strconv.ParseFloat(f, 64)
			if err == nil {
				return tps, string(out), nil
			}
		}
	}
	return 0, string(out), fmt.Errorf("postgres: pgbench printed no tps:\n%s", out)
}

// RunSQL runs the SQL text in database db with psql, stopping at the first
// error.
func (pg *Postgres) RunSQL(ctx context.Context, db, sql string) error {
	name := filepath.Join(pg.dir, "script.sql")
	if err := os.WriteFile(name, []byte(sql), 0o644); err != nil {
		return err
	}
	out, err := pg.run(ctx, "psql", "-h", "127.0.0.1", "-p", strconv.Itoa(pg.Port), "-U", "postgres",
		"-d", db, "-v", "ON_ERROR_STOP=1", "-q", "-f", name)
	if err != nil {
		return fmt.Errorf("postgres: psql -f: %w\n%s", err, out)
	}
	return nil
}
