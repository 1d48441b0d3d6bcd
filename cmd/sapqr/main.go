// Command sapqr is the SạpQR server and its command-line tools.
//
// Usage:
//
//	sapqr serve      serve the API and web UI
//	sapqr migrate    apply database migrations
//	sapqr qr ...     encode, decode and render VietQR payloads
//	sapqr banks      list the bank directory
//
// Configuration comes from environment variables (see README.md); main only
// hands them to run, so tests can call run with their own environment.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is stamped at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.As(err, new(exitCode)) {
		fmt.Fprintln(os.Stderr, "sapqr:", err)
	}
	os.Exit(exitStatus(err))
}

// command is one subcommand: its name, a one-line summary and the function
// that runs it with the arguments after its name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *environment, args []string) error
}

// environment is what every subcommand may use: its configuration (the
// environment variables, read once by loadConfig) and the process's
// standard streams.
type environment struct {
	cfg    config
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// commands lists every subcommand in the order the usage text shows them.
func commands() []command {
	return []command{
		{"serve", "serve the API and web UI", cmdServe},
		{"migrate", "apply database migrations and exit", cmdMigrate},
		{"qr", "encode, decode and render VietQR payloads", cmdQR},
		{"banks", "list the bank directory", cmdBanks},
		{"sign", "render PDF stall signs", cmdSign},
		{"import", "import markets or vendors from CSV/XLSX", cmdImport},
		{"export", "export markets or vendors to CSV/XLSX", cmdExport},
		{"seed", "generate demo data", cmdSeed},
		{"user", "manage users", cmdUser},
		{"counters", "inspect and reconcile adoption counters", cmdCounters},
		{"report", "adoption report for a commune or province", cmdReport},
		{"hooks", "manage hook sources (transfer notifications from SePay, Casso)", cmdHooks},
	}
}

// run is the whole program: it reads the configuration, picks the
// subcommand and runs it until it returns or ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	env := &environment{cfg: cfg, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sapqr <command> [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	var names []string
	for _, s := range new(config).settings() {
		if s.env != "" {
			names = append(names, s.env)
		}
	}
	fmt.Fprintf(w, "Run 'sapqr <command> -h' for a command's flags. Environment: %s.\n", strings.Join(names, ", "))
}
