package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/printables"
)

// maxReportedRows caps how many bad rows one run lists.
const maxReportedRows = 20

// signArgs are the flags of `sapqr sign`.
type signArgs struct {
	csvPath, out, size, sheet                            string
	bin, account, holder, vendor, market, stall, purpose string
	date                                                 string
	visible, version, perFile                            int
}

// parseSignArgs reads the flags of `sapqr sign`. It returns flag.ErrHelp
// for -h and exitCode(2) when flag has printed an error and the usage.
func parseSignArgs(stderr io.Writer, args []string) (signArgs, error) {
	var a signArgs
	fl := flag.NewFlagSet("sign", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprint(fl.Output(), `usage:
  sapqr sign --bin B --account A --holder "NGUYEN THI HA" --vendor "Nguyễn Thị Hà"
             --market "Chợ Bộc Bố" --stall A-12 [--size a6|a5|a4] [--sheet a4-2up|a4-4up] -o sign.pdf
  sapqr sign --csv stalls.csv [--size a6|a5|a4] [--sheet a4-2up|a4-4up] -o market.pdf

The CSV has a header row with the columns market,stall,vendor,holder,bin,account
and optionally purpose (a market-fee sign); UTF-8, with or without a BOM, comma-
or semicolon-separated as Excel writes it.

flags:
`)
		fl.PrintDefaults()
	}
	fl.StringVar(&a.csvPath, "csv", "", "render one sign per row of this CSV file (- for standard input)")
	fl.StringVar(&a.out, "o", "", "output file: .pdf, or .zip when there are more than --per-file signs; - for standard output")
	fl.StringVar(&a.size, "size", "a6", "sign size: a6, a5 or a4")
	fl.StringVar(&a.sheet, "sheet", "none", "print several signs per A4 sheet with cut marks: a4-2up (A5 signs) or a4-4up (A6 signs); a single sign fills the sheet with copies")
	fl.StringVar(&a.bin, "bin", "", "bank BIN (6 digits), e.g. 970436")
	fl.StringVar(&a.account, "account", "", "account number; printed masked, encoded in full")
	fl.StringVar(&a.holder, "holder", "", "account holder as the bank shows it, upper-case ASCII")
	fl.StringVar(&a.vendor, "vendor", "", "vendor name as it should print, with diacritics")
	fl.StringVar(&a.market, "market", "", "market name")
	fl.StringVar(&a.stall, "stall", "", "stall code")
	fl.StringVar(&a.purpose, "purpose", "", "make a market-fee sign with this transfer purpose, e.g. \"PHI CHO A12\"")
	fl.IntVar(&a.visible, "visible-digits", 4, "trailing account digits left readable")
	fl.IntVar(&a.version, "sign-version", 1, "sign version printed in the footer")
	fl.StringVar(&a.date, "date", "", "print date YYYY-MM-DD (default: today in Vietnam)")
	fl.IntVar(&a.perFile, "per-file", printables.DefaultPerFile, "signs per PDF; more make a ZIP of PDFs")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return a, err
		}
		return a, exitCode(2) // flag has printed the error and the usage
	}
	if fl.NArg() > 0 {
		return a, fmt.Errorf("sign: unexpected argument %q; every value goes with a flag", fl.Arg(0))
	}
	if a.out == "" {
		return a, errors.New("sign: -o is required: the PDF to write, or - for standard output")
	}
	return a, nil
}

