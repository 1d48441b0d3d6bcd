package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/tabular"
)

// openAdoption opens the store (not migrated) and the counters and returns
// the adoption service over them, for the commands that work on both;
// done closes them.
func openAdoption(ctx context.Context, env *environment) (*merchants.AdoptionService, func(), error) {
	a, err := wire(ctx, env.cfg, parts{adoption: true})
	if err != nil {
		return nil, nil, err
	}
	return a.adoption, func() { a.Close() }, nil
}

const countersUsage = `usage: sapqr counters <command> [flags]

Commands:
  show       print the counters held for a market, commune, province or the country
  reconcile  recount every market in the database, repair the counters and print the drift
  rebuild    replace the counters with a full recount

The counters are in Redis (SAPQR_REDIS_URL, keys under SAPQR_REDIS_NAMESPACE,
default sapqr, as 'sapqr serve' uses them); without SAPQR_REDIS_URL they live
inside 'sapqr serve' and there is nothing to inspect from here.`

// cmdCounters runs `sapqr counters show|reconcile|rebuild`.
func cmdCounters(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(env.stderr, countersUsage)
		return exitCode(2)
	}
	switch args[0] {
	case "show":
		return countersShow(ctx, env, args[1:])
	case "reconcile":
		return countersReconcile(ctx, env, args[1:])
	case "rebuild":
		return countersRebuild(ctx, env, args[1:])
	}
	fmt.Fprintln(env.stderr, countersUsage)
	return fmt.Errorf("counters: unknown command %q; want show, reconcile or rebuild", args[0])
}

// needRedis refuses to work on in-memory counters from the command line:
// they would be a fresh, empty copy, not the server's.
func needRedis(env *environment, cmd string) error {
	if env.cfg.RedisURL == "" {
		return fmt.Errorf("counters %s: SAPQR_REDIS_URL is empty: the counters are in-memory inside 'sapqr serve' (which reconciles them itself); set SAPQR_REDIS_URL to work on Redis counters", cmd)
	}
	return nil
}

func countersShow(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "counters show", "usage: sapqr counters show [--commune CODE | --province CODE | --market ID] [--json]\n\nPrints the counts held in Redis, without reading the database.")
	commune := fs.String("commune", "", "commune code")
	province := fs.String("province", "", "province code")
	market := fs.Int64("market", 0, "market ID")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("counters show: unexpected argument %q", fs.Arg(0))
	}
	if err := needRedis(env, "show"); err != nil {
		return err
	}
	f := merchants.UnitFilter{CommuneCode: *commune, ProvinceCode: *province}
	if *market != 0 {
		f.MarketIDs = []int64{*market}
	}
	a, err := wire(ctx, env.cfg, parts{counters: true})
	if err != nil {
		return err
	}
	defer a.Close()
	counters := a.counters
	held, err := counters.Markets(ctx, f)
	if errors.Is(err, merchants.ErrCountersCold) {
		return fmt.Errorf("counters show: %w: run 'sapqr counters rebuild', or let 'sapqr serve' rebuild them", err)
	}
	if err != nil {
		return fmt.Errorf("counters show: %w", err)
	}
	totals, err := counters.Totals(ctx, f)
	if err != nil {
		return fmt.Errorf("counters show: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Totals  merchants.CountSums      `json:"totals"`
			Markets []merchants.MarketCounts `json:"markets"`
		}{totals, held})
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "market\tcommune\tprovince\tversion\tdeclared\tactive\tstalls QR\tvendors\tvendors QR\tsigns\ttransacting\t")
	for _, c := range held {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", c.MarketID, c.CommuneCode, c.ProvinceCode, c.Version,
			c.StallsDeclared, c.StallsActive, c.StallsWithQR, c.Vendors, c.VendorsWithQR, c.SignsPrinted, c.VendorsTransacting)
	}
	unit := "national"
	switch {
	case f.CommuneCode != "":
		unit = "commune " + f.CommuneCode
	case f.ProvinceCode != "":
		unit = "province " + f.ProvinceCode
	}
	if len(f.MarketIDs) == 0 {
		fmt.Fprintf(tw, "total %s\t%d markets\t\t\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", unit, totals.Markets,
			totals.StallsDeclared, totals.StallsActive, totals.StallsWithQR, totals.Vendors, totals.VendorsWithQR, totals.SignsPrinted, totals.VendorsTransacting)
	}
	return tw.Flush()
}

