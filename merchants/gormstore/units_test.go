package gormstore_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	"github.com/sapqr/sapqr/merchants/merchantstest"
)

var updateUnits = flag.Bool("update", false, "rewrite the generated units migrations in migrations/")

// TestUnitMigrations checks that each embedded edition of the
// administrative units has its generated migration, unchanged; with
// -update it writes them.
func TestUnitMigrations(t *testing.T) {
	for i, date := range merchants.UnitEditions() {
		u, err := merchants.LoadUnits(date)
		if err != nil {
			t.Fatal(err)
		}
		name, want := gormstore.UnitMigration(i, u)
		if strings.Count(want, ";") != strings.Count(want, ";\n") {
			t.Fatalf("%s: a ';' inside a value would split a statement", name)
		}
		path := filepath.Join("migrations", name)
		if *updateUnits {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("edition %s has no migration: %v (run with -update)", date.Format("2006-01-02"), err)
		}
		if string(got) != want {
			t.Errorf("%s differs from edition %s (run with -update)", path, date.Format("2006-01-02"))
		}
	}
}

// TestUnitsTable checks that migrating loads the edition in force: 34
// provinces and 3,321 commune-level units, and that migrating again
// changes nothing.
func TestUnitsTable(t *testing.T) { merchantstest.OnEachDatabase(t, testUnitsTable) }

func testUnitsTable(t *testing.T, db string) {
	ctx := context.Background()
	st := merchantstest.NewStoreOn(t, db)
	for range 2 {
		p, c, err := st.UnitCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p != 34 || c != 3321 {
			t.Errorf("admin_units in force: %d provinces, %d communes; want 34, 3321", p, c)
		}
		if applied, err := st.Migrate(ctx); err != nil || len(applied) != 0 {
			t.Fatalf("second Migrate applied %v, %v; want nothing", applied, err)
		}
	}
}
