package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sapqr/sapqr/merchants/gormstore"
)

func TestMigrateCommand(t *testing.T) {
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	getenv := func(k string) string {
		if k == "SAPQR_DATABASE_URL" {
			return dbURL
		}
		return ""
	}
	migrate := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"migrate"}, args...), getenv, strings.NewReader(""), &out, &errOut)
		return out.String(), err
	}
	all, err := gormstore.Migrations(gormstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	out, err := migrate()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(all) || !strings.HasPrefix(lines[0], "applied 0001 registry") {
		t.Errorf("first run printed %q, want one line per migration (%d)", out, len(all))
	}
	if out, err := migrate(); err != nil || out != "database is up to date\n" {
		t.Errorf("second run: %q, %v", out, err)
	}
	if _, err := migrate("extra"); err == nil {
		t.Error("an extra argument was accepted")
	}
}
