package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyRules enforces the import rules of DESIGN.md: a package
// that imports what its layer may not fails here, not in review.
func TestDependencyRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	const mod = "github.com/sapqr/sapqr"
	out, err := exec.Command("go", "list", "-deps=false", "-json", mod+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	type pkg struct {
		ImportPath string
		Imports    []string
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages; the check would prove nothing", len(pkgs))
	}

	// allowed reports whether package p may import imp.
	allowed := func(p, imp string) (bool, string) {
		rel := strings.TrimPrefix(p, mod+"/")
		own := strings.HasPrefix(imp, mod+"/") || imp == mod
		switch {
		case (rel == "qr" || strings.HasPrefix(rel, "qr/")) && own && !strings.HasPrefix(imp, mod+"/qr"):
			return false, "qr is a leaf: it imports nothing from the module"
		case strings.HasPrefix(rel, "printables") && own && !strings.HasPrefix(imp, mod+"/qr") && !strings.HasPrefix(imp, mod+"/printables"):
			return false, "printables imports only qr"
		case strings.HasPrefix(imp, "gorm.io/") && !strings.HasPrefix(rel, "merchants/gormstore"):
			return false, "only merchants/gormstore imports gorm"
		case strings.HasPrefix(imp, "github.com/redis/go-redis") && !strings.HasPrefix(rel, "merchants/rediscounters"):
			return false, "only merchants/rediscounters imports go-redis"
		case strings.HasPrefix(imp, "github.com/labstack/echo") && !strings.HasPrefix(rel, "api"):
			return false, "only api imports Echo"
		case strings.HasPrefix(rel, "merchants/tabular") && own:
			return false, "merchants/tabular is a leaf: it imports nothing from the module"
		case rel == "merchants" && own && !strings.HasPrefix(imp, mod+"/qr") && imp != mod+"/merchants/tabular":
			return false, "merchants imports only qr and merchants/tabular from the module"
		case own && strings.HasPrefix(imp, mod+"/cmd"):
			return false, "nothing imports cmd"
		}
		return true, ""
	}
	for _, p := range pkgs {
		for _, imp := range p.Imports {
			if ok, why := allowed(p.ImportPath, imp); !ok {
				t.Errorf("%s imports %s: %s", p.ImportPath, imp, why)
			}
		}
	}
}
