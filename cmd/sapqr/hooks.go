package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/sapqr/sapqr/merchants"
)

// hooksUsage is the usage of `sapqr hooks`.
const hooksUsage = `usage: sapqr hooks add --provider sepay|casso --auth apikey|hmac --vendor ID|--commune CODE|--province CODE --secret-stdin
       sapqr hooks list [--json]
       sapqr hooks remove ID`

// cmdHooks manages hook sources, the aggregator connections that notify
// SạpQR of incoming transfers, as the system (every area).
func cmdHooks(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(env.stderr, hooksUsage)
		return exitCode(2)
	}
	switch args[0] {
	case "add":
		return hooksAdd(ctx, env, args[1:])
	case "list":
		return hooksList(ctx, env, args[1:])
	case "remove":
		return hooksRemove(ctx, env, args[1:])
	}
	fmt.Fprintln(env.stderr, hooksUsage)
	return exitCode(2)
}

// openTransfers wires the transfer service over a migrated database.
func openTransfers(ctx context.Context, env *environment) (*merchants.TransferService, func(), error) {
	a, err := wire(ctx, env.cfg, parts{migrate: true, service: true})
	if err != nil {
		return nil, nil, err
	}
	return a.transfers, func() { a.Close() }, nil
}

func hooksAdd(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("hooks add", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var in merchants.CreateHookSourceInput
	var secretStdin bool
	fs.StringVar(&in.Provider, "provider", "", "sepay or casso")
	fs.StringVar(&in.Auth, "auth", "", "apikey or hmac (casso: hmac)")
	fs.Int64Var(&in.VendorID, "vendor", 0, "scope: one vendor, by ID")
	fs.StringVar(&in.CommuneCode, "commune", "", "scope: the vendors of a commune")
	fs.StringVar(&in.ProvinceCode, "province", "", "scope: the vendors of a province")
	fs.BoolVar(&secretStdin, "secret-stdin", false, "read the provider's key from the first line of standard input (required)")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if !secretStdin {
		return errors.New("hooks add: --secret-stdin is required: secrets are never taken from the command line, where other users can read them")
	}
	line, err := bufio.NewReader(io.LimitReader(env.stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("hooks add: read secret: %w", err)
	}
	in.Secret = strings.TrimRight(line, "\r\n")
	ts, done, err := openTransfers(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	h, err := ts.CreateHookSource(ctx, systemActor, in)
	var ve *merchants.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			fmt.Fprintf(env.stderr, "sapqr: hooks add: %s: %s\n", hookFlagOf(f.Field), f.Message)
		}
		return exitCode(1)
	}
	if err != nil {
		return fmt.Errorf("hooks add: %w", err)
	}
	return json.NewEncoder(env.stdout).Encode(h)
}

// hookFlagOf names the flag that sets a CreateHookSourceInput field.
func hookFlagOf(field string) string {
	switch field {
	case "secret":
		return "secret (stdin)"
	case "vendor_id":
		return "--vendor"
	case "commune_code":
		return "--commune"
	case "province_code":
		return "--province"
	}
	return "--" + field
}

func hooksList(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("hooks list", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	asJSON := fs.Bool("json", false, "print {\"items\":[…]} as the API does")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	ts, done, err := openTransfers(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	hs, err := ts.HookSources(ctx, systemActor)
	if err != nil {
		return fmt.Errorf("hooks list: %w", err)
	}
	if *asJSON {
		return json.NewEncoder(env.stdout).Encode(map[string]any{"items": hs})
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPROVIDER\tAUTH\tSCOPE\tURL PATH")
	for _, h := range hs {
		scope := "province " + h.ProvinceCode
		switch {
		case h.VendorID != 0:
			scope = "vendor " + strconv.FormatInt(h.VendorID, 10)
		case h.CommuneCode != "":
			scope = "commune " + h.CommuneCode
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", h.ID, h.Provider, h.Auth, scope, h.URLPath)
	}
	return tw.Flush()
}

func hooksRemove(ctx context.Context, env *environment, args []string) error {
	if len(args) != 1 {
		fmt.Fprintln(env.stderr, "usage: sapqr hooks remove ID")
		return exitCode(2)
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("hooks remove: %q is not a hook source ID (a whole number ≥ 1)", args[0])
	}
	ts, done, err := openTransfers(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	if err := ts.DeleteHookSource(ctx, systemActor, id); err != nil {
		return fmt.Errorf("hooks remove %d: %w", id, err)
	}
	fmt.Fprintf(env.stdout, "removed hook source %d\n", id)
	return nil
}
