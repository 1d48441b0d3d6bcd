package main

import (
	"context"
	"flag"
	"fmt"
)

// cmdMigrate applies the migrations the database lacks and prints each
// one it applied; running it again applies nothing.
func cmdMigrate(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "usage: sapqr migrate\n\nApplies the database migrations of this build to SAPQR_DATABASE_URL and prints what it applied.")
	}
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitCode(2)
	}
	a, err := wire(ctx, env.cfg, parts{store: true})
	if err != nil {
		return err
	}
	defer a.Close()
	applied, err := a.store.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, m := range applied {
		fmt.Fprintf(env.stdout, "applied %04d %s (%s)\n", m.Version, m.Name, m.File)
	}
	if len(applied) == 0 {
		fmt.Fprintln(env.stdout, "database is up to date")
	}
	return nil
}
