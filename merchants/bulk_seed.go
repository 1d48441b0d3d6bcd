package merchants

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/sapqr/sapqr/qr"
)

// SeedVendor is one generated vendor with its stall and primary bank
// account, ready for a BulkLoader.
type SeedVendor struct {
	Stall   Stall
	Vendor  Vendor // Accounts, Payload and IDs are ignored
	Account BankAccount
	// Payload is the VietQR payload of the first sign.
	Payload string
}

// BulkLoader writes generated data fast, without the per-row checks,
// audit entries and counter outbox rows of the Service: only for Seed,
// which generates data that passes those checks. gormstore.Store
// implements it with COPY on PostgreSQL and batched inserts on SQLite.
type BulkLoader interface {
	// LoadMarkets inserts markets and returns their IDs, in order.
	LoadMarkets(ctx context.Context, ms []Market) ([]int64, error)
	// LoadVendors inserts each vendor with its stall, primary account and
	// first sign record (a printed one too when the vendor's
	// SignPrintedVersion is 1), all or nothing.
	LoadVendors(ctx context.Context, vs []SeedVendor) error
	// Analyze refreshes the planner's statistics of the loaded tables, so
	// queries right after a large load use their indexes.
	Analyze(ctx context.Context) error
}

// SeedOptions says what Seed generates.
type SeedOptions struct {
	Markets int // how many markets, at least 1
	Vendors int // how many vendors in all, spread over the markets
	// Communes are where the markets go, picked at random; typically
	// Units.AllCommunes() or Units.Communes(province).
	Communes []Commune
	// Rand is the source of the data; the same seed generates the same
	// data. Nil for a random one.
	Rand *rand.Rand
	// Batch is how many vendors go to the loader at a time; 0 for 20,000.
	Batch int
	// Workers is how many batches load at once; 0 for 2.
	Workers int
	// Progress, when set, is called after each batch with the vendors
	// loaded so far, from one goroutine at a time.
	Progress func(loaded int)
}

// SeedResult is what Seed generated.
type SeedResult struct {
	MarketIDs []int64
	Vendors   int
}

// MaxSeedVendors bounds one seeding run.
const MaxSeedVendors = 20_000_000

