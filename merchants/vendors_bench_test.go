package merchants_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/sapqr/sapqr/merchants"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

var (
	benchMarkets = flag.Int("bench.markets", 100, "markets seeded for BenchmarkListVendorsByMarket")
	benchVendors = flag.Int("bench.vendors", 20_000, "vendors seeded for BenchmarkListVendorsByMarket")
	benchSeeded  = flag.Bool("bench.seeded", false, "seed -bench.markets and -bench.vendors before BenchmarkCreateVendor too, to register into a full database")
)

// BenchmarkCreateVendor registers vendors (vendor, new stall, its
// holding, bank account, sign record, audit entries, counter outbox row:
// one transaction), and assigns vendors one more stall, against a baseline
// of the cheapest write transaction through the same store (one audit
// row), on each test database.
func BenchmarkCreateVendor(b *testing.B) {
	for _, db := range mt.Databases() {
		b.Run(db, func(b *testing.B) {
			s, st := mt.NewServiceOn(b, db)
			ctx := context.Background()
			if *benchSeeded {
				seedBench(b, s, st)
			}
			m, err := s.CreateMarket(ctx, mt.Admin(), merchants.CreateMarketInput{Name: "Chợ bench", CommuneCode: mt.CommuneA1, StallsDeclared: 100_000})
			if err != nil {
				b.Fatal(err)
			}
			b.Run("baseline=one-row-tx", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					err := st.InTx(ctx, func(tx merchants.Tx) error {
						return tx.AppendAudit(ctx, merchants.AuditEntry{Action: "bench", Entity: "bench", Before: []byte("null"), After: []byte("null")})
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
			var n atomic.Int64
			b.Run("register", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					i := int(n.Add(1))
					if _, err := s.RegisterVendor(ctx, mt.Admin(), register(m, fmt.Sprintf("B-%d", i), i)); err != nil {
						b.Fatal(err)
					}
				}
			})
			// One more stall for a vendor: the stall created as at
			// registration, the holding, the vendor, two audit entries and
			// a recount into the outbox, in one transaction; 256 vendors
			// in turn, so each holds a few stalls, as vendors do.
			holdersMarket := mt.Market(b, s, mt.CommuneA1, 100_000)
			var holders []merchants.Vendor
			for i := range 256 {
				holders = append(holders, mt.Vendor(b, s, holdersMarket, fmt.Sprintf("H-%d", i), 90_000+i))
			}
			b.Run("assign-stall", func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					v := holders[i%len(holders)]
					if _, err := s.AssignStall(ctx, mt.Admin(), v.ID, fmt.Sprintf("S-%d", i)); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			// Registrations at 16 markets from 8 goroutines per CPU: what a
			// busy day looks like; one market's registrations serialise on
			// its row lock, different markets' do not.
			var markets []merchants.Market
			for range 16 {
				markets = append(markets, mt.Market(b, s, mt.CommuneA2, 100_000))
			}
			b.Run("register-parallel", func(b *testing.B) {
				b.ReportAllocs()
				b.SetParallelism(8)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := int(n.Add(1))
						m := markets[i%len(markets)]
						if _, err := s.RegisterVendor(ctx, mt.Admin(), register(m, fmt.Sprintf("P-%d", i), i)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}

// BenchmarkListVendorsByMarket reads the first page (50) of a random
// market's vendors, with accounts and payloads, from a seeded store
// (-bench.markets, -bench.vendors), against a baseline of reading one
// random vendor by ID: both read cold and warm pages alike.
func BenchmarkListVendorsByMarket(b *testing.B) {
	for _, db := range mt.Databases() {
		b.Run(db, func(b *testing.B) {
			s, st := mt.NewServiceOn(b, db)
			ctx := context.Background()
			res := seedBench(b, s, st)
			r := rand.New(rand.NewPCG(3, 4))
			b.Run("baseline=get-one", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					// A fresh database numbers the seeded vendors from 1.
					id := 1 + r.Int64N(int64(res.Vendors))
					if _, err := s.Vendor(ctx, mt.Admin(), id); err != nil {
						b.Fatalf("vendor %d: %v", id, err)
					}
				}
			})
			b.Run("list-page-50", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					id := res.MarketIDs[r.IntN(len(res.MarketIDs))]
					p, err := s.ListVendors(ctx, mt.Admin(), merchants.VendorFilter{MarketID: id, Limit: 50})
					if err != nil || len(p.Vendors) == 0 {
						b.Fatalf("market %d: %d vendors, %v", id, len(p.Vendors), err)
					}
				}
			})
		})
	}
}

// seedBench fills a benchmark's store with -bench.markets markets and
// -bench.vendors vendors over two communes, the same every run.
func seedBench(b *testing.B, s *merchants.Service, st merchants.BulkLoader) merchants.SeedResult {
	b.Helper()
	communes := []merchants.Commune{{Code: mt.CommuneA1, ProvinceCode: mt.ProvinceA}, {Code: mt.CommuneB1, ProvinceCode: mt.ProvinceB}}
	res, err := s.Seed(context.Background(), mt.Admin(), st, merchants.SeedOptions{Markets: *benchMarkets, Vendors: *benchVendors,
		Communes: communes, Rand: rand.New(rand.NewPCG(1, 2))})
	if err != nil {
		b.Fatal(err)
	}
	return res
}
