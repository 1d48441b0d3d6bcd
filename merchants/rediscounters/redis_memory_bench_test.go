package rediscounters

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/sapqr/sapqr/merchants"
)

// BenchmarkRedisMemoryPerMarket builds the counters of a national layout
// (10,000 markets spread over every commune in force) and reports the
// Redis memory they take per market (MEMORY USAGE of every key, divided
// by the markets), beside the time of a full rebuild.
func BenchmarkRedisMemoryPerMarket(b *testing.B) {
	url := os.Getenv("SAPQR_TEST_REDIS_URL")
	if url == "" {
		b.Skip("SAPQR_TEST_REDIS_URL not set")
	}
	units, err := merchants.LoadUnits(time.Now())
	if err != nil {
		b.Fatal(err)
	}
	communes := units.AllCommunes()
	const markets = 10_000
	counts := make([]merchants.MarketCounts, markets)
	for i := range counts {
		c := communes[i%len(communes)]
		counts[i] = merchants.MarketCounts{
			MarketID: int64(100_000 + i), ProvinceCode: c.ProvinceCode, CommuneCode: c.Code, Version: 1234,
			StallsDeclared: 200, StallsActive: 187, StallsWithQR: 151, Vendors: 190, VendorsWithQR: 160, SignsPrinted: 120, VendorsTransacting: 77,
		}
	}
	r, _ := openTestRedis(b, url)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if err := r.Rebuild(ctx, counts); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()

	client := r.client
	var keys []string
	iter := client.Scan(ctx, 0, redisPattern(r.Prefix()), 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		b.Fatal(err)
	}
	var total, totalsKey int64
	for _, k := range keys {
		n, err := client.MemoryUsage(ctx, k, 0).Result()
		if err != nil {
			b.Fatal(err)
		}
		total += n
		if k == r.base+"t" {
			totalsKey = n
		}
	}
	b.ReportMetric(float64(total)/markets, "bytes/market")
	b.ReportMetric(float64(total-totalsKey)/markets, "market-bytes/market")
	b.ReportMetric(float64(totalsKey)/(1<<20), "totals-MiB")
}
