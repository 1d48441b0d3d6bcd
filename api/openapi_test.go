package api_test

import (
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/sapqr/sapqr/api"
)

// openapiDoc is the parsed api/openapi.yaml with a checker for answers.
// It implements the part of JSON Schema 2020-12 the document uses: $ref,
// type (one or a list), properties, required, additionalProperties, items,
// enum, const, oneOf, minimum, maximum, maxLength and pattern.
type openapiDoc struct {
	root  map[string]any
	paths []pathTemplate
}

type pathTemplate struct {
	template string
	re       *regexp.Regexp
	item     map[string]any
}

var (
	contractOnce sync.Once
	contractDoc  *openapiDoc
	contractErr  error
)

// contract returns the parsed document, read once.
func contract(t testing.TB) *openapiDoc {
	t.Helper()
	contractOnce.Do(func() {
		b, err := os.ReadFile("openapi.yaml")
		if err == nil {
			b, err = yaml.YAMLToJSON(b)
		}
		if err != nil {
			contractErr = err
			return
		}
		d := &openapiDoc{}
		if contractErr = json.Unmarshal(b, &d.root); contractErr != nil {
			return
		}
		paths, _ := d.root["paths"].(map[string]any)
		for p, item := range paths {
			re := "^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`) + "$"
			d.paths = append(d.paths, pathTemplate{template: p, re: regexp.MustCompile(re), item: item.(map[string]any)})
		}
		// Literal paths before templated ones (/markets/{id} vs a literal).
		sort.Slice(d.paths, func(i, j int) bool {
			return strings.Count(d.paths[i].template, "{") < strings.Count(d.paths[j].template, "{")
		})
		contractDoc = d
	})
	if contractErr != nil {
		t.Fatalf("openapi.yaml: %v", contractErr)
	}
	return contractDoc
}

// operation finds the operation serving method and path.
func (d *openapiDoc) operation(method, path string) (map[string]any, string, error) {
	for _, p := range d.paths {
		if p.re.MatchString(path) {
			op, ok := p.item[strings.ToLower(method)].(map[string]any)
			if !ok {
				return nil, p.template, fmt.Errorf("%s is not documented for %s", method, p.template)
			}
			return op, p.template, nil
		}
	}
	return nil, "", fmt.Errorf("no documented path matches %s", path)
}

// check validates one answer: its status must be documented for the
// operation, its media type among the documented ones, and a JSON body
// must match the schema.
func (d *openapiDoc) check(method, path string, status int, contentType string, body []byte) error {
	if !strings.HasPrefix(path, "/api/") && path != "/healthz" && path != "/readyz" && path != "/metrics" {
		return nil // UI pages are not part of the API document
	}
	op, tmpl, err := d.operation(method, path)
	if err != nil {
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return nil // unknown routes answer a problem, checked by their tests
		}
		return err
	}
	responses, _ := op["responses"].(map[string]any)
	resp, ok := responses[fmt.Sprint(status)]
	if !ok {
		// Answers every route can give, documented once here rather than on
		// every operation: the server's own faults and overload, and
		// authentication on routes that need it.
		switch status {
		case http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			resp = map[string]any{"$ref": "#/components/responses/Unavailable"}
		default:
			return fmt.Errorf("status %d is not documented for %s %s", status, method, tmpl)
		}
	}
	r := d.resolve(resp)
	content, _ := r["content"].(map[string]any)
	if len(content) == 0 {
		if len(body) > 0 {
			return fmt.Errorf("%s %s %d: documented without a body, got %d bytes", method, tmpl, status, len(body))
		}
		return nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("%s %s %d: Content-Type %q: %v", method, tmpl, status, contentType, err)
	}
	media, ok := content[mt].(map[string]any)
	if !ok {
		return fmt.Errorf("%s %s %d: media type %s not documented (have %v)", method, tmpl, status, mt, keys(content))
	}
	if mt != "application/json" && mt != "application/problem+json" {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%s %s %d: body is not JSON: %v", method, tmpl, status, err)
	}
	return d.validate(media["schema"], v, "$")
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// resolve follows a local $ref.
func (d *openapiDoc) resolve(x any) map[string]any {
	m, _ := x.(map[string]any)
	for m != nil {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var cur any = d.root
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur.(map[string]any)[part]
		}
		m, _ = cur.(map[string]any)
	}
	return m
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

