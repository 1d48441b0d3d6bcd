package merchantstest

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
)

// holdingRules are queries that return the rows breaking a rule of stall
// holdings (vendor_stalls), none when the rule holds. The unique index
// vendor_stalls_one_active keeps the first; the others are the domain's
// to keep, so a test proves them after every kind of change.
var holdingRules = []struct{ rule, query string }{
	{"one active holding per stall",
		`SELECT stall_id, COUNT(*) FROM vendor_stalls WHERE active GROUP BY stall_id HAVING COUNT(*) > 1`},
	{"an active holding belongs to an active vendor of the stall's market",
		`SELECT a.id, a.vendor_id, v.status FROM vendor_stalls a JOIN vendors v ON v.id = a.vendor_id
		JOIN stalls s ON s.id = a.stall_id
		WHERE a.active AND (v.status <> 'active' OR v.market_id <> a.market_id OR s.market_id <> a.market_id)`},
	{"an active vendor holds its main stall",
		`SELECT v.id, v.stall_id FROM vendors v WHERE v.status = 'active' AND NOT EXISTS
		(SELECT 1 FROM vendor_stalls a WHERE a.vendor_id = v.id AND a.stall_id = v.stall_id AND a.active)`},
	{"a released holding says when",
		`SELECT id FROM vendor_stalls WHERE NOT active AND released_at IS NULL`},
}

// CheckHoldings fails t unless every rule of stall holdings holds in db:
// one active holding per stall, held by an active vendor of the stall's
// market; every active vendor holds its main stall; a released holding
// has a release time.
func CheckHoldings(t testing.TB, db *sql.DB) {
	t.Helper()
	for _, r := range holdingRules {
		rows, err := Rows(db, r.query)
		if err != nil {
			t.Fatalf("%s: %v", r.rule, err)
		}
		if len(rows) > 0 {
			t.Errorf("rule %q broken by %v", r.rule, rows)
		}
	}
}

// Rows runs a query and returns its rows as strings, columns separated by
// spaces: enough to compare a table's state before and after a change.
func Rows(db *sql.DB, query string, args ...any) ([]string, error) {
	rs, err := db.QueryContext(context.Background(), query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", query, err)
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out, rs.Err()
}

// State returns what a refused change must leave as it was: the number of
// audit entries and counter events, the markets' versions and kept
// counts, and the stalls, vendors, bank accounts and stall holdings.
func State(t testing.TB, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT COUNT(*) FROM audit_log`,
		`SELECT COUNT(*) FROM counter_events`,
		`SELECT id, status, stalls_declared, counter_version, counts_version, stalls_active, stalls_with_qr, vendors,
			vendors_with_qr, signs_printed, vendors_transacting FROM markets ORDER BY id`,
		`SELECT id, market_id, code, status FROM stalls ORDER BY id`,
		`SELECT id, stall_id, full_name, phone, status, sign_version FROM vendors ORDER BY id`,
		`SELECT id, vendor_id, CASE WHEN active THEN 1 ELSE 0 END, CASE WHEN is_primary THEN 1 ELSE 0 END FROM bank_accounts ORDER BY id`,
		`SELECT id, vendor_id, stall_id, CASE WHEN active THEN 1 ELSE 0 END FROM vendor_stalls ORDER BY id`,
	} {
		rows, err := Rows(db, q)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s\n\t%s\n", strings.Join(strings.Fields(q), " "), strings.Join(rows, "\n\t"))
	}
	return b.String()
}

// KeptCounts returns the counts kept with a market (migration 0002) and
// whether they are those of its current counter version; a registration
// moves them by a delta, every other change recounts them.
func KeptCounts(t testing.TB, st *gormstore.Store, marketID int64) (merchants.MarketCounts, bool) {
	t.Helper()
	c := merchants.MarketCounts{MarketID: marketID}
	var keptVersion int64
	err := st.DB().QueryRowContext(context.Background(), `SELECT commune_code, province_code, counter_version, counts_version,
		stalls_declared, stalls_active, stalls_with_qr, vendors, vendors_with_qr, signs_printed, vendors_transacting
		FROM markets WHERE id = `+strconv.FormatInt(marketID, 10)).Scan(&c.CommuneCode, &c.ProvinceCode, &c.Version, &keptVersion,
		&c.StallsDeclared, &c.StallsActive, &c.StallsWithQR, &c.Vendors, &c.VendorsWithQR, &c.SignsPrinted, &c.VendorsTransacting)
	if err != nil {
		t.Fatalf("kept counts of market %d: %v", marketID, err)
	}
	return c, keptVersion == c.Version
}
