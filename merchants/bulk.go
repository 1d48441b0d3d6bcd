package merchants

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/sapqr/sapqr/merchants/tabular"
)

// Bulk import: the spreadsheets communes keep, read through package
// tabular. An import reads the whole file, then applies every row in one
// Store transaction, row by row, through the same checks and helpers as
// the single-record calls. The transaction commits only when it is a real
// run and every row succeeded; a dry run, or a run with a bad row, rolls it
// back, so the report of a dry run is exactly what a real run would do and
// a failed run changes nothing. Rows are matched to what is already stored
// (a market by commune and code or name, a vendor by market and stall, or
// by market, phone and bank account), so importing the same file again
// reports every row unchanged and changes nothing.

// ImportAction is what an import did, or would do, with one row.
type ImportAction string

// Import actions.
const (
	ImportCreate    ImportAction = "create"
	ImportUpdate    ImportAction = "update"
	ImportUnchanged ImportAction = "unchanged"
	ImportFailed    ImportAction = "error"
)

// ImportRow is the outcome of one data row of an imported file.
type ImportRow struct {
	// Line is the row's line (CSV) or row (XLSX) number in the file.
	Line   int          `json:"line"`
	Action ImportAction `json:"action"`
	// ID is the market's or vendor's ID; 0 for a row that failed and, in a
	// dry run, for a record the file creates (it does not exist).
	ID int64 `json:"id,omitempty"`
	// Summary names the record for people: "Chợ Bến Thành (00004/BT)".
	Summary string `json:"summary"`
	// Errors are the row's problems, by column key ("phone").
	Errors   []FieldError `json:"errors,omitempty"`
	Warnings []Warning    `json:"warnings,omitempty"`
}

// ImportReport is the row-by-row outcome of an import.
type ImportReport struct {
	Kind   string `json:"kind"` // "markets" or "vendors"
	DryRun bool   `json:"dry_run"`
	// Applied is true when the rows were stored: a real run without a
	// single bad row.
	Applied bool `json:"applied"`
	// HeaderLine is the line of the header row in the file.
	HeaderLine int `json:"header_line"`
	// IgnoredColumns are header names the import does not read.
	IgnoredColumns []string    `json:"ignored_columns,omitempty"`
	Rows           []ImportRow `json:"rows"`
	Created        int         `json:"created"`
	Updated        int         `json:"updated"`
	Unchanged      int         `json:"unchanged"`
	Failed         int         `json:"failed"`
}

// add appends a row's outcome and counts it.
func (r *ImportReport) add(row ImportRow) {
	switch row.Action {
	case ImportCreate:
		r.Created++
	case ImportUpdate:
		r.Updated++
	case ImportUnchanged:
		r.Unchanged++
	case ImportFailed:
		r.Failed++
	}
	r.Rows = append(r.Rows, row)
}

