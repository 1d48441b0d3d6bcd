package gormstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one schema change, as read from migrations/.
type Migration struct {
	Version int
	Name    string
	File    string // the file the store's dialect runs
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+?)(?:\.(postgres|sqlite))?\.sql$`)

// Migrations returns the migrations the dialect runs, by version. It
// returns an error when a file name breaks the convention (see the package
// documentation) or two files claim one version.
func Migrations(dialect string) ([]Migration, error) {
	return readMigrations(migrationFiles, "migrations", dialect)
}

func readMigrations(fsys fs.FS, dir, dialect string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	type seen struct {
		name     string
		portable bool
		variants map[string]string
	}
	byVersion := map[int]*seen{}
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %s: want NNNN_name.sql, NNNN_name.postgres.sql or NNNN_name.sqlite.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		s := byVersion[v]
		if s == nil {
			s = &seen{name: m[2], variants: map[string]string{}}
			byVersion[v] = s
		}
		if s.name != m[2] {
			return nil, fmt.Errorf("migration %04d: two names, %s and %s", v, s.name, m[2])
		}
		if m[3] == "" {
			s.portable = true
		}
		s.variants[m[3]] = e.Name()
	}
	var out []Migration
	for v, s := range byVersion {
		_, pg := s.variants[Postgres]
		_, lite := s.variants[SQLite]
		switch {
		case s.portable && (pg || lite):
			return nil, fmt.Errorf("migration %04d_%s: a portable file and a dialect file; keep one or the other", v, s.name)
		case !s.portable && pg != lite:
			return nil, fmt.Errorf("migration %04d_%s: a dialect file needs its pair (.postgres.sql and .sqlite.sql)", v, s.name)
		}
		file := s.variants[""]
		if !s.portable {
			file = s.variants[dialect]
		}
		b, err := fs.ReadFile(fsys, dir+"/"+file)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: s.name, File: file, sql: string(b)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	return out, nil
}

// statements splits a migration into statements at lines ending in ";"
// or holding only "-- +statement", dropping comment-only lines.
func statements(sql string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	for line := range strings.Lines(sql) {
		t := strings.TrimSpace(line)
		switch {
		case t == "-- +statement":
			flush()
		case strings.HasPrefix(t, "--") || t == "":
		default:
			cur.WriteString(line)
			if strings.HasSuffix(t, ";") {
				flush()
			}
		}
	}
	flush()
	return out
}

// Migrate applies the migrations not applied yet, in order, and returns
// them. The whole run is one transaction holding a lock (an advisory lock
// on PostgreSQL, scoped to the current schema; SQLite's write lock), so
// two replicas starting at once apply each migration once, and a failing
// migration leaves the schema as it was.
func (s *Store) Migrate(ctx context.Context) ([]Migration, error) {
	return s.migrate(ctx, math.MaxInt)
}

// migrate is Migrate up to version upTo, for the tests of a migration on
// the schema before it.
func (s *Store) migrate(ctx context.Context, upTo int) ([]Migration, error) {
	all, err := Migrations(s.dialect)
	if err != nil {
		return nil, err
	}
	var applied []Migration
	err = s.transact(ctx, func(t tx) error {
		g := t.db.WithContext(ctx)
		if s.dialect == Postgres {
			if err := g.Exec("SELECT pg_advisory_xact_lock(hashtext('sapqr.migrate.' || current_schema()))").Error; err != nil {
				return fmt.Errorf("migration lock: %w", err)
			}
		}
		if err := g.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`).Error; err != nil {
			return fmt.Errorf("schema_migrations: %w", err)
		}
		var done []int
		if err := g.Raw("SELECT version FROM schema_migrations").Scan(&done).Error; err != nil {
			return fmt.Errorf("schema_migrations: %w", err)
		}
		for _, m := range all {
			if slices.Contains(done, m.Version) || m.Version > upTo {
				continue
			}
			if err := apply(g, m); err != nil {
				return err
			}
			applied = append(applied, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return applied, nil
}

func apply(g *gorm.DB, m Migration) error {
	for i, st := range statements(m.sql) {
		if err := g.Exec(st).Error; err != nil {
			return fmt.Errorf("%s, statement %d: %w", m.File, i+1, err)
		}
	}
	err := g.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.Version, m.Name, time.Now().UTC()).Error
	if err != nil {
		return fmt.Errorf("%s: record: %w", m.File, err)
	}
	return nil
}
