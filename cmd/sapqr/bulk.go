package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/tabular"
)

// cmdImport imports markets or vendors from a CSV or XLSX file:
// `sapqr import markets|vendors [--dry-run] [--json] [--format csv|xlsx] FILE`.
// It prints the row-by-row report and exits 1 when a row is bad (nothing
// is then stored).
func cmdImport(ctx context.Context, env *environment, args []string) error {
	usage := func() {
		fmt.Fprint(env.stderr, `usage: sapqr import markets|vendors [--dry-run] [--json] [--format csv|xlsx] FILE

Reads a CSV (UTF-8, with or without BOM) or XLSX file whose header names the
columns in Vietnamese or English, and prints what happens to each row. A real
run stores every row or, when any row is bad, none; importing the same file
again changes nothing. FILE "-" reads standard input (give --format).
`)
	}
	if len(args) == 0 || (args[0] != "markets" && args[0] != "vendors") {
		usage()
		return exitCode(2)
	}
	kind := args[0]
	fs := flag.NewFlagSet("import "+kind, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = usage
	dryRun := fs.Bool("dry-run", false, "check every row and print the report; store nothing")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	formatName := fs.String("format", "", "csv or xlsx; by default from FILE's extension")
	if err := fs.Parse(args[1:]); err != nil {
		return exitCode(2)
	}
	if fs.NArg() != 1 {
		usage()
		return exitCode(2)
	}
	name := fs.Arg(0)
	format, err := fileFormat(name, *formatName)
	if err != nil {
		return err
	}
	in := env.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	svc, closeStore, err := openService(ctx, env)
	if err != nil {
		return err
	}
	defer closeStore()
	var rep merchants.ImportReport
	if kind == "markets" {
		rep, err = svc.ImportMarkets(ctx, systemActor, in, format, *dryRun)
	} else {
		rep, err = svc.ImportVendors(ctx, systemActor, in, format, *dryRun)
	}
	var ve *merchants.ValidationError
	if err != nil && (!errors.As(err, &ve) || len(rep.Rows) == 0) {
		// The file could not be read at all, or the database failed.
		return fmt.Errorf("import %s %s: %w", kind, name, err)
	}
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printReport(env.stdout, rep)
	}
	if rep.Failed > 0 {
		return exitCode(1)
	}
	return nil
}

// fileFormat returns the format named by flag, or else by name's extension.
func fileFormat(name, flag string) (tabular.Format, error) {
	if flag != "" {
		return tabular.ParseFormat(flag)
	}
	if name == "-" {
		return "", errors.New("reading standard input: give --format csv or --format xlsx")
	}
	return tabular.FormatOf(name)
}

// printReport writes an import report for people: one line per row, its
// problems indented below it, and a closing summary.
func printReport(w io.Writer, rep merchants.ImportReport) {
	if len(rep.IgnoredColumns) > 0 {
		fmt.Fprintf(w, "header on line %d; columns not read: %s\n", rep.HeaderLine, strings.Join(rep.IgnoredColumns, ", "))
	}
	for _, row := range rep.Rows {
		id := ""
		if row.ID != 0 {
			id = fmt.Sprintf(" #%d", row.ID)
		}
		fmt.Fprintf(w, "line %-5d %-9s %s%s\n", row.Line, row.Action, row.Summary, id)
		for _, e := range row.Errors {
			fmt.Fprintf(w, "           %s: %s\n", e.Field, e.Message)
		}
		for _, wn := range row.Warnings {
			fmt.Fprintf(w, "           warning: %s\n", wn.Message)
		}
	}
	outcome := "applied"
	switch {
	case rep.DryRun:
		outcome = "dry run: nothing stored"
	case !rep.Applied:
		outcome = "NOT applied: fix the rows marked error and import the file again; nothing was stored"
	}
	fmt.Fprintf(w, "%d %s rows: %d created, %d updated, %d unchanged, %d with errors; %s\n",
		len(rep.Rows), rep.Kind, rep.Created, rep.Updated, rep.Unchanged, rep.Failed, outcome)
}