// err returns a *ValidationError listing every row error ("line 7: phone"),
// or nil when no row failed.
func (r *ImportReport) err() error {
	var fields []FieldError
	for _, row := range r.Rows {
		for _, e := range row.Errors {
			fields = append(fields, FieldError{Field: fmt.Sprintf("line %d: %s", row.Line, e.Field), Message: e.Message})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: fields}
}

// MaxImportRows is the most data rows one imported file may have; split a
// larger file (a single transaction holds every row). The XLSX reader's
// size limits are derived from it.
const MaxImportRows = tabular.MaxRows

// errRollback ends an import's transaction without committing it.
var errRollback = errors.New("import not applied")

// applyImport runs importRow over rows in one transaction, reporting each
// row in rep: a dry run, or a run with a bad row, is rolled back; a real
// run writes the counter outbox rows of the markets it moved. columns
// renames the Service's input fields to the file's columns in row errors.
// It returns the report, with a *ValidationError naming each bad row when
// a real run was refused.
func (s *Service) applyImport(ctx context.Context, rep *ImportReport, rows []tabular.Row, columns map[string]string,
	importRow func(tx Tx, row tabular.Row, moved map[int64]bool) (ImportRow, error)) (ImportReport, error) {
	err := s.store.InTx(ctx, func(tx Tx) error {
		moved := map[int64]bool{}
		// created holds the IDs this run created: a dry run shows none of
		// them, not even on a later row that updates the record (a vendor
		// listed once per stall), since the records will not exist.
		created := map[int64]bool{}
		for _, row := range rows {
			out, err := importRow(tx, row, moved)
			if err != nil {
				fields, ok := rowFailure(err, columns)
				if !ok {
					return fmt.Errorf("line %d: %w", row.Line, err)
				}
				out.Action, out.ID, out.Errors = ImportFailed, 0, fields
			}
			if out.Action == ImportCreate {
				created[out.ID] = true
			}
			if rep.DryRun && created[out.ID] {
				out.ID = 0
			}
			rep.add(out)
		}
		if rep.DryRun || rep.Failed > 0 {
			return errRollback
		}
		return emitCounts(ctx, tx, moved)
	})
	switch {
	case err == nil:
		rep.Applied = true
		return *rep, nil
	case !errors.Is(err, errRollback):
		return *rep, fmt.Errorf("import %s: %w", rep.Kind, err)
	case rep.DryRun:
		return *rep, nil
	}
	return *rep, rep.err()
}

// readImport reads every data row of a file against a schema. A file that
// cannot be read at all (unknown format, no header, a broken line) returns
// a *ValidationError on the field "file" saying why and where; one past a
// size limit of package tabular returns its *tabular.LimitError, wrapped.
func readImport(r io.Reader, format tabular.Format, schema tabular.Schema, rep *ImportReport) ([]tabular.Row, error) {
	fileErr := func(err error) error {
		var le *tabular.LimitError
		if errors.As(err, &le) {
			// Too large to read: the caller answers with the limit.
			return fmt.Errorf("file: %w", le)
		}
		return &ValidationError{Fields: []FieldError{{Field: "file", Message: err.Error()}}}
	}
	tr, err := tabular.NewReader(r, format, schema)
	if err != nil {
		return nil, fileErr(err)
	}
	defer tr.Close()
	rep.HeaderLine, rep.IgnoredColumns = tr.HeaderLine(), tr.Ignored()
	var rows []tabular.Row
	for {
		row, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fileErr(err)
		}
		if len(rows) == MaxImportRows {
			return nil, fileErr(fmt.Errorf("more than %d data rows; split the file", MaxImportRows))
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, fileErr(errors.New("no data rows below the header"))
	}
	return rows, nil
}

// rowFailure turns the error of one row into its field errors, renaming
// the Service's input fields to the file's column keys. It returns false
// for an error that is not the row's fault (the database failed), which
// ends the import.
func rowFailure(err error, rename map[string]string) ([]FieldError, bool) {
	var verr *ValidationError
	switch {
	case errors.As(err, &verr):
		out := make([]FieldError, len(verr.Fields))
		for i, f := range verr.Fields {
			if k, ok := rename[f.Field]; ok {
				f.Field = k
			}
			out[i] = f
		}
		return out, true
	case errors.Is(err, ErrConflict), errors.Is(err, ErrForbidden), errors.Is(err, ErrNotFound):
		return []FieldError{{Field: "row", Message: err.Error()}}, true
	}
	return nil, false
}

// yes reads a consent cell: "có", "x", "yes", "1", "đồng ý", "true".
func yes(s string) bool {
	switch Fold(s) {
	case "co", "x", "yes", "y", "1", "true", "dong y", "da dong y":
		return true
	}
	return false
}

// commonUnitColumns are the columns naming a commune, shared by both imports.
var commonUnitColumns = tabular.Schema{
	{Key: "commune_code", Aliases: []string{"Mã xã", "Mã phường", "Mã xã/phường", "Mã xã, phường", "Mã đơn vị hành chính", "Mã ĐVHC", "Commune code", "Ward code"}},
	{Key: "commune", Aliases: []string{"Xã", "Phường", "Xã/phường", "Xã, phường, đặc khu", "Tên xã", "Đơn vị hành chính", "Commune", "Ward"}},
	{Key: "province_code", Aliases: []string{"Mã tỉnh", "Mã tỉnh/thành phố", "Province code"}},
	{Key: "province", Aliases: []string{"Tỉnh", "Tỉnh/thành phố", "Tỉnh, thành phố", "Tên tỉnh", "Province", "City"}},
}

// unitFinder finds units by name; *Units has it. Without it an import
// needs commune codes.
type unitFinder interface {
	FindProvince(s string) (Province, error)
	FindCommune(provinceCode, name string) (Commune, error)
}

// rowCommune finds the commune a row names, by code or by name and
// province, and adds a problem when it cannot.
func (s *Service) rowCommune(p *problems, row tabular.Row) (commune, province string) {
	if code := row.Get("commune_code"); code != "" {
		commune = checkUnitCode(p, "commune_code", code, true)
		province = checkUnitCode(p, "province_code", row.Get("province_code"), false)
		return commune, province
	}
	name := row.Get("commune")
	if name == "" {
		p.add("commune_code", "is required: the commune's code, or its name in the commune column with the province")
		return "", ""
	}
	finder, ok := s.units.(unitFinder)
	if !ok {
		p.add("commune_code", "is required: no administrative unit directory is configured to find communes by name")
		return "", ""
	}
	provName := row.Get("province_code")
	if provName == "" {
		provName = row.Get("province")
	}
	if provName == "" {
		p.add("province", "is required to find the commune "+name+" by name")
		return "", ""
	}
	prov, err := finder.FindProvince(provName)
	if err != nil {
		p.add("province", fmt.Sprintf("%q is not one of the 34 provinces in force", provName))
		return "", ""
	}
	c, err := finder.FindCommune(prov.Code, name)
	switch {
	case errors.Is(err, ErrAmbiguousUnit):
		p.add("commune", err.Error()+"; give commune_code instead")
	case err != nil:
		p.add("commune", fmt.Sprintf("%q is not a commune-level unit of %s in force", name, prov.FullName()))
	}
	return c.Code, prov.Code
}

// emitCounts writes the counter outbox row of each market an import
// moved, once per market, in ascending ID order so concurrent imports lock
// markets in the same order.
func emitCounts(ctx context.Context, tx Tx, moved map[int64]bool) error {
	for _, id := range slices.Sorted(maps.Keys(moved)) {
		if _, err := tx.EmitMarketCounts(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// joinSummary joins the non-empty parts of a row summary.
func joinSummary(parts ...string) string {
	var out []string
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}