// validate checks v against schema; at is the JSON path for messages.
func (d *openapiDoc) validate(schema any, v any, at string) error {
	s := d.resolve(schema)
	if s == nil {
		return nil
	}
	if alts, ok := s["oneOf"].([]any); ok {
		matched := 0
		var errs []string
		for _, alt := range alts {
			if err := d.validate(alt, v, at); err == nil {
				matched++
			} else {
				errs = append(errs, err.Error())
			}
		}
		if matched != 1 {
			return fmt.Errorf("%s: matches %d of oneOf, want 1 (%s)", at, matched, strings.Join(errs, "; "))
		}
	}
	if t, ok := s["type"]; ok {
		var allowed []string
		switch tt := t.(type) {
		case string:
			allowed = []string{tt}
		case []any:
			for _, x := range tt {
				allowed = append(allowed, x.(string))
			}
		}
		got := jsonType(v)
		if !slices.Contains(allowed, got) && !(got == "integer" && slices.Contains(allowed, "number")) {
			return fmt.Errorf("%s: %s, want %v", at, got, allowed)
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return cmp.Equal(e, v) }) {
		return fmt.Errorf("%s: %v not in enum %v", at, v, enum)
	}
	if c, ok := s["const"]; ok && !cmp.Equal(c, v) {
		return fmt.Errorf("%s: %v, want const %v", at, v, c)
	}
	switch x := v.(type) {
	case float64:
		if min, ok := s["minimum"].(float64); ok && x < min {
			return fmt.Errorf("%s: %v below minimum %v", at, x, min)
		}
		if max, ok := s["maximum"].(float64); ok && x > max {
			return fmt.Errorf("%s: %v above maximum %v", at, x, max)
		}
	case string:
		if n, ok := s["maxLength"].(float64); ok && float64(len([]rune(x))) > n {
			return fmt.Errorf("%s: longer than %v", at, n)
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			return fmt.Errorf("%s: %q does not match %s", at, x, p)
		}
	case []any:
		for i, item := range x {
			if err := d.validate(s["items"], item, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := x[r.(string)]; !ok {
					return fmt.Errorf("%s: required property %q missing", at, r)
				}
			}
		}
		for k, val := range x {
			if ps, ok := props[k]; ok {
				if err := d.validate(ps, val, at+"."+k); err != nil {
					return err
				}
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					return fmt.Errorf("%s: property %q is not in the document", at, k)
				}
			case map[string]any:
				if err := d.validate(ap, val, at+"."+k); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// TestOpenAPIDescribesEveryRoute: every API route the server registers is
// in the document and every documented operation is served, so neither
// can drift from the other.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	f := newFixture(t)
	doc := contract(t)
	documented := map[string]bool{}
	for _, p := range doc.paths {
		for method := range p.item {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" "+p.template] = true
		}
	}
	served := map[string]bool{}
	for _, r := range api.RouteList(f.srv) {
		method, path, _ := strings.Cut(r, " ")
		if !strings.HasPrefix(path, "/api/") && path != "/healthz" && path != "/readyz" && path != "/metrics" {
			continue // UI pages and static files
		}
		if method == "echo_route_not_found" {
			continue
		}
		tmpl := regexp.MustCompile(`:([a-z_]+)`).ReplaceAllString(path, "{$1}")
		served[method+" "+tmpl] = true
	}
	for op := range served {
		if !documented[op] {
			t.Errorf("route %s is served but not in api/openapi.yaml", op)
		}
	}
	for op := range documented {
		if !served[op] {
			t.Errorf("api/openapi.yaml documents %s, which is not served", op)
		}
	}
}

// TestOpenAPIServed: GET /api/v1/openapi.json is the YAML document as
// JSON, OpenAPI 3.1, without authentication.
func TestOpenAPIServed(t *testing.T) {
	f := newFixture(t)
	r := f.do("GET", "/api/v1/openapi.json", "", nil)
	r.want(t, http.StatusOK)
	var got map[string]any
	r.decode(t, &got)
	if diff := cmp.Diff(contract(t).root, got); diff != "" {
		t.Errorf("served document differs from openapi.yaml (-file +served):\n%s", diff)
	}
	if got["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", got["openapi"])
	}
}

// TestContractCheckerCatchesDrift proves the checker fails on answers the
// document does not allow; otherwise every scenario's check would prove
// nothing.
func TestContractCheckerCatchesDrift(t *testing.T) {
	d := contract(t)
	tests := []struct {
		name, method, path string
		status             int
		ct, body           string
	}{
		{"undocumented status", "GET", "/api/v1/me", 418, "application/json", `{}`},
		{"missing required property", "GET", "/api/v1/me", 200, "application/json", `{"id":1}`},
		{"extra property", "GET", "/healthz", 200, "application/json", `{"status":"ok","surprise":1}`},
		{"wrong type", "GET", "/api/v1/markets/7", 200, "application/json", `{"id":"7"}`},
		{"enum violated", "GET", "/healthz", 200, "application/json", `{"status":"fine"}`},
		{"undocumented media type", "GET", "/api/v1/me", 200, "text/html", `<p>`},
		{"undocumented route", "GET", "/api/v1/nothing/here", 200, "application/json", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := d.check(tt.method, tt.path, tt.status, tt.ct, []byte(tt.body)); err == nil {
				t.Errorf("check accepted %s %s %d %s", tt.method, tt.path, tt.status, tt.body)
			}
		})
	}
	if err := d.check("GET", "/healthz", 200, "application/json", []byte(`{"status":"ok","version":"x"}`)); err != nil {
		t.Errorf("check refused a valid answer: %v", err)
	}
}
