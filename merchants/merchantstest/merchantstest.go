package merchantstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
)

// DatabaseURLEnv names the variable selecting PostgreSQL for tests.
const DatabaseURLEnv = "SAPQR_TEST_DATABASE_URL"

// URL returns the database URL of a fresh, migrated-on-open database for
// t: an SQLite file in t.TempDir(), or a new PostgreSQL schema of the
// SAPQR_TEST_DATABASE_URL database, dropped when t ends. Use it to start a
// whole server on its own database; most tests want NewStore.
func URL(t testing.TB) string {
	t.Helper()
	if os.Getenv(DatabaseURLEnv) != "" {
		return URLOn(t, gormstore.Postgres)
	}
	return URLOn(t, gormstore.SQLite)
}

// Databases returns the dialects to run a storage suite on: SQLite always,
// PostgreSQL too when SAPQR_TEST_DATABASE_URL is set.
func Databases() []string {
	if os.Getenv(DatabaseURLEnv) != "" {
		return []string{gormstore.SQLite, gormstore.Postgres}
	}
	return []string{gormstore.SQLite}
}

// OnEachDatabase runs test as a subtest on each of Databases.
func OnEachDatabase(t *testing.T, test func(t *testing.T, db string)) {
	t.Helper()
	for _, db := range Databases() {
		t.Run(db, func(t *testing.T) { test(t, db) })
	}
}

// URLOn is URL on a given dialect (gormstore.SQLite or gormstore.Postgres;
// the latter needs SAPQR_TEST_DATABASE_URL and skips t without it).
func URLOn(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == gormstore.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "sapqr.db")
	}
	base := os.Getenv(DatabaseURLEnv)
	if base == "" {
		t.Skipf("%s is not set", DatabaseURLEnv)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Through gormstore.Open, so the URL is read exactly as the store reads it.
	admin, err := gormstore.Open(ctx, base)
	if err != nil {
		t.Fatalf("%s: %v", DatabaseURLEnv, err)
	}
	defer admin.Close()
	if _, err := admin.DB().ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := gormstore.Open(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer db.Close()
		if _, err := db.DB().ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", DatabaseURLEnv, err)
	}
	qs := u.Query()
	qs.Set("search_path", schema)
	u.RawQuery = qs.Encode()
	return u.String()
}

// NewStore returns a migrated store on a fresh database (see URL), closed
// when t ends.
func NewStore(t testing.TB) *gormstore.Store {
	t.Helper()
	return open(t, URL(t))
}

// NewStoreOn is NewStore on a given dialect (see URLOn).
func NewStoreOn(t testing.TB, dialect string) *gormstore.Store {
	t.Helper()
	return open(t, URLOn(t, dialect))
}

func open(t testing.TB, dbURL string) *gormstore.Store {
	t.Helper()
	ctx := context.Background()
	s, err := gormstore.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// Units is a small administrative unit directory for tests: two provinces
// with two communes each.
type Units map[string]string

// ProvinceOfCommune implements merchants.UnitResolver.
func (u Units) ProvinceOfCommune(commune string) (string, error) {
	if p, ok := u[commune]; ok {
		return p, nil
	}
	return "", merchants.ErrNotFound
}

// Test units: communes A1 and A2 of province A, B1 of province B.
const (
	ProvinceA = "01"
	CommuneA1 = "00004"
	CommuneA2 = "00008"
	ProvinceB = "79"
	CommuneB1 = "26734"
)

// TestUnits returns the test unit directory.
func TestUnits() Units {
	return Units{CommuneA1: ProvinceA, CommuneA2: ProvinceA, CommuneB1: ProvinceB}
}

// Config returns a Service configuration for tests: the test units and
// cheap password hashing (tests need speed, not resistance to cracking).
func Config() merchants.Config {
	return merchants.Config{
		Units:    TestUnits(),
		Password: merchants.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1},
	}
}

// NewService returns a Service on a fresh store (see NewStore) with Config.
func NewService(t testing.TB) (*merchants.Service, *gormstore.Store) {
	t.Helper()
	st := NewStore(t)
	return merchants.NewService(st, Config()), st
}

// NewServiceOn is NewService on a given dialect (see URLOn).
func NewServiceOn(t testing.TB, dialect string) (*merchants.Service, *gormstore.Store) {
	t.Helper()
	st := NewStoreOn(t, dialect)
	return merchants.NewService(st, Config()), st
}

// Actors for tests; their user IDs need not exist in the store.

// Admin returns an admin actor.
func Admin() merchants.Actor {
	return merchants.Actor{UserID: 1, Username: "admin", Role: merchants.RoleAdmin}
}

// Member returns a team member of the given communes.
func Member(communes ...string) merchants.Actor {
	return merchants.Actor{UserID: 2, Username: "member", Role: merchants.RoleMember, CommuneCodes: communes}
}

// CommuneOfficer returns a commune officer of the given communes.
func CommuneOfficer(communes ...string) merchants.Actor {
	return merchants.Actor{UserID: 3, Username: "commune", Role: merchants.RoleCommune, CommuneCodes: communes}
}

// ProvinceOfficer returns a province officer.
func ProvinceOfficer(province string) merchants.Actor {
	return merchants.Actor{UserID: 4, Username: "province", Role: merchants.RoleProvince, ProvinceCode: province}
}

// Market creates a market in commune with stalls declared stalls.
func Market(t testing.TB, s *merchants.Service, commune string, stalls int) merchants.Market {
	t.Helper()
	m, err := s.CreateMarket(context.Background(), Admin(), merchants.CreateMarketInput{
		Name: "Chợ " + commune, CommuneCode: commune, StallsDeclared: stalls,
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// BankAccount returns a valid bank account input, its payee checked with
// the bank app name so its signs print; n makes the account number unique.
func BankAccount(n int) merchants.BankAccountInput {
	in := UncheckedAccount(n)
	in.Verify = &merchants.VerifyInput{Method: merchants.VerifyBankAppName, NameSeen: "Nguyen Thi Ha"}
	return in
}

// UncheckedAccount is BankAccount without the payee check: its signs do
// not print until it is verified.
func UncheckedAccount(n int) merchants.BankAccountInput {
	return merchants.BankAccountInput{BIN: "970436", AccountNumber: "00110012" + pad(n, 5), HolderName: "NGUYEN THI HA"}
}

// Phone returns a valid, normalised mobile number; n makes it unique.
func Phone(n int) string { return "09123" + pad(n, 5) }

func pad(n, width int) string {
	s := strings.Repeat("0", width) + strconv.Itoa(n)
	return s[len(s)-width:]
}

// Vendor registers a vendor at stall code of m with account n.
func Vendor(t testing.TB, s *merchants.Service, m merchants.Market, stall string, n int) merchants.Vendor {
	t.Helper()
	r, err := s.RegisterVendor(context.Background(), Admin(), merchants.RegisterVendorInput{
		MarketID: m.ID, StallCode: stall, FullName: "Nguyễn Thị Hà", Phone: Phone(n), Consent: true, BankAccount: BankAccount(n),
	})
	if err != nil {
		t.Fatal(err)
	}
	return r.Vendor
}

// Communes lists a province's test communes, by code, as *merchants.Units
// does.
func (u Units) Communes(province string) ([]merchants.Commune, error) {
	var out []merchants.Commune
	for c, p := range u {
		if p == province {
			out = append(out, merchants.Commune{Code: c, ProvinceCode: p})
		}
	}
	slices.SortFunc(out, func(a, b merchants.Commune) int { return strings.Compare(a.Code, b.Code) })
	return out, nil
}
