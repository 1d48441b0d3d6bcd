package harness

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestRedisKillAndRestart(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("no redis-server on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := StartRedis(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Port == 6379 {
		t.Fatal("the drill Redis took the shared port 6379")
	}
	if err := ping(ctx, r.Port); err != nil {
		t.Fatalf("PING after start: %v", err)
	}
	r.Kill()
	if err := ping(ctx, r.Port); err == nil {
		t.Fatal("PING answered after Kill")
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ping(ctx, r.Port); err != nil {
		t.Fatalf("PING after restart on the same port: %v", err)
	}
	if got, want := r.URL(3), "redis://127.0.0.1:"; !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "/3") {
		t.Errorf("URL(3) = %q", got)
	}
}

func TestPostgresStopAndStart(t *testing.T) {
	if testing.Short() {
		t.Skip("initdb takes seconds")
	}
	bin, err := PostgresBinDir()
	if err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	pg, err := StartPostgres(ctx, bin, "max_connections=50", "cluster_name=drill 'one'")
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if pg.Port == 5432 {
		t.Fatal("the drill PostgreSQL took the shared port 5432")
	}
	if err := pg.CreateDatabase(ctx, "drill"); err != nil {
		t.Fatal(err)
	}
	got, err := pg.Query(ctx, "drill", "SHOW max_connections")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got) != "50" {
		t.Errorf("max_connections = %q, want 50", got)
	}
	if got, err := pg.Query(ctx, "drill", "SHOW cluster_name"); err != nil || strings.TrimSpace(got) != "drill 'one'" {
		t.Errorf("cluster_name = %q, %v; want the quoted setting back", got, err)
	}
	if _, err := StartPostgres(ctx, bin, "max_connections"); err == nil || !strings.Contains(err.Error(), "want name=value") {
		t.Errorf("a setting without a value: err = %v", err)
	}
	if pg.Pid() == 0 {
		t.Error("no postmaster pid while running")
	}
	if err := pg.Stop(ctx, "fast"); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.Query(ctx, "drill", "SELECT 1"); err == nil {
		t.Error("query succeeded while stopped")
	}
	if err := pg.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := pg.Query(ctx, "drill", "SELECT 40 + 2"); err != nil || strings.TrimSpace(got) != "42" {
		t.Errorf("after restart: %q, %v", got, err)
	}
}
