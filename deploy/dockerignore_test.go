package deploy

import "testing"

func TestIgnores(t *testing.T) {
	tests := []struct {
		pattern, file string
		want          bool
	}{
		{".git", ".git/config", true},
		{".git", "cmd/sapqr/main.go", false},
		{"go.*", "go.mod", true},
		{"go.*", "cmd/go.mod", false},
		{"**/*.db", "sapqr.db", true},
		{"**/*.db", "deploy/drills/x.db", true},
		{"**/*.db", "qr/banks.json", false},
		{"deploy/k8s", "deploy/k8s/service.yaml", true},
		{"deploy/k8s", "deploy/healthcheck/main.go", false},
		{"deploy/*.md", "deploy/README.md", true},
		{"deploy/*.md", "deploy/healthcheck/main.go", false},
		{"/bin", "bin/sapqr", true},
		{"cmd", "cmd/sapqr/main.go", true},
	}
	for _, tt := range tests {
		if got := ignores(tt.pattern, tt.file); got != tt.want {
			t.Errorf("ignores(%q, %q) = %v, want %v", tt.pattern, tt.file, got, tt.want)
		}
	}
}
