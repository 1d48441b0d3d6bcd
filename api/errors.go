package api

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// Problem is the body of every error response: RFC 9457
// application/problem+json with a stable machine-readable Code, a Detail a
// person can act on and, for validation failures, one entry per field.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Instance  string       `json:"instance,omitempty"`
	Code      string       `json:"code"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
}

// FieldError says what is wrong with one input field. Field is the JSON
// name (dotted for nested objects, e.g. "bank_account.bin") or the query
// parameter's name.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// problemContentType is the media type of RFC 9457 error bodies.
const problemContentType = "application/problem+json"

// Stable problem codes. Clients switch on these, so they never change
// meaning; new situations get new codes, added to problemCodes and to the
// Problem schema's enum in openapi.yaml (a test holds the two equal).
const (
	codeBadRequest        = "bad_request"
	codeInvalidJSON       = "invalid_json"
	codeInvalidUTF8       = "invalid_utf8"
	codeUnknownField      = "unknown_field"
	codeWrongType         = "wrong_type"
	codeBodyTooLarge      = "body_too_large"
	codeFileLimit         = "file_limit_exceeded"
	codeUnsupportedMedia  = "unsupported_media_type"
	codeValidation        = "validation_failed"
	codeUnauthenticated   = "unauthenticated"
	codeForbidden         = "forbidden"
	codeCSRF              = "csrf_failed"
	codeNotFound          = "not_found"
	codeMethodNotAllowed  = "method_not_allowed"
	codeConflict          = "conflict"
	codeNoQR              = "no_qr"
	codeUnprintable       = "unprintable"
	codeIdempotencyReuse  = "idempotency_key_reused"
	codeIdempotencyBusy   = "idempotency_key_in_progress"
	codeIdempotencyBadKey = "idempotency_key_invalid"
	codeRateLimited       = "rate_limited"
	codeUnavailable       = "unavailable"
	codeInternal          = "internal"
	codeClientClosed      = "client_closed_request"

	// Issue 16: the payee checked before the first print.
	codeUnverifiedAccount = "unverified_account"
)

// Problem codes of transfer notifications.
const (
	codeMalformedDelivery = "malformed_delivery"
)

// problemCodes lists every code the API answers, in the order of the
// OpenAPI enum.
var problemCodes = []string{
	codeBadRequest, codeInvalidJSON, codeInvalidUTF8, codeUnknownField, codeWrongType, codeBodyTooLarge, codeFileLimit,
	codeUnsupportedMedia, codeValidation, codeUnauthenticated, codeForbidden, codeCSRF, codeNotFound,
	codeMethodNotAllowed, codeConflict, codeNoQR, codeUnprintable, codeIdempotencyReuse, codeIdempotencyBusy,
	codeIdempotencyBadKey, codeRateLimited, codeUnavailable, codeInternal, codeClientClosed,
	codeMalformedDelivery, codeUnverifiedAccount,
}

// conflictCodes gives the conflicts clients tell apart their own code;
// every other rule answers codeConflict.
var conflictCodes = map[merchants.Rule]string{
	merchants.RuleNoQR:              codeNoQR,
	merchants.RuleUnprintable:       codeUnprintable,
	merchants.RuleUnverifiedAccount: codeUnverifiedAccount,
}

// conflictFields names the request field a conflict is about, so that a
// form shows the refusal next to that field (phones first): the
// one map from a rule to a field. Other rules answer without errors.
var conflictFields = map[merchants.Rule]string{
	merchants.RuleStallTaken:   "stall_code",
	merchants.RuleAccountTaken: "bank_account.account_number",
}

// apiError is an error the api raises itself (bad input, limits, auth
// failures found by middleware). Domain errors are mapped in problemFor.
type apiError struct {
	status     int
	code       string
	detail     string
	fields     []FieldError
	retryAfter int // seconds; 0 means no Retry-After header
}

func (e *apiError) Error() string { return e.code + ": " + e.detail }

// newError builds an apiError; callers pass the whole sentence of the
// detail, so messages stay greppable.
func newError(status int, code, detail string) *apiError {
	return &apiError{status: status, code: code, detail: detail}
}

// validationError reports per-field problems in a request the api checks
// itself (query parameters, path IDs).
func validationError(fields ...FieldError) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, code: codeValidation,
		detail: "some fields are invalid; see errors", fields: fields}
}

// unavailable is the answer when a dependency is down or the server is
// overloaded: 503 with a Retry-After the client can honour.
func unavailable(detail string) *apiError {
	return &apiError{status: http.StatusServiceUnavailable, code: codeUnavailable, detail: detail, retryAfter: 2}
}

// problemFor is the one error-to-status table of the API. Handlers return
// errors; this decides what the client sees. The bool reports whether the
// error is the server's fault (logged with the request ID, never echoed).
func problemFor(err error) (p Problem, retryAfter int, internal bool) {
	var (
		ae *apiError
		ve *merchants.ValidationError
		ce *merchants.ConflictError
		te *merchants.ThrottledError
		he *echo.HTTPError
	)
	switch {
	case errors.As(err, &ae):
		return Problem{Status: ae.status, Code: ae.code, Detail: ae.detail, Errors: ae.fields}, ae.retryAfter, false
	case errors.As(err, &te):
		return Problem{Status: http.StatusTooManyRequests, Code: codeRateLimited,
			Detail: "too many failed logins from this address; wait before trying again"}, int((te.RetryAfter + time.Second - 1) / time.Second), false
	case errors.As(err, &ve):
		return Problem{Status: http.StatusUnprocessableEntity, Code: codeValidation,
			Detail: "some fields are invalid; see errors", Errors: fieldErrorsOf(ve)}, 0, false
	case errors.Is(err, merchants.ErrNotFound):
		return Problem{Status: http.StatusNotFound, Code: codeNotFound, Detail: "no such resource, or it is outside your area"}, 0, false
	case errors.As(err, &ce):
		code, ok := conflictCodes[ce.Rule]
		if !ok {
			code = codeConflict
		}
		p := Problem{Status: http.StatusConflict, Code: code, Detail: ce.Detail}
		if f, ok := conflictFields[ce.Rule]; ok {
			p.Errors = []FieldError{{Field: f, Message: ce.Detail}}
		}
		return p, 0, false
	case errors.Is(err, merchants.ErrConflict):
		return Problem{Status: http.StatusConflict, Code: codeConflict,
			Detail: "this conflicts with existing data (a code, stall or bank account already in use)"}, 0, false
	case errors.Is(err, merchants.ErrForbidden):
		return Problem{Status: http.StatusForbidden, Code: codeForbidden, Detail: "your role or area does not allow this change"}, 0, false
	case errors.Is(err, merchants.ErrMalformedDelivery):
		return Problem{Status: http.StatusBadRequest, Code: codeMalformedDelivery, Detail: "the delivery is not in the provider's format"}, 0, false
	case errors.Is(err, merchants.ErrUnauthenticated):
		return Problem{Status: http.StatusUnauthorized, Code: codeUnauthenticated, Detail: "log in again: the token or session is missing, expired or revoked"}, 0, false
	case errors.Is(err, merchants.ErrCountersUnavailable):
		return Problem{Status: http.StatusServiceUnavailable, Code: codeUnavailable, Detail: "adoption figures are being rebuilt; retry shortly"}, 2, false
	case errors.As(err, &he):
		return echoProblem(he), 0, false
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads this answer.
		return Problem{Status: 499, Code: codeClientClosed, Detail: "the request was cancelled"}, 0, false
	case errors.Is(err, merchants.ErrUnavailable), isUnavailable(err):
		return Problem{Status: http.StatusServiceUnavailable, Code: codeUnavailable, Detail: "the service is temporarily unavailable; retry shortly"}, 2, true
	default:
		return Problem{Status: http.StatusInternalServerError, Code: codeInternal,
			Detail: "something went wrong on our side; quote the request ID if you report it"}, 0, true
	}
}

// echoProblem maps the errors Echo raises itself (unknown route, wrong
// method, its own body limit).
func echoProblem(he *echo.HTTPError) Problem {
	p := Problem{Status: he.Code}
	switch he.Code {
	case http.StatusNotFound:
		p.Code, p.Detail = codeNotFound, "no such route"
	case http.StatusMethodNotAllowed:
		p.Code, p.Detail = codeMethodNotAllowed, "this route does not accept that method"
	case http.StatusRequestEntityTooLarge:
		p.Code, p.Detail = codeBodyTooLarge, "the request body is too large"
	case http.StatusUnsupportedMediaType:
		p.Code, p.Detail = codeUnsupportedMedia, "unsupported Content-Type"
	case http.StatusUnauthorized:
		p.Code, p.Detail = codeUnauthenticated, "log in first"
	case http.StatusForbidden:
		p.Code, p.Detail = codeForbidden, "not allowed"
	case http.StatusTooManyRequests:
		p.Code, p.Detail = codeRateLimited, "too many requests; slow down"
	default:
		if he.Code >= 500 {
			p.Status, p.Code, p.Detail = http.StatusInternalServerError, codeInternal, "something went wrong on our side"
		} else {
			p.Code, p.Detail = codeBadRequest, http.StatusText(he.Code)
		}
	}
	return p
}

// isUnavailable recognises failures to reach a dependency the stores did
// not translate (a network error, a deadline passed) so they answer 503
// with Retry-After instead of 500.
func isUnavailable(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.As(err, &ne)
}

// handleError is Echo's HTTPErrorHandler: it writes the problem for err
// unless the response has already started, and logs server faults with the
// request ID.
func (s *Server) handleError(err error, c echo.Context) {
	p, retryAfter, internal := problemFor(err)
	if internal && p.Status == http.StatusInternalServerError && s.databaseDown(c) {
		// The fault is the database being unreachable: tell the client
		// to come back rather than that something is broken.
		p = Problem{Status: http.StatusServiceUnavailable, Code: codeUnavailable,
			Detail: "the service is temporarily unavailable; retry shortly"}
		retryAfter = 2
	}
	if internal {
		s.log.ErrorContext(c.Request().Context(), "request failed",
			slog.String("request_id", requestIDOf(c)),
			slog.String("method", c.Request().Method),
			slog.String("route", c.Path()),
			logError(err))
	}
	if !c.Response().Committed {
		writeProblem(c, p, retryAfter)
	}
}

// writeProblem answers with p, completed with its title, the request's
// path and ID.
func writeProblem(c echo.Context, p Problem, retryAfter int) {
	p.Type = "about:blank"
	p.Title = http.StatusText(p.Status)
	if p.Title == "" {
		p.Title = "Client Closed Request"
	}
	p.Instance = c.Request().URL.Path
	p.RequestID = requestIDOf(c)
	h := c.Response().Header()
	if retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(retryAfter))
	}
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="sapqr"`)
	}
	// A handler may have set a download type before failing.
	h.Del("Content-Disposition")
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	_ = writeJSONType(c, p.Status, problemContentType, p)
}

