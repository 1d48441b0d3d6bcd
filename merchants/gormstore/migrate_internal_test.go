package gormstore

import (
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestReadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []string // files picked for SQLite
		wantErr bool
	}{
		{"portable and pairs, gaps allowed", fstest.MapFS{
			"m/0001_a.postgres.sql": file("x"), "m/0001_a.sqlite.sql": file("x"),
			"m/0050_b.sql": file("x"), "m/0007_c.sql": file("x"),
		}, []string{"0001_a.sqlite.sql", "0007_c.sql", "0050_b.sql"}, false},
		{"pair missing its half", fstest.MapFS{"m/0001_a.postgres.sql": file("x")}, nil, true},
		{"portable and dialect file", fstest.MapFS{"m/0001_a.sql": file("x"), "m/0001_a.sqlite.sql": file("x"), "m/0001_a.postgres.sql": file("x")}, nil, true},
		{"two names, one number", fstest.MapFS{"m/0001_a.sql": file("x"), "m/0001_b.sql": file("x")}, nil, true},
		{"bad name", fstest.MapFS{"m/1_a.sql": file("x")}, nil, true},
		{"unknown dialect", fstest.MapFS{"m/0001_a.mysql.sql": file("x")}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := readMigrations(tt.files, "m", SQLite)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.File)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatements(t *testing.T) {
	sql := "-- a comment; with a semicolon\nCREATE TABLE a (\n\tx INT\n);\n\nCREATE INDEX i ON a (x);\n-- +statement\nSELECT 1\n"
	want := []string{"CREATE TABLE a (\n\tx INT\n);", "CREATE INDEX i ON a (x);", "SELECT 1"}
	if diff := cmp.Diff(want, statements(sql)); diff != "" {
		t.Errorf("statements (-want +got):\n%s", diff)
	}
}
