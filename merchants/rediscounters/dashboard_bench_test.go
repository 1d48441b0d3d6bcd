package rediscounters_test

import (
	"context"
	crand "crypto/rand"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/merchantstest"
	"github.com/sapqr/sapqr/merchants/rediscounters"
)

// benchSeedEnv picks the data of BenchmarkProvinceDashboard: "province"
// (the default) seeds one province at the national average size, 294
// markets and 58,800 vendors; "national" seeds the whole country, 10,000
// markets and 2,000,000 vendors over every commune.
const benchSeedEnv = "SAPQR_BENCH_SEED"

// dashboardProvince is the province whose dashboard is read.
const dashboardProvince = "01"

// BenchmarkProvinceDashboard reads a province's per-market adoption table
// three ways on the same seeded data: from the Redis counters
// (redis), through the adoption service as the API does (service: the
// outbox check in PostgreSQL, the Redis read and the derived figures), and
// by recounting the base tables in PostgreSQL (postgres-recount), the
// baseline. It needs SAPQR_TEST_DATABASE_URL and SAPQR_TEST_REDIS_URL.
func BenchmarkProvinceDashboard(b *testing.B) {
	if os.Getenv("SAPQR_TEST_DATABASE_URL") == "" || os.Getenv("SAPQR_TEST_REDIS_URL") == "" {
		b.Skip("needs SAPQR_TEST_DATABASE_URL (PostgreSQL) and SAPQR_TEST_REDIS_URL")
	}
	ctx := context.Background()
	units, err := merchants.LoadUnits(time.Now())
	if err != nil {
		b.Fatal(err)
	}
	opt := merchants.SeedOptions{Markets: 294, Vendors: 58_800, Rand: rand.New(rand.NewPCG(6, 6))}
	switch os.Getenv(benchSeedEnv) {
	case "", "province":
		if opt.Communes, err = units.Communes(dashboardProvince); err != nil {
			b.Fatal(err)
		}
	case "national":
		opt.Markets, opt.Vendors, opt.Communes = 10_000, 2_000_000, units.AllCommunes()
	default:
		b.Fatalf("%s=%q: want province or national", benchSeedEnv, os.Getenv(benchSeedEnv))
	}

	store := merchantstest.NewStore(b)
	svc := merchants.NewService(store, merchants.Config{Units: units})
	start := time.Now()
	if _, err := svc.Seed(ctx, merchantstest.Admin(), store, opt); err != nil {
		b.Fatal(err)
	}
	if _, err := store.DB().ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d markets and %d vendors in %v", opt.Markets, opt.Vendors, time.Since(start).Round(time.Second))

	client, _, err := rediscounters.NewClient(os.Getenv("SAPQR_TEST_REDIS_URL"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { client.Close() })
	counters, err := rediscounters.NewRedis(client, "bench-"+crand.Text()[:12])
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { deleteKeys(b, client, counters.Prefix()) })
	adoption := merchants.NewAdoptionService(store, counters, merchants.AdoptionConfig{})
	if _, err := adoption.Drain(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := adoption.Rebuild(ctx); err != nil {
		b.Fatal(err)
	}

	f := merchants.UnitFilter{ProvinceCode: dashboardProvince}
	truth, err := store.RecountMarkets(ctx, f)
	if err != nil {
		b.Fatal(err)
	}
	held, err := counters.Markets(ctx, f)
	if err != nil {
		b.Fatal(err)
	}
	if diff := cmp.Diff(truth, held); diff != "" {
		b.Fatalf("Redis and PostgreSQL disagree (-postgres +redis):\n%s", diff)
	}
	rows, err := adoption.Markets(ctx, f)
	if err != nil || len(rows) != len(truth) || rows[0].Source != merchants.SourceCache {
		b.Fatalf("service read: %d rows, %v; want %d rows from the cache", len(rows), err, len(truth))
	}
	var vendors int64
	for _, c := range truth {
		vendors += c.Vendors
	}
	b.Logf("province %s: %d markets, %d active vendors", dashboardProvince, len(truth), vendors)

	b.Run("redis", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := counters.Markets(ctx, f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("service", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := adoption.Markets(ctx, f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("postgres-recount", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := store.RecountMarkets(ctx, f); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func deleteKeys(t testing.TB, client redis.UniversalClient, prefix string) {
	ctx := context.Background()
	iter := client.Scan(ctx, 0, escapeGlob(prefix)+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("scan %s: %v", prefix, err)
		return
	}
	if len(keys) > 0 {
		if err := client.Del(ctx, keys...).Err(); err != nil {
			t.Errorf("delete %s: %v", prefix, err)
		}
	}
}

// escapeGlob escapes the characters SCAN MATCH treats as a pattern.
func escapeGlob(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', ']', '\\':
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(b)
}
