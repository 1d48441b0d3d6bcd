package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/sapqr/sapqr/qr"
)

const qrUsage = `usage:
  sapqr qr encode --bin BIN --account ACCOUNT [--card] [--amount DONG] [--name NAME]
                  [--city CITY] [--purpose TEXT] [--bill NUMBER]
  sapqr qr decode PAYLOAD...     (or - to read one payload per line from stdin)
  sapqr qr png [--size 512] [--ec L|M|Q|H] [-o FILE] PAYLOAD   (a valid VietQR payload)`

// cmdQR runs `sapqr qr encode|decode|png`.
func cmdQR(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(env.stdout, qrUsage)
		return nil
	}
	switch args[0] {
	case "encode":
		return qrEncode(env, args[1:])
	case "decode":
		return qrDecode(ctx, env, args[1:])
	case "png":
		return qrPNG(env, args[1:])
	}
	fmt.Fprintln(env.stderr, qrUsage)
	return fmt.Errorf("qr: unknown subcommand %q", args[0])
}

// newFlagSet returns a flag set that reports to stderr and returns its
// errors instead of exiting.
func newFlagSet(env *environment, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// qrEncode prints the payload for the flags and a newline. Invalid input
// prints one line per broken rule to stderr and exits with status 1.
func qrEncode(env *environment, args []string) error {
	fs := newFlagSet(env, "qr encode", "usage: sapqr qr encode --bin BIN --account ACCOUNT [flags]")
	var p qr.Payload
	fs.StringVar(&p.BIN, "bin", "", "6-digit bank BIN (see `sapqr banks`)")
	fs.StringVar(&p.Account, "account", "", "account number (or card number with --card)")
	card := fs.Bool("card", false, "the account is a card number (service QRIBFTTC)")
	fs.Int64Var(&p.Amount, "amount", 0, "amount in đồng; 0 makes a static code the payer types the amount into")
	fs.StringVar(&p.Name, "name", "", "holder name, transliterated to upper-case ASCII (≤25)")
	fs.StringVar(&p.City, "city", "", "city, transliterated to ASCII (≤15)")
	fs.StringVar(&p.Purpose, "purpose", "", "transfer description, transliterated to ASCII (≤25)")
	fs.StringVar(&p.Bill, "bill", "", "bill number (≤25)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("qr encode: unexpected argument %q", fs.Arg(0))
	}
	if *card {
		p.Service = qr.ServiceCard
	}
	payload, err := qr.Encode(p)
	if err != nil {
		for _, e := range unjoin(err) {
			fmt.Fprintln(env.stderr, "sapqr qr encode:", e)
		}
		return exitCode(1)
	}
	_, err = fmt.Fprintln(env.stdout, payload)
	return err
}

// unjoin lists the errors errors.Join combined, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// qrDecode prints one JSON object per payload, one per line, and exits
// with status 1 when any payload is invalid.
func qrDecode(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(env.stderr, qrUsage)
		return errors.New("qr decode: no payload (give payloads, or - to read them from stdin)")
	}
	enc := json.NewEncoder(env.stdout)
	enc.SetEscapeHTML(false)
	allValid := true
	decode := func(payload string) error {
		d, err := qr.Decode(payload)
		if err != nil {
			allValid = false
		}
		return enc.Encode(d)
	}
	for _, a := range args {
		if a != "-" {
			if err := decode(a); err != nil {
				return err
			}
			continue
		}
		sc := bufio.NewScanner(env.stdin)
		for sc.Scan() {
			if err := ctx.Err(); err != nil {
				return err
			}
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			if err := decode(line); err != nil {
				return err
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("qr decode: reading stdin: %w", err)
		}
	}
	if !allValid {
		return exitCode(1)
	}
	return nil
}

// qrPNG renders a valid VietQR payload as a PNG to -o FILE or stdout.
func qrPNG(env *environment, args []string) error {
	fs := newFlagSet(env, "qr png", "usage: sapqr qr png [--size 512] [--ec L|M|Q|H] [-o FILE] PAYLOAD")
	size := fs.Int("size", 512, "image width and height in pixels")
	out := fs.String("o", "", "write the PNG to this file instead of stdout")
	ec := fs.String("ec", "M", "error-correction level: L, M, Q or H")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("qr png: give exactly one payload")
	}
	level, ok := map[string]qr.ECLevel{"L": qr.ECLow, "M": qr.ECMedium, "Q": qr.ECQuartile, "H": qr.ECHigh}[strings.ToUpper(*ec)]
	if !ok {
		return fmt.Errorf("qr png: --ec %q: want L, M, Q or H", *ec)
	}
	payload := fs.Arg(0)
	if _, err := qr.Decode(payload); err != nil {
		return fmt.Errorf("qr png: refusing to render an invalid VietQR payload: %w", err)
	}
	m, err := qr.NewMatrix(payload, level)
	if err != nil {
		return err
	}
	if *out == "" {
		return m.WritePNG(env.stdout, *size)
	}
	if err := writeAtomically(env.stdout, *out, func(w io.Writer) error { return m.WritePNG(w, *size) }); err != nil {
		return fmt.Errorf("qr png: %w", err)
	}
	return nil
}

// cmdBanks runs `sapqr banks [--json]`: the embedded bank directory as a
// table, or as a JSON array with --json.
func cmdBanks(_ context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "banks", "usage: sapqr banks [--json]")
	asJSON := fs.Bool("json", false, "print a JSON array instead of a table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("banks: unexpected argument %q", fs.Arg(0))
	}
	banks := qr.Banks()
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(banks)
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BIN\tCODE\tSHORT NAME\tNAME\tFLAGS")
	for _, b := range banks {
		var flags []string
		if b.Conflict {
			flags = append(flags, "conflict")
		}
		if b.Deprecated {
			flags = append(flags, "deprecated")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", b.BIN, b.Code, b.ShortName, b.Name, strings.Join(flags, ","))
	}
	return tw.Flush()
}
