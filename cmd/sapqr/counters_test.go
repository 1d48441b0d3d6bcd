package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	"github.com/sapqr/sapqr/merchants/merchantstest"
	"github.com/sapqr/sapqr/merchants/rediscounters"
)

// adoptionFixture is a database with one market in commune 00004 with
// three vendors, all with QR, one confirmed transacting, and the
// environment to run sapqr on it.
type adoptionFixture struct {
	env    map[string]string
	store  *gormstore.Store
	market merchants.Market
}

func newAdoptionFixture(t *testing.T, redisURL string) adoptionFixture {
	t.Helper()
	dbURL := merchantstest.URL(t)
	ctx := context.Background()
	store, err := gormstore.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := merchants.NewService(store, merchantstest.Config())
	m := merchantstest.Market(t, svc, merchantstest.CommuneA1, 10)
	var last merchants.Vendor
	for i := range 3 {
		last = merchantstest.Vendor(t, svc, m, "A-"+strconv.Itoa(i+1), i+1)
	}
	if _, err := svc.ConfirmTransacting(ctx, merchantstest.Admin(), last.ID); err != nil {
		t.Fatal(err)
	}
	return adoptionFixture{env: map[string]string{"SAPQR_DATABASE_URL": dbURL, "SAPQR_REDIS_URL": redisURL}, store: store, market: m}
}