func countersReconcile(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "counters reconcile", "usage: sapqr counters reconcile [--json]\n\nDrains the outbox, recounts every market in the database, repairs the Redis counters\nand prints the drift it found (markets whose held counts were wrong).")
	asJSON := fs.Bool("json", false, "print the drift report as JSON")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("counters reconcile: unexpected argument %q", fs.Arg(0))
	}
	if err := needRedis(env, "reconcile"); err != nil {
		return err
	}
	svc, done, err := openAdoption(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	if _, err := svc.Drain(ctx); err != nil {
		return fmt.Errorf("counters reconcile: %w", err)
	}
	rep, err := svc.Reconcile(ctx)
	if err != nil {
		return fmt.Errorf("counters reconcile: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printDrift(env.stdout, rep)
	return nil
}

// printDrift writes a drift report for a person: a summary line, then one
// line per wrong count.
func printDrift(w io.Writer, rep merchants.DriftReport) {
	if rep.WasCold {
		fmt.Fprintf(w, "counters were not built (empty or flushed): rebuilt from %d markets\n", rep.Markets)
		return
	}
	fmt.Fprintf(w, "%d markets checked: %d drifted and repaired, %d with changes pending in the outbox, %d changed during the check; %d unit totals repaired\n",
		rep.Markets, len(rep.Drift), rep.Pending, rep.Ahead, len(rep.Totals))
	for _, u := range rep.Totals {
		switch {
		case u.CommuneCode != "":
			fmt.Fprintf(w, "totals of commune %s were wrong\n", u.CommuneCode)
		case u.ProvinceCode != "":
			fmt.Fprintf(w, "totals of province %s were wrong\n", u.ProvinceCode)
		default:
			fmt.Fprintln(w, "national totals were wrong")
		}
	}
	for _, d := range rep.Drift {
		switch d.Kind {
		case merchants.DriftMissing:
			fmt.Fprintf(w, "market %d: missing from the counters (database version %d)\n", d.MarketID, d.Database.Version)
			continue
		case merchants.DriftStale:
			fmt.Fprintf(w, "market %d: stale: held version %d, database version %d\n", d.MarketID, d.Held.Version, d.Database.Version)
		default:
			fmt.Fprintf(w, "market %d: wrong counts at version %d\n", d.MarketID, d.Database.Version)
		}
		for _, c := range countDiffs(*d.Held, d.Database) {
			fmt.Fprintf(w, "  %s\n", c)
		}
	}
}

// countDiffs names each count that differs: "vendors: held 12, database 13".
func countDiffs(held, db merchants.MarketCounts) []string {
	pairs := []struct {
		name     string
		held, db int64
	}{
		{"stalls_declared", held.StallsDeclared, db.StallsDeclared},
		{"stalls_active", held.StallsActive, db.StallsActive},
		{"stalls_with_qr", held.StallsWithQR, db.StallsWithQR},
		{"vendors", held.Vendors, db.Vendors},
		{"vendors_with_qr", held.VendorsWithQR, db.VendorsWithQR},
		{"signs_printed", held.SignsPrinted, db.SignsPrinted},
		{"vendors_transacting", held.VendorsTransacting, db.VendorsTransacting},
	}
	var out []string
	if held.CommuneCode != db.CommuneCode || held.ProvinceCode != db.ProvinceCode {
		out = append(out, fmt.Sprintf("unit: held %s/%s, database %s/%s", held.ProvinceCode, held.CommuneCode, db.ProvinceCode, db.CommuneCode))
	}
	for _, p := range pairs {
		if p.held != p.db {
			out = append(out, fmt.Sprintf("%s: held %d, database %d", p.name, p.held, p.db))
		}
	}
	return out
}

func countersRebuild(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "counters rebuild", "usage: sapqr counters rebuild\n\nReplaces the Redis counters with a full recount of the database (newer versions held are kept).")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("counters rebuild: unexpected argument %q", fs.Arg(0))
	}
	if err := needRedis(env, "rebuild"); err != nil {
		return err
	}
	svc, done, err := openAdoption(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	n, err := svc.Rebuild(ctx)
	if err != nil {
		return fmt.Errorf("counters rebuild: %w", err)
	}
	fmt.Fprintf(env.stdout, "counters rebuilt from %d markets\n", n)
	return nil
}

const reportUsage = `usage: sapqr report (--commune CODE | --province CODE) --period month|quarter|6months|year [--at YYYY-MM] [--format csv|xlsx|json] -o FILE

Writes a commune's table (one row per market) or a province's (one row per
commune) in the shape communes report upward: unit, markets, chợ 4.0
markets, active stalls, vendors with QR, vendors transacting, % of active
stalls with QR, % of target (a commune without its own target against its
province's), the target, then the previous period's figures beside each
row; json is what GET /api/v1/reports?format=json answers. A period not over yet shows today's figures;
a past period the snapshot of its last day. --format defaults to the
extension of -o.`

// cmdReport runs `sapqr report`.
func cmdReport(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "report", reportUsage)
	commune := fs.String("commune", "", "commune code (one row per market)")
	province := fs.String("province", "", "province code (one row per commune)")
	periodName := fs.String("period", "month", "month, quarter, 6months or year")
	at := fs.String("at", "", "a month of the period, YYYY-MM (default: this month)")
	formatName := fs.String("format", "", "csv, xlsx or json (default: from the extension of -o)")
	out := fs.String("o", "", "output file")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	var errs []error
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if (*commune == "") == (*province == "") {
		errs = append(errs, errors.New("give exactly one of --commune CODE or --province CODE"))
	}
	period, err := merchants.ParsePeriod(*periodName)
	if err != nil {
		errs = append(errs, fmt.Errorf("--period: %w", err))
	}
	var month time.Time
	if *at != "" {
		if month, err = time.Parse("2006-01", *at); err != nil {
			errs = append(errs, fmt.Errorf("--at %q: want a month as YYYY-MM, e.g. 2026-11", *at))
		}
	}
	if *out == "" {
		errs = append(errs, errors.New("-o FILE is required"))
	}
	var format tabular.Format
	asJSON := *formatName == "json" || (*formatName == "" && strings.HasSuffix(strings.ToLower(*out), ".json"))
	switch {
	case asJSON:
	case *formatName != "":
		if format, err = tabular.ParseFormat(*formatName); err != nil {
			errs = append(errs, fmt.Errorf("--format: %w", err))
		}
	case *out != "":
		if format, err = tabular.FormatOf(*out); err != nil {
			errs = append(errs, fmt.Errorf("-o: %w (or give --format)", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("report: %w", err)
	}

	svc, done, err := openAdoption(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	rep, err := svc.Report(ctx, merchants.ReportRequest{CommuneCode: *commune, ProvinceCode: *province, Period: period, At: month})
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	write := func(w io.Writer) error { return merchants.WriteReport(w, format, rep) }
	if asJSON {
		write = func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		}
	}
	if err := writeAtomically(env.stdout, *out, write); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	unit := "province " + rep.ProvinceCode
	if rep.CommuneCode != "" {
		unit = "commune " + rep.CommuneCode
	}
	source := "snapshot of " + rep.AsOf.Format(time.DateOnly)
	if rep.Source != "" {
		source = string(rep.Source) + " (live)"
	}
	fmt.Fprintf(env.stdout, "%s: %s %s–%s, %d rows, figures from the %s\n", *out, unit,
		rep.From.Format(time.DateOnly), rep.To.Format(time.DateOnly), len(rep.Rows), strings.TrimSpace(source))
	return nil
}