// Seed generates demo data: markets in the given communes and vendors at
// their stalls, with Vietnamese names with diacritics, mobile phones,
// accounts at real banks of the qr directory (about 60% with a printed
// sign, 40% confirmed transacting), loaded through l in batches, then
// writes each market's counter outbox row so the adoption counters see
// the new counts. Seeded rows carry no audit entries: they are synthetic.
//
// It returns ErrForbidden unless the actor is an admin, a
// *ValidationError for bad options, and the loader's and store's errors;
// markets and batches loaded before an error stay.
func (s *Service) Seed(ctx context.Context, a Actor, l BulkLoader, opt SeedOptions) (SeedResult, error) {
	if a.Role != RoleAdmin {
		return SeedResult{}, Authorize(a, PermManageUsers, Unit{})
	}
	var p problems
	if opt.Markets < 1 || opt.Markets > 1_000_000 {
		p.add("markets", "must be between 1 and 1000000")
	}
	if opt.Vendors < 0 || opt.Vendors > MaxSeedVendors {
		p.add("vendors", fmt.Sprintf("must be between 0 and %d", MaxSeedVendors))
	}
	if len(opt.Communes) == 0 {
		p.add("communes", "at least one commune is needed to place markets in")
	}
	if err := p.err(); err != nil {
		return SeedResult{}, err
	}
	g := newSeedGen(opt.Rand, s.clock())
	markets := g.markets(opt.Markets, opt.Vendors, opt.Communes)
	ids, err := l.LoadMarkets(ctx, markets)
	if err != nil {
		return SeedResult{}, fmt.Errorf("seed markets: %w", err)
	}
	for i := range markets {
		markets[i].ID = ids[i]
	}
	res := SeedResult{MarketIDs: ids}
	batch := opt.Batch
	if batch <= 0 {
		batch = 20_000
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = 2
	}
	// Generating batches overlaps loading them, by several loaders at once
	// (each batch is its own transaction, so they do not wait on each
	// other on PostgreSQL; SQLite serialises them).
	batches := make(chan []SeedVendor, workers)
	eg, egCtx := errgroup.WithContext(ctx)
	eg.Go(func() error {
		defer close(batches)
		return g.vendors(egCtx, markets, opt.Vendors, batch, batches)
	})
	var mu sync.Mutex
	for range workers {
		eg.Go(func() error {
			for vs := range batches {
				if err := l.LoadVendors(egCtx, vs); err != nil {
					return err
				}
				mu.Lock()
				res.Vendors += len(vs)
				if opt.Progress != nil {
					opt.Progress(res.Vendors)
				}
				mu.Unlock()
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return res, fmt.Errorf("seed vendors after %d: %w", res.Vendors, err)
	}
	if err := l.Analyze(ctx); err != nil {
		return res, fmt.Errorf("seed: %w", err)
	}
	if err := s.emitSeeded(ctx, ids, workers); err != nil {
		return res, err
	}
	return res, nil
}

// emitSeeded writes the counter outbox row of each seeded market, a few
// hundred markets per transaction, several transactions at once.
func (s *Service) emitSeeded(ctx context.Context, ids []int64, workers int) error {
	const perTx = 200
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(workers)
	for start := 0; start < len(ids); start += perTx {
		chunk := ids[start:min(start+perTx, len(ids))]
		eg.Go(func() error {
			err := s.store.InTx(ctx, func(tx Tx) error {
				for _, id := range chunk {
					if _, err := tx.EmitMarketCounts(ctx, id); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("seed: counts of markets %d…: %w", chunk[0], err)
			}
			return nil
		})
	}
	return eg.Wait()
}

// Name parts, by rough frequency in Vietnam: the common family names
// repeat. Most traditional-market vendors are women.
var (
	seedFamily = []string{"Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Huỳnh",
		"Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lương", "Mai", "Tạ"}
	seedMiddleF = []string{"Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Hồng", "Xuân"}
	seedMiddleM = []string{"Văn", "Văn", "Hữu", "Đức", "Minh", "Quốc", "Công", "Thanh", "Xuân"}
	seedGivenF  = []string{"Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Loan", "Mai", "Nga", "Phương", "Tâm", "Thảo", "Thủy",
		"Trang", "Vân", "Yến", "Hồng", "Liên", "Cúc", "Đào", "Nhung", "Oanh", "Huệ", "Hằng", "Ngân", "Diệp", "Tuyết", "Sương"}
	seedGivenM = []string{"An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Nam", "Quang", "Sơn", "Tuấn", "Long", "Phúc",
		"Thắng", "Toàn", "Trung", "Vinh", "Đạt", "Khánh", "Lộc", "Tài"}
	seedCategories = []string{"Rau củ", "Trái cây", "Thịt heo", "Thịt bò", "Gà vịt", "Cá, hải sản", "Gạo, ngũ cốc", "Hàng khô",
		"Quần áo", "Giày dép", "Đồ ăn sáng", "Bún, phở", "Hoa tươi", "Tạp hóa", "Gia vị", "Đồ gia dụng", "Bánh kẹo", "Trứng"}
	seedMarketKinds = []string{"", " Mới", " Chiều", " Đầu mối", " Phiên", " Cũ", " Sáng", " Trung tâm"}
	// The banks most vendors use, weighted by repetition.
	seedBINs = []string{"970436", "970436", "970405", "970405", "970415", "970418", "970422", "970422", "970407",
		"970416", "970432", "970403", "970423", "970441", "970443", "970448"}
	seedPrefixes = []string{"032", "033", "034", "035", "036", "037", "038", "039", "056", "058", "070", "076", "077",
		"078", "079", "081", "082", "083", "084", "085", "086", "088", "089", "090", "091", "093", "094", "096", "097", "098"}
)

// seedGen generates demo data from one random source.
type seedGen struct {
	r    *rand.Rand
	now  time.Time
	bins []string
	// run makes this run's account numbers differ from another run's.
	run int
	seq int64
}

func newSeedGen(r *rand.Rand, now time.Time) *seedGen {
	if r == nil {
		r = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	g := &seedGen{r: r, now: now, run: r.IntN(10_000)}
	for _, bin := range seedBINs {
		if _, ok := qr.BankByBIN(bin); ok {
			g.bins = append(g.bins, bin)
		}
	}
	return g
}

func (g *seedGen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

// name returns a full name: family, middle and given name.
func (g *seedGen) name() string {
	if g.r.IntN(4) > 0 {
		return g.pick(seedFamily) + " " + g.pick(seedMiddleF) + " " + g.pick(seedGivenF)
	}
	return g.pick(seedFamily) + " " + g.pick(seedMiddleM) + " " + g.pick(seedGivenM)
}

func (g *seedGen) phone() string {
	return g.pick(seedPrefixes) + fmt.Sprintf("%07d", g.r.IntN(10_000_000))
}

// account returns an account number unique within the run: the run's
// four digits, then the sequence number scrambled by a bijection of
// [0, 10^12) (multiplying by a number prime to 10), so numbers look
// random but never repeat.
func (g *seedGen) account() string {
	g.seq++
	const mod = 1_000_000_000_000
	return fmt.Sprintf("%04d%012d", g.run, (g.seq*7_919_000_003)%mod)
}

// markets returns n markets spread over communes, each declaring enough
// stalls for its share of vendors plus some vacant ones.
func (g *seedGen) markets(n, vendors int, communes []Commune) []Market {
	out := make([]Market, n)
	perCommune := map[string]int{}
	for i := range out {
		c := communes[g.r.IntN(len(communes))]
		k := perCommune[c.Code]
		perCommune[c.Code]++
		name := "Chợ " + c.Name + g.pick(seedMarketKinds)
		if k >= len(seedMarketKinds) {
			name += " " + strconv.Itoa(k)
		}
		share := vendors/n + 1
		out[i] = Market{
			Code:           fmt.Sprintf("S%04d-%06d", g.run, i+1),
			Name:           name,
			CommuneCode:    c.Code,
			ProvinceCode:   c.ProvinceCode,
			Address:        fmt.Sprintf("%d đường %s", 1+g.r.IntN(300), c.Name),
			Class:          1 + g.r.IntN(3),
			StallsDeclared: share + share/5 + g.r.IntN(10),
			Status:         MarketActive,
			CreatedAt:      g.now,
			UpdatedAt:      g.now,
		}
	}
	return out
}

// vendors generates total vendors over markets, market after market (as
// a team registers them, and so that a market's rows sit together on
// disk), each market getting an equal share, in batches sent to out.
func (g *seedGen) vendors(ctx context.Context, markets []Market, total, batch int, out chan<- []SeedVendor) error {
	vs := make([]SeedVendor, 0, batch)
	sent := 0
	for i, m := range markets {
		share := total / len(markets)
		if i < total%len(markets) {
			share++
		}
		for n := range share {
			v, err := g.vendor(m, n)
			if err != nil {
				return err
			}
			vs = append(vs, v)
			if len(vs) == batch || sent+len(vs) == total {
				select {
				case out <- vs:
				case <-ctx.Done():
					return ctx.Err()
				}
				sent += len(vs)
				vs = make([]SeedVendor, 0, batch)
			}
		}
	}
	return nil
}

// vendor generates the n-th vendor of market m.
func (g *seedGen) vendor(m Market, n int) (SeedVendor, error) {
	name := g.name()
	acc := BankAccount{
		BIN:           g.pick(g.bins),
		AccountNumber: g.account(),
		HolderName:    holderName(name),
		Confirmation:  ConfirmAppShown,
		Active:        true,
		Primary:       true,
		CreatedAt:     g.now,
		// Generated as checked with the bank app, so its signs print.
		VerifiedAt:   &g.now,
		VerifyMethod: VerifyBankAppName,
	}
	payload, err := signPayload(acc)
	if err != nil {
		return SeedVendor{}, errors.Join(errors.New("generated account does not encode"), err)
	}
	v := Vendor{
		MarketID:     m.ID,
		CommuneCode:  m.CommuneCode,
		ProvinceCode: m.ProvinceCode,
		FullName:     name,
		Phone:        g.phone(),
		Status:       VendorActive,
		ConsentAt:    g.now,
		SignVersion:  1,
		CreatedAt:    g.now,
		UpdatedAt:    g.now,
	}
	if g.r.IntN(10) < 6 {
		v.SignPrintedVersion = 1
		if g.r.IntN(3) < 2 {
			t := g.now
			v.TransactingAt = &t
		}
	}
	zone := string(rune('A' + n/100%26))
	return SeedVendor{
		Stall: Stall{MarketID: m.ID, Code: fmt.Sprintf("%s-%02d", zone, n%100+1) + seedStallSuffix(n),
			Category: g.pick(seedCategories), Status: StallActive, CreatedAt: g.now, UpdatedAt: g.now},
		Vendor:  v,
		Account: acc,
		Payload: payload,
	}, nil
}

// seedStallSuffix keeps stall codes unique in markets with more than
// 2,600 stalls: zones A–Z of 100 stalls, then a round number.
func seedStallSuffix(n int) string {
	if r := n / 2600; r > 0 {
		return "/" + strconv.Itoa(r)
	}
	return ""
}