func (f adoptionFixture) run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return f.env[k] }, strings.NewReader(""), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestReportCommand(t *testing.T) {
	f := newAdoptionFixture(t, "")
	out := filepath.Join(t.TempDir(), "report.csv")
	stdout, stderr, err := f.run(t, "report", "--commune", merchantstest.CommuneA1, "--period", "quarter", "-o", out)
	if err != nil {
		t.Fatalf("report: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "figures from the database (live)") {
		t.Errorf("stdout %q does not say where the figures come from", stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// Three vendors on three active stalls, all with QR: 100%, chợ 4.0.
	want := [][]string{
		merchants.ReportHeader(),
		// No target; no snapshot by the end of the previous quarter; no help recorded.
		{strconv.FormatInt(f.market.ID, 10), f.market.Name, "1", "1", "3", "3", "1", "100", "", "", "", "", "", "", "", "", "", "0", "0"},
		{"", "Tổng cộng", "1", "1", "3", "3", "1", "100", "", "", "", "", "", "", "", "", "", "0", "0"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("report.csv (-want +got):\n%s", diff)
	}

	// --format json writes what GET /api/v1/reports?format=json answers.
	jsonOut := filepath.Join(t.TempDir(), "report.json")
	if _, stderr, err := f.run(t, "report", "--commune", merchantstest.CommuneA1, "--period", "quarter", "-o", jsonOut); err != nil {
		t.Fatalf("report to .json: %v\n%s", err, stderr)
	}
	var got struct {
		Rows  []map[string]any
		Total struct {
			Name         string
			Cho40Markets int64 `json:"cho40_markets"`
		}
	}
	if data, err := os.ReadFile(jsonOut); err != nil || json.Unmarshal(data, &got) != nil || len(got.Rows) != 1 || got.Total.Cho40Markets != 1 {
		t.Errorf("report.json: %+v, %v", got, err)
	}

	bad := []struct {
		name string
		args []string
		want string
	}{
		{"no unit", []string{"report", "--period", "month", "-o", out}, "exactly one of --commune"},
		{"both units", []string{"report", "--commune", "00004", "--province", "01", "-o", out}, "exactly one of --commune"},
		{"unknown period", []string{"report", "--commune", "00004", "--period", "week", "-o", out}, `period "week"`},
		{"bad month", []string{"report", "--commune", "00004", "--at", "2026-13", "-o", out}, "--at"},
		{"no output", []string{"report", "--commune", "00004"}, "-o FILE is required"},
		{"unknown format", []string{"report", "--commune", "00004", "-o", "r.pdf"}, "unknown extension"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			if _, _, err := f.run(t, b.args...); err == nil || !strings.Contains(err.Error(), b.want) {
				t.Errorf("err = %v, want one mentioning %q", err, b.want)
			}
		})
	}
}

func TestCountersCommand(t *testing.T) {
	if _, _, err := (adoptionFixture{}).run(t, "counters", "show"); err == nil || !strings.Contains(err.Error(), "in-memory") {
		t.Errorf("counters show without Redis: err = %v, want it to explain the counters are in-memory", err)
	}
	base := os.Getenv("SAPQR_TEST_REDIS_URL")
	if base == "" {
		t.Skip("SAPQR_TEST_REDIS_URL not set")
	}
	ns := "clitest-" + rand.Text()[:10]
	f := newAdoptionFixture(t, base)
	f.env["SAPQR_REDIS_NAMESPACE"] = ns
	t.Cleanup(func() { deleteNamespace(t, base, ns) })

	if _, _, err := f.run(t, "counters", "show"); err == nil || !strings.Contains(err.Error(), "not built") {
		t.Fatalf("show before any build: err = %v, want 'not built'", err)
	}
	stdout, _, err := f.run(t, "counters", "reconcile")
	if err != nil || !strings.Contains(stdout, "rebuilt from 1 markets") {
		t.Fatalf("first reconcile: %q, %v; want a rebuild of 1 market", stdout, err)
	}
	stdout, _, err = f.run(t, "counters", "show", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var shown struct {
		Totals  merchants.CountSums
		Markets []merchants.MarketCounts
	}
	if err := json.Unmarshal([]byte(stdout), &shown); err != nil {
		t.Fatalf("show --json: %v\n%s", err, stdout)
	}
	truth, err := f.store.RecountMarkets(context.Background(), merchants.UnitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(truth, shown.Markets); diff != "" {
		t.Errorf("shown markets (-database +shown):\n%s", diff)
	}
	if shown.Totals.Markets != 1 || shown.Totals.Vendors != 3 || shown.Totals.VendorsTransacting != 1 {
		t.Errorf("shown totals %+v, want 1 market, 3 vendors, 1 transacting", shown.Totals)
	}

	checkReconcileRepairs(t, f, base, ns, truth[0])
}

// checkReconcileRepairs puts wrong counts in Redis (a market's, and a
// commune total that is not the sum of its markets) and checks that
// `counters reconcile` names and repairs both, and finds nothing the second time.
func checkReconcileRepairs(t *testing.T, f adoptionFixture, base, ns string, truth merchants.MarketCounts) {
	t.Helper()
	// Drift: the counters hold other numbers at the database's version.
	a, err := wire(context.Background(), config{RedisURL: base, RedisNamespace: ns}, parts{counters: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	counters := a.counters
	wrong := truth
	wrong.Vendors, wrong.VendorsTransacting = 7, 0
	if err := counters.Rebuild(context.Background(), []merchants.MarketCounts{wrong}); err != nil {
		t.Fatal(err)
	}
	// And the commune's total is not the sum of its markets.
	client, _, err := rediscounters.NewClient(base)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := client.HSet(context.Background(), "{"+ns+":v1}:t", "c:"+merchantstest.CommuneA1, "1,0,0,0,0,0,0,0").Err(); err != nil {
		t.Fatal(err)
	}
	stdout, _, err := f.run(t, "counters", "reconcile")
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(f.market.ID, 10)
	for _, line := range []string{
		"1 markets checked: 1 drifted and repaired",
		"market " + id + ": wrong counts at version",
		"  vendors: held 7, database 3",
		"  vendors_transacting: held 0, database 1",
		"1 unit totals repaired",
		"totals of commune " + merchantstest.CommuneA1 + " were wrong",
	} {
		if !strings.Contains(stdout, line) {
			t.Errorf("reconcile output lacks %q:\n%s", line, stdout)
		}
	}
	stdout, _, err = f.run(t, "counters", "reconcile")
	if err != nil || !strings.Contains(stdout, "0 drifted") {
		t.Errorf("reconcile after repair: %q, %v; want no drift", stdout, err)
	}
}

// deleteNamespace deletes the keys of a counters namespace (never FLUSHDB:
// other tests share the database).
func deleteNamespace(t *testing.T, redisURL, namespace string) {
	client, _, err := rediscounters.NewClient(redisURL)
	if err != nil {
		t.Error(err)
		return
	}
	defer client.Close()
	ctx := context.Background()
	keys, err := client.Keys(ctx, "{"+namespace+":v1}:*").Result()
	if err != nil {
		t.Error(err)
		return
	}
	if len(keys) > 0 {
		if err := client.Del(ctx, keys...).Err(); err != nil {
			t.Error(err)
		}
	}
}
