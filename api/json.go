package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/unicode/norm"
)

// decodeJSON reads the request body into dst strictly: Content-Type must be
// JSON, the body must be valid UTF-8, fit the body limit, hold exactly one
// JSON value and name no field dst does not have. Every failure is a 4xx
// apiError that names the problem; strings are NFC-normalised on the way
// in so "Nguyễn" typed on any keyboard compares equal.
func decodeJSON(c echo.Context, dst any) error {
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != echo.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
			return newError(http.StatusUnsupportedMediaType, codeUnsupportedMedia,
				fmt.Sprintf("Content-Type %q is not accepted here; send application/json", ct))
		}
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	return unmarshalStrict(body, dst)
}

// readBody reads the whole (already size-limited) body.
func readBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, newError(http.StatusRequestEntityTooLarge, codeBodyTooLarge,
				fmt.Sprintf("the request body is larger than the %d-byte limit", mbe.Limit))
		}
		return nil, newError(http.StatusBadRequest, codeBadRequest, "the request body could not be read")
	}
	return body, nil
}

// unmarshalStrict is decodeJSON without the HTTP parts, so the fuzz test
// and the idempotency fingerprint see the same rules.
func unmarshalStrict(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return newError(http.StatusBadRequest, codeInvalidJSON, "the request body is empty; send a JSON object")
	}
	if !utf8.Valid(body) {
		return newError(http.StatusBadRequest, codeInvalidUTF8, "the request body is not valid UTF-8; send text encoded as UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(norm.NFC.Bytes(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return newError(http.StatusBadRequest, codeInvalidJSON, "the request body holds more than one JSON value; send exactly one object")
	}
	return nil
}

// jsonError turns encoding/json's errors into messages that say where and
// what to fix.
func jsonError(err error) error {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &se):
		return newError(http.StatusBadRequest, codeInvalidJSON,
			fmt.Sprintf("the request body is not valid JSON at byte %d: %s", se.Offset, se.Error()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return newError(http.StatusBadRequest, codeInvalidJSON, "the request body ends in the middle of a JSON value")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return newError(http.StatusBadRequest, codeWrongType,
				fmt.Sprintf("the request body must be a JSON object, not %s", te.Value))
		}
		e := newError(http.StatusBadRequest, codeWrongType,
			fmt.Sprintf("field %q must be %s, not %s", field, jsonKind(te.Type.Kind().String()), te.Value))
		e.fields = []FieldError{{Field: field, Message: fmt.Sprintf("must be %s", jsonKind(te.Type.Kind().String()))}}
		return e
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		e := newError(http.StatusBadRequest, codeUnknownField,
			fmt.Sprintf("unknown field %q; check its spelling against the API documentation", name))
		e.fields = []FieldError{{Field: name, Message: "unknown field"}}
		return e
	default:
		return newError(http.StatusBadRequest, codeInvalidJSON, "the request body is not valid JSON: "+err.Error())
	}
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(k string) string {
	switch k {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	default:
		return "a different type"
	}
}

// writeJSON writes v as the JSON body with status.
func writeJSON(c echo.Context, status int, v any) error {
	return writeJSONType(c, status, echo.MIMEApplicationJSON, v)
}

// writeJSONType writes v as JSON with an explicit Content-Type (problem
// responses use application/problem+json).
func writeJSONType(c echo.Context, status int, contentType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	b = append(b, '\n')
	return c.Blob(status, contentType, b)
}
