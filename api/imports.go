package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/tabular"
)

// pathImportVendors is the upload route; its bodies get MaxUploadBytes.
const pathImportVendors = "/api/v1/imports/vendors"

// Imports at once: reading a file takes up to some 30 MiB besides its rows
// (see package tabular), so a server reads at most maxImports files
// together and each user one at a time. Past that the answer is 503 with
// Retry-After, not 429: a 429 would be stored under the request's
// Idempotency-Key and replayed to its retry, which must run.
const (
	maxImports       = 2
	importRetryAfter = 5 // seconds
)

// importGate admits imports: at most a given number at once on the server
// and one per user.
type importGate struct {
	slots chan struct{}
	mu    sync.Mutex
	users map[int64]bool
}

func newImportGate(n int) *importGate {
	return &importGate{slots: make(chan struct{}, n), users: map[int64]bool{}}
}

// wrap runs h when the user has no import running and a slot is free.
func (g *importGate) wrap(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		user := actorOf(c).UserID
		g.mu.Lock()
		busy := g.users[user]
		g.users[user] = true
		g.mu.Unlock()
		if busy {
			return importBusy("you already have an import running; send the next file once its report is back")
		}
		defer func() {
			g.mu.Lock()
			delete(g.users, user)
			g.mu.Unlock()
		}()
		select {
		case g.slots <- struct{}{}:
			defer func() { <-g.slots }()
		default:
			return importBusy(fmt.Sprintf("the server is reading %d import files already; retry shortly", cap(g.slots)))
		}
		return h(c)
	}
}

func importBusy(detail string) *apiError {
	e := unavailable(detail)
	e.retryAfter = importRetryAfter
	return e
}

// isUpload reports whether the matched route takes a file upload.
func isUpload(c echo.Context) bool { return c.Path() == pathImportVendors }

// handleVendorImport registers the vendors of a CSV or XLSX file sent as
// the multipart field "file". With ?dry_run=true it checks every row and
// changes nothing (200 with the row-by-row report); otherwise it applies
// every row in one transaction (201 with the report), or none when a row
// is bad (422 naming each row and column).
func (s *Server) handleVendorImport(c echo.Context) error {
	dryRun := false
	if v := c.QueryParam("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return validationError(FieldError{Field: "dry_run", Message: "must be true or false"})
		}
		dryRun = b
	}
	fh, err := c.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return newError(http.StatusRequestEntityTooLarge, codeBodyTooLarge, "the file is larger than the upload limit; split it")
		}
		return newError(http.StatusBadRequest, codeBadRequest, `send the file as multipart/form-data in the field "file"`)
	}
	format, err := tabular.FormatOf(fh.Filename)
	if err != nil {
		return validationError(FieldError{Field: "file", Message: "must be a .csv or .xlsx file"})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := s.cfg.Merchants.ImportVendors(c.Request().Context(), actorOf(c), f, format, dryRun)
	if le := (*tabular.LimitError)(nil); errors.As(err, &le) {
		return newError(http.StatusRequestEntityTooLarge, codeFileLimit, le.Error())
	}
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if rep.DryRun || !rep.Applied {
		status = http.StatusOK
	}
	return writeJSON(c, status, toImportJSON(rep))
}

// importReportJSON is an import's row-by-row report.
type importReportJSON struct {
	Kind           string          `json:"kind"`
	DryRun         bool            `json:"dry_run"`
	Applied        bool            `json:"applied"`
	HeaderLine     int             `json:"header_line"`
	IgnoredColumns []string        `json:"ignored_columns,omitempty"`
	Rows           []importRowJSON `json:"rows"`
	Created        int             `json:"created"`
	Updated        int             `json:"updated"`
	Unchanged      int             `json:"unchanged"`
	Failed         int             `json:"failed"`
}

// importRowJSON is what an import did, or would do, with one row.
type importRowJSON struct {
	Line     int           `json:"line"`
	Action   string        `json:"action"`
	ID       int64         `json:"id,omitempty"`
	Summary  string        `json:"summary"`
	Errors   []FieldError  `json:"errors,omitempty"`
	Warnings []warningJSON `json:"warnings,omitempty"`
}

func toImportJSON(r merchants.ImportReport) importReportJSON {
	out := importReportJSON{Kind: r.Kind, DryRun: r.DryRun, Applied: r.Applied, HeaderLine: r.HeaderLine,
		IgnoredColumns: r.IgnoredColumns, Rows: make([]importRowJSON, 0, len(r.Rows)),
		Created: r.Created, Updated: r.Updated, Unchanged: r.Unchanged, Failed: r.Failed}
	for _, row := range r.Rows {
		jr := importRowJSON{Line: row.Line, Action: string(row.Action), ID: row.ID, Summary: row.Summary,
			Errors: fieldErrorsOf(&merchants.ValidationError{Fields: row.Errors})}
		if len(jr.Errors) == 0 {
			jr.Errors = nil
		}
		jr.Warnings = warningsJSON(row.Warnings)
		out.Rows = append(out.Rows, jr)
	}
	return out
}