// cmdExport writes markets or vendors to a CSV or XLSX file:
// `sapqr export vendors|markets [--format csv|xlsx] -o FILE [--commune CODE]
// [--province CODE] [--market ID] [--full-accounts]`.
func cmdExport(ctx context.Context, env *environment, args []string) error {
	usage := func() {
		fmt.Fprint(env.stderr, `usage: sapqr export vendors|markets [--format csv|xlsx] -o FILE [--commune CODE] [--province CODE] [--market ID] [--full-accounts]

Writes active vendors (with their primary bank account) or markets under
Vietnamese headers that 'sapqr import' reads back. Account numbers are masked
to their last four digits unless --full-accounts is given: they are personal
data (Decree 13/2023), so ask for them only when the file itself is protected.
-o - writes to standard output.
`)
	}
	if len(args) == 0 || (args[0] != "markets" && args[0] != "vendors") {
		usage()
		return exitCode(2)
	}
	kind := args[0]
	fs := flag.NewFlagSet("export "+kind, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = usage
	var f merchants.ExportFilter
	out := fs.String("o", "", "output file (required); - for standard output")
	formatName := fs.String("format", "", "csv or xlsx; by default from -o's extension")
	fs.StringVar(&f.CommuneCode, "commune", "", "only this commune (code)")
	fs.StringVar(&f.ProvinceCode, "province", "", "only this province (code)")
	fs.Int64Var(&f.MarketID, "market", 0, "only this market (ID; vendors only)")
	fs.BoolVar(&f.FullAccounts, "full-accounts", false, "write account numbers in full instead of masked")
	if err := fs.Parse(args[1:]); err != nil {
		return exitCode(2)
	}
	if fs.NArg() != 0 || *out == "" {
		usage()
		return exitCode(2)
	}
	format, err := fileFormat(*out, *formatName)
	if err != nil {
		return err
	}
	svc, closeStore, err := openService(ctx, env)
	if err != nil {
		return err
	}
	defer closeStore()
	w := env.stdout
	var file *os.File
	if *out != "-" {
		if file, err = os.Create(*out); err != nil {
			return err
		}
		w = file
	}
	var n int
	if kind == "markets" {
		n, err = svc.ExportMarkets(ctx, systemActor, w, format, f)
	} else {
		n, err = svc.ExportVendors(ctx, systemActor, w, format, f)
	}
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(*out) // never leave half a file that looks complete
		}
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	note := ""
	switch {
	case kind == "vendors" && f.FullAccounts:
		note = " (account numbers in full)"
	case kind == "vendors":
		note = " (account numbers masked)"
	}
	fmt.Fprintf(env.stderr, "exported %d %s to %s%s\n", n, kind, *out, note)
	return nil
}

// cmdSeed generates demo data: `sapqr seed --markets N --vendors M
// [--province CODE] [--seed S] [--batch B] [--workers W]`.
func cmdSeed(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "usage: sapqr seed --markets N --vendors M [--province CODE] [--seed S] [--batch B] [--workers W]\n\n"+
			"Adds N generated markets and M vendors (Vietnamese names, mobile phones, accounts at real banks)\n"+
			"to SAPQR_DATABASE_URL, for demos and benchmarks. Never run it on a production database.")
		fs.PrintDefaults()
	}
	markets := fs.Int("markets", 10, "markets to add")
	vendors := fs.Int("vendors", 1000, "vendors to add, spread evenly over the markets")
	province := fs.String("province", "", "place the markets in this province (code); all 34 by default")
	seed := fs.Uint64("seed", 0, "random seed, for the same data twice; 0 for a random one")
	batch := fs.Int("batch", 20_000, "vendors per load transaction")
	workers := fs.Int("workers", 2, "batches loading at once")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return exitCode(2)
	}
	a, err := wire(ctx, env.cfg, parts{migrate: true, service: true})
	if err != nil {
		return err
	}
	defer a.Close()
	store, units := a.store, a.units
	communes := units.AllCommunes()
	if *province != "" {
		if communes, err = units.Communes(*province); err != nil {
			return fmt.Errorf("seed: --province: %w", err)
		}
	}
	opt := merchants.SeedOptions{Markets: *markets, Vendors: *vendors, Communes: communes, Batch: *batch, Workers: *workers}
	if *seed != 0 {
		opt.Rand = rand.New(rand.NewPCG(*seed, *seed))
	}
	start := time.Now()
	opt.Progress = func(n int) {
		el := time.Since(start)
		fmt.Fprintf(env.stderr, "seed: %d/%d vendors, %s, %.0f vendors/s\n", n, *vendors, el.Round(time.Second), float64(n)/el.Seconds())
	}
	svc := merchants.NewService(store, merchants.Config{Units: units})
	res, err := svc.Seed(ctx, systemActor, store, opt)
	if err != nil {
		var ve *merchants.ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				fmt.Fprintf(env.stderr, "sapqr: seed: --%s: %s\n", f.Field, f.Message)
			}
			return exitCode(2)
		}
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(env.stdout, "seeded %d markets and %d vendors in %s (%.0f vendors/s)\n",
		len(res.MarketIDs), res.Vendors, el.Round(time.Millisecond), float64(res.Vendors)/el.Seconds())
	return nil
}
