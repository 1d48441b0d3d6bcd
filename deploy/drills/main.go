// Command drills runs SạpQR's load test and fault drills against real
// processes: it builds sapqr once, starts its own PostgreSQL cluster and
// redis-server on free loopback ports (never the shared ones on 5432 and
// 6379), runs `sapqr serve`, drives the API, breaks things on purpose, and
// prints what it did and its figures. Every run is bounded in time.
//
// Usage:
//
//	go run ./deploy/drills [flags] loadtest|redis|postgres|replicas|badinput|redis-failover|all
//
// The exit status is 0 when every guarantee held, 1 when one broke and 2 when
// the drill could not run.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the knobs every drill shares.
type options struct {
	duration time.Duration // the load window of a drill, or of each load-test phase
	writers  int           // concurrent registering clients
	readers  int           // concurrent dashboard readers
	markets  int           // markets registrations spread over
	outage   time.Duration // how long Redis or PostgreSQL stays down
	pgBin    string        // directory of initdb and pg_ctl
	// pgSettings are postgresql.conf settings for the drill's cluster.
	pgSettings settingList
	keep       bool      // keep the temporary directory (logs) afterwards
	only       string    // badinput: run only the cases whose names contain this
	pgStop     string    // postgres: pg_ctl stop mode, fast (clean) or immediate (a crash)
	bin        string    // the sapqr binary, built once per run
	out        io.Writer // where the timeline and figures go
}

// drill is one runnable scenario.
type drill struct {
	name    string
	summary string
	run     func(ctx context.Context, o options) *Report
}

func drills() []drill {
	return []drill{
		{"loadtest", "registrations and dashboard reads at full speed on PostgreSQL + Redis", loadTest},
		{"redis", "Redis killed and restarted during registrations", drillRedis},
		{"postgres", "PostgreSQL restarted during registrations", drillPostgres},
		{"replicas", "two replicas migrating at once, registrations spread over both", drillReplicas},
		{"badinput", "malformed requests at full speed: no 5xx, memory flat", drillBadInput},
		{"redis-failover", "Redis primary killed under Sentinel during registrations", drillRedisFailover},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("drills", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := options{out: stdout}
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "load window of each drill (each load-test phase)")
	fs.IntVar(&o.writers, "writers", 32, "concurrent registering clients")
	fs.IntVar(&o.readers, "readers", 32, "concurrent dashboard readers")
	fs.IntVar(&o.markets, "markets", 64, "markets the registrations spread over (each registration locks its market)")
	fs.DurationVar(&o.outage, "outage", 3*time.Second, "how long Redis or PostgreSQL stays down")
	fs.StringVar(&o.pgBin, "pg-bin", "", "directory of initdb and pg_ctl (default: the newest /usr/lib/postgresql/*/bin)")
	fs.Var(&o.pgSettings, "pg", "a postgresql.conf setting for the drill's cluster, name=value (repeatable), e.g. -pg synchronous_commit=off to see what the disk costs")
	fs.StringVar(&o.pgStop, "pg-stop", "fast", "postgres drill: how PostgreSQL goes down, fast (clean shutdown) or immediate (a crash: recovery at restart)")
	fs.StringVar(&o.only, "only", "", "badinput: only the kinds of bad input whose names contain this (e.g. oversize)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory with the server, PostgreSQL and Redis logs")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: drills [flags] loadtest|redis|postgres|replicas|badinput|redis-failover|all")
		for _, d := range drills() {
			fmt.Fprintf(stderr, "  %-14s %s\n", d.name, d.summary)
		}
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	var chosen []drill
	for _, d := range drills() {
		if fs.Arg(0) == d.name || (fs.Arg(0) == "all" && d.name != "loadtest") {
			chosen = append(chosen, d)
		}
	}
	if len(chosen) == 0 {
		fmt.Fprintf(stderr, "drills: unknown drill %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if o.pgStop != "fast" && o.pgStop != "immediate" {
		fmt.Fprintf(stderr, "drills: -pg-stop %q: want fast or immediate\n", o.pgStop)
		return 2
	}
	if o.writers < 1 || o.readers < 1 || o.markets < 1 || o.duration <= 0 {
		fmt.Fprintln(stderr, "drills: -writers, -readers, -markets and -duration must be positive")
		return 2
	}

	// Bound the whole run: each drill gets its load window, setup and
	// checking time, and a margin.
	ctx, cancel := context.WithTimeout(ctx, time.Duration(len(chosen))*(4*o.duration+3*time.Minute))
	defer cancel()
	var err error
	if o.pgBin, o.bin, err = prepare(ctx, o.pgBin, o.out); err != nil {
		fmt.Fprintln(stderr, "drills:", err)
		return 2
	}
	defer os.RemoveAll(filepath.Dir(o.bin))

	code := 0
	for _, d := range chosen {
		rep := d.run(ctx, o)
		rep.Print(o.out)
		switch {
		case rep.Broken != nil:
			code = max(code, 2)
		case len(rep.Failures) > 0:
			code = max(code, 1)
		}
	}
	if len(chosen) > 1 {
		fmt.Fprintf(o.out, "\n%d drills: %s\n", len(chosen), map[int]string{0: "all guarantees held", 1: "a guarantee broke", 2: "a drill could not run"}[code])
	}
	return code
}

// settingList is a repeatable name=value flag.
type settingList []string

func (l *settingList) String() string { return strings.Join(*l, " ") }

func (l *settingList) Set(s string) error {
	if !strings.Contains(s, "=") {
		return fmt.Errorf("%q: want name=value", s)
	}
	*l = append(*l, s)
	return nil
}
