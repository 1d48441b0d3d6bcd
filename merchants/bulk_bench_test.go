package merchants_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/merchantstest"
	"github.com/sapqr/sapqr/merchants/tabular"
)

// BenchmarkBulkVendors compares the three ways vendors get into the
// store, per vendor: one RegisterVendor call each (the baseline: one
// transaction per vendor, as the sign-up page does), ImportVendors (one
// transaction per file, the same checks per row) and Seed (COPY or
// batched INSERTs, no per-row checks). Run it with a fixed count so each
// way loads the same number of vendors, on SQLite and, when
// SAPQR_TEST_DATABASE_URL is set, on PostgreSQL:
//
//	go test ./merchants -run '^$' -bench BulkVendors -benchtime 5000x -benchmem
func BenchmarkBulkVendors(b *testing.B) {
	units, err := merchants.LoadUnits(merchants.UnitEditions()[0])
	if err != nil {
		b.Fatal(err)
	}
	communes, err := units.Communes("01")
	if err != nil {
		b.Fatal(err)
	}
	for _, db := range merchantstest.Databases() {
		b.Run(db, func(b *testing.B) { benchmarkBulkVendors(b, db, units, communes) })
	}
}

func benchmarkBulkVendors(b *testing.B, db string, units *merchants.Units, communes []merchants.Commune) {
	ctx := context.Background()
	admin := merchantstest.Admin()
	newSvc := func(b *testing.B) (*merchants.Service, merchants.BulkLoader) {
		st := merchantstest.NewStoreOn(b, db)
		cfg := merchantstest.Config()
		cfg.Units = units
		return merchants.NewService(st, cfg), st
	}
	// perMarket keeps markets at a realistic size.
	const perMarket = 500
	market := func(b *testing.B, svc *merchants.Service, i int) merchants.Market {
		m, err := svc.CreateMarket(ctx, admin, merchants.CreateMarketInput{
			Code: fmt.Sprintf("M%d", i), Name: fmt.Sprintf("Chợ %d", i), CommuneCode: communes[i%len(communes)].Code, StallsDeclared: perMarket,
		})
		if err != nil {
			b.Fatal(err)
		}
		return m
	}

	b.Run("register_one_by_one", func(b *testing.B) {
		svc, _ := newSvc(b)
		var m merchants.Market
		b.ResetTimer()
		for i := range b.N {
			if i%perMarket == 0 {
				b.StopTimer()
				m = market(b, svc, i/perMarket)
				b.StartTimer()
			}
			_, err := svc.RegisterVendor(ctx, admin, merchants.RegisterVendorInput{
				MarketID: m.ID, StallCode: fmt.Sprintf("S-%d", i%perMarket), FullName: "Nguyễn Thị Hà", Phone: merchantstest.Phone(i),
				Consent: true, BankAccount: merchantstest.BankAccount(i),
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("import_file", func(b *testing.B) {
		svc, _ := newSvc(b)
		var file strings.Builder
		file.WriteString("market_code,commune_code,stall_code,full_name,phone,bank,account_number,holder_name,consent\n")
		for i := range b.N {
			if i%perMarket == 0 {
				market(b, svc, i/perMarket)
			}
			ba := merchantstest.BankAccount(i)
			fmt.Fprintf(&file, "M%d,%s,S-%d,Nguyễn Thị Hà,%s,%s,%s,%s,có\n", i/perMarket, communes[(i/perMarket)%len(communes)].Code,
				i%perMarket, merchantstest.Phone(i), ba.BIN, ba.AccountNumber, ba.HolderName)
		}
		b.ResetTimer()
		rep, err := svc.ImportVendors(ctx, admin, strings.NewReader(file.String()), tabular.CSV, false)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Created != b.N {
			b.Fatalf("created %d of %d", rep.Created, b.N)
		}
	})

	b.Run("seed", func(b *testing.B) {
		svc, loader := newSvc(b)
		b.ResetTimer()
		res, err := svc.Seed(ctx, admin, loader, merchants.SeedOptions{
			Markets: max(1, b.N/perMarket), Vendors: b.N, Communes: communes, Rand: rand.New(rand.NewPCG(1, 1)),
		})
		if err != nil {
			b.Fatal(err)
		}
		if res.Vendors != b.N {
			b.Fatalf("seeded %d of %d", res.Vendors, b.N)
		}
	})
}
