package main

import (
	"bytes"
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/sapqr/sapqr/deploy/harness"
)

// TestDrillsShort runs every fault drill for a few seconds: the short form
// CI runs. Each drill starts its own PostgreSQL and Redis on free ports, so
// the shared services other tests use are never touched. The load test's
// throughput targets are for `make loadtest` on a quiet machine, not here.
func TestDrillsShort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds sapqr and starts PostgreSQL clusters")
	}
	if _, err := harness.PostgresBinDir(); err != nil {
		t.Skip(err)
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("no redis-server on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	var out bytes.Buffer
	pgBin, bin, err := prepare(ctx, "", &out)
	if err != nil {
		t.Fatal(err)
	}
	o := options{duration: 4 * time.Second, writers: 8, readers: 4, markets: 4, outage: 1500 * time.Millisecond, pgStop: "fast",
		pgBin: pgBin, bin: bin, out: &out}
	for _, d := range drills() {
		if d.name == "loadtest" {
			continue
		}
		t.Run(d.name, func(t *testing.T) {
			out.Reset()
			rep := d.run(ctx, o)
			rep.Print(&out)
			t.Log("\n" + out.String())
			if rep.Broken != nil {
				t.Fatalf("could not run: %v", rep.Broken)
			}
			for _, f := range rep.Failures {
				t.Errorf("guarantee broken: %s", f)
			}
		})
	}
}