// cmdSign renders one stall sign from flags, or a whole market from a CSV,
// into a PDF (or a ZIP of PDFs for a very large market). Nothing is written
// unless every sign is valid and the whole output was produced.
func cmdSign(_ context.Context, env *environment, args []string) error {
	a, err := parseSignArgs(env.stderr, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	opt, err := signOptions(a.size, a.sheet, a.visible)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	// Print dates are Vietnamese dates.
	printed := time.Now().In(merchants.Vietnam)
	if a.date != "" {
		if printed, err = time.ParseInLocation(time.DateOnly, a.date, merchants.Vietnam); err != nil {
			return fmt.Errorf("sign: --date %q: want YYYY-MM-DD", a.date)
		}
	}
	r, err := printables.NewRenderer()
	if err != nil {
		return err
	}
	if a.csvPath == "" {
		s := printables.Sign{
			Market: a.market, Stall: a.stall, Vendor: a.vendor, BIN: a.bin, Account: a.account,
			Holder: a.holder, Purpose: a.purpose, Version: a.version, Printed: printed,
		}
		if err := r.Check(s, opt); err != nil {
			return fmt.Errorf("sign: %w", err)
		}
		if err := writeAtomically(env.stdout, a.out, func(w io.Writer) error { return r.RenderSign(w, s, opt) }); err != nil {
			return fmt.Errorf("sign: %w", err)
		}
		return nil
	}
	return signCSV(env, r, a, opt, printed)
}

// signCSV renders one sign per row of the CSV a names, after checking
// every row; a bad row names its line and nothing is written.
func signCSV(env *environment, r *printables.Renderer, a signArgs, opt printables.Options, printed time.Time) error {
	for _, f := range []struct{ name, value string }{
		{"market", a.market}, {"stall", a.stall}, {"vendor", a.vendor}, {"holder", a.holder},
		{"bin", a.bin}, {"account", a.account}, {"purpose", a.purpose},
	} {
		if f.value != "" {
			return fmt.Errorf("sign: --%s cannot be combined with --csv: the CSV gives every sign's fields", f.name)
		}
	}
	in := env.stdin
	if a.csvPath != "-" {
		f, err := os.Open(a.csvPath)
		if err != nil {
			return fmt.Errorf("sign: %w", err)
		}
		defer f.Close()
		in = f
	}
	signs, lines, err := readStalls(in, a.version, printed)
	if err != nil {
		return fmt.Errorf("sign: %s: %w", a.csvPath, err)
	}
	if err := checkRows(r, signs, lines, opt); err != nil {
		return fmt.Errorf("sign: %s: nothing written:\n%w", a.csvPath, err)
	}
	format := printables.FormatPDF
	if len(signs) > a.perFile {
		format = printables.FormatZIP
	}
	if ext := strings.ToLower(filepath.Ext(a.out)); (ext == ".pdf" || ext == ".zip") && ext != format.Ext() {
		hint := ""
		if format == printables.FormatZIP {
			hint = fmt.Sprintf(", or raise --per-file (up to %d) for one PDF", printables.MaxBatch)
		}
		return fmt.Errorf("sign: %d signs at %d per PDF make a %s: name the output %s%s", len(signs), a.perFile, strings.TrimPrefix(format.Ext(), "."), strings.TrimSuffix(a.out, filepath.Ext(a.out))+format.Ext(), hint)
	}
	err = writeAtomically(env.stdout, a.out, func(w io.Writer) error {
		b, err := r.NewBatch(w, printables.BatchOptions{Options: opt, PerFile: a.perFile})
		if err != nil {
			return err
		}
		for _, s := range signs {
			if err := b.Add(s); err != nil {
				break // Close returns the batch's first error
			}
		}
		return b.Close()
	})
	var se *printables.SignError
	if errors.As(err, &se) && se.N >= 1 && se.N <= len(lines) {
		return fmt.Errorf("sign: %s line %d: nothing written: %w", a.csvPath, lines[se.N-1], se.Err)
	}
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	if a.out != "-" {
		fmt.Fprintf(env.stdout, "%s: %d signs\n", a.out, len(signs))
	}
	return nil
}

// signOptions reads the print options from their flag values.
func signOptions(size, sheet string, visible int) (printables.Options, error) {
	z, err := printables.ParseSize(size)
	if err != nil {
		return printables.Options{}, err
	}
	t, err := printables.ParseSheet(sheet)
	if err != nil {
		return printables.Options{}, err
	}
	if visible < 1 {
		return printables.Options{}, fmt.Errorf("--visible-digits %d: want 1 to 8", visible)
	}
	if t != printables.SheetNone && z == printables.SizeA6 {
		z = 0 // let the sheet pick its sign size; a6 is also the flag's default
	}
	return printables.Options{Size: z, Sheet: t, VisibleDigits: visible}, nil
}

// readStalls reads a stalls CSV: a header naming the columns (any order,
// any case, unknown columns ignored), then one sign per row. It returns the
// signs and the line each came from. A BOM is skipped, and a header with
// semicolons and no commas switches the separator, as Excel writes CSV in
// some locales.
func readStalls(in io.Reader, version int, printed time.Time) ([]printables.Sign, []int, error) {
	br := bufio.NewReader(in)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	head, _ := br.Peek(4096) // whatever is there; a short file is fine
	first, _, _ := bytes.Cut(head, []byte("\n"))
	if bytes.Contains(first, []byte(";")) && !bytes.Contains(first, []byte(",")) {
		cr.Comma = ';'
	}
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, errors.New("empty file: want a header row market,stall,vendor,holder,bin,account")
	}
	if err != nil {
		return nil, nil, err
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := col[h]; dup && h != "" {
			return nil, nil, fmt.Errorf("line 1: column %q appears twice", h)
		}
		col[h] = i
	}
	var missing []string
	for _, c := range []string{"market", "stall", "vendor", "holder", "bin", "account"} {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("line 1: header lacks %s; want market,stall,vendor,holder,bin,account (and optionally purpose)", strings.Join(missing, ", "))
	}
	field := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var (
		signs []printables.Sign
		lines []int
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err // a *csv.ParseError names its line
		}
		line, _ := cr.FieldPos(0)
		if len(signs) == printables.MaxBatch {
			return nil, nil, fmt.Errorf("line %d: more than %d stalls; split the file by market", line, printables.MaxBatch)
		}
		signs = append(signs, printables.Sign{
			Market:  field(rec, "market"),
			Stall:   field(rec, "stall"),
			Vendor:  field(rec, "vendor"),
			Holder:  field(rec, "holder"),
			BIN:     field(rec, "bin"),
			Account: field(rec, "account"),
			Purpose: field(rec, "purpose"),
			Version: version,
			Printed: printed,
		})
		lines = append(lines, line)
	}
	if len(signs) == 0 {
		return nil, nil, errors.New("no stalls after the header row")
	}
	return signs, lines, nil
}

// checkRows checks every sign before anything is drawn and lists the bad
// rows by line number (at most maxReportedRows of them).
func checkRows(r *printables.Renderer, signs []printables.Sign, lines []int, opt printables.Options) error {
	var errs []error
	bad := 0
	for i, s := range signs {
		err := r.Check(s, opt)
		if err == nil {
			continue
		}
		if bad++; bad <= maxReportedRows {
			errs = append(errs, fmt.Errorf("line %d: %w", lines[i], err))
		}
	}
	if bad > maxReportedRows {
		errs = append(errs, fmt.Errorf("… and %d more bad rows", bad-maxReportedRows))
	}
	return errors.Join(errs...)
}
