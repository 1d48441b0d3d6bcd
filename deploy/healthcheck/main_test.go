package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			w.Write([]byte("ok"))
		case "/down":
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"healthy", []string{srv.URL + "/healthz"}, 0, ""},
		{"503 is unhealthy", []string{srv.URL + "/down"}, 1, "503"},
		{"404 is unhealthy", []string{srv.URL + "/nope"}, 1, "404"},
		{"nothing listening", []string{closedURL + "/healthz"}, 1, "connect"},
		{"no argument", nil, 2, "usage"},
		{"two arguments", []string{srv.URL, srv.URL}, 2, "usage"},
		{"not a URL", []string{"127.0.0.1:8080/healthz"}, 2, "not an http(s) URL"},
		{"wrong scheme", []string{"ftp://127.0.0.1/healthz"}, 2, "not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			code := run(tt.args, &stderr)
			if code != tt.wantCode {
				t.Errorf("run(%q) = %d, want %d (stderr %q)", tt.args, code, tt.wantCode, stderr.String())
			}
			if tt.wantStderr == "" && stderr.Len() != 0 {
				t.Errorf("stderr = %q, want nothing", stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to mention %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}