// logError is the "error" attribute of a log line: the error's text with
// every run of seven or more digits masked but its last four, since an
// error deep in the domain or the driver may quote an account number, a
// phone number or a VietQR payload, and logs must never hold them.
func logError(err error) slog.Attr {
	if err == nil {
		return slog.String("error", "")
	}
	return slog.String("error", maskDigitRuns(err.Error()))
}

// maskDigitRuns replaces all but the last four digits of every run of
// seven or more ASCII digits with '•'. Shorter runs (IDs, ports, SQLSTATE
// codes, times) stay readable.
func maskDigitRuns(s string) string {
	const minRun, keep = 7, 4
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			b.WriteByte(s[i])
			i++
			continue
		}
		if j-i >= minRun {
			b.WriteString(strings.Repeat("•", j-i-keep))
			b.WriteString(s[j-keep : j])
		} else {
			b.WriteString(s[i:j])
		}
		i = j
	}
	return b.String()
}

// fieldErrorsOf converts the domain's field errors to the API's.
func fieldErrorsOf(ve *merchants.ValidationError) []FieldError {
	out := make([]FieldError, len(ve.Fields))
	for i, f := range ve.Fields {
		out[i] = FieldError{Field: f.Field, Message: f.Message}
	}
	return out
}

// databaseDown reports whether the database fails a quick ping; it runs
// only on the error path.
func (s *Server) databaseDown(c echo.Context) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), 500*time.Millisecond)
	defer cancel()
	return s.cfg.Database.Ping(ctx) != nil
}
