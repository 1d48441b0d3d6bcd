package gormstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/sapqr/sapqr/merchants"
)

var _ merchants.BulkLoader = (*Store)(nil)

// LoadMarkets inserts generated markets in batches and returns their IDs
// (see merchants.BulkLoader).
func (s *Store) LoadMarkets(ctx context.Context, ms []merchants.Market) ([]int64, error) {
	rows := make([]marketRow, len(ms))
	for i, m := range ms {
		rows[i] = marketToRow(m)
		rows[i].ID = 0
	}
	err := s.transact(ctx, func(t tx) error {
		return translate(t.db.WithContext(ctx).CreateInBatches(&rows, 500).Error, "load markets")
	})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}

// seedTables are the tables LoadVendors fills, with their columns, in the
// order foreign keys need.
var seedTables = []struct {
	name string
	cols []string
}{
	{"stalls", []string{"id", "market_id", "code", "category", "status", "created_at", "updated_at"}},
	{"vendors", []string{"id", "market_id", "stall_id", "commune_code", "province_code", "full_name", "name_folded", "phone",
		"status", "consent_at", "consent_by", "sign_version", "sign_printed_version", "transacting_at", "transacting_by",
		"registered_by", "created_at", "updated_at", "deactivated_by"}},
	{"bank_accounts", []string{"id", "vendor_id", "bin", "account_number", "holder_name", "confirmation", "active",
		"is_primary", "created_by", "created_at", "verified_at", "verified_by", "verify_method"}},
	{"sign_records", []string{"id", "vendor_id", "market_id", "version", "bank_account_id", "payload", "reason",
		"printed", "by_user", "at", "stall_id"}},
	{"vendor_stalls", []string{"id", "vendor_id", "stall_id", "market_id", "active", "assigned_by", "assigned_at", "released_by",
		"sign_printed_version"}},
}

// LoadVendors inserts generated vendors with their stalls, primary
// accounts and sign records in one transaction (see merchants.BulkLoader):
// with COPY on PostgreSQL, IDs taken from the tables' sequences first;
// with multi-row INSERTs on SQLite, IDs following the largest ever given
// (the write lock is held). A unique index that refuses a row fails the whole
// batch with an error wrapping merchants.ErrConflict.
func (s *Store) LoadVendors(ctx context.Context, vs []merchants.SeedVendor) error {
	if len(vs) == 0 {
		return nil
	}
	if s.dialect == Postgres {
		return s.copyVendors(ctx, vs)
	}
	return s.transact(ctx, func(t tx) error {
		next := make([]int64, len(seedTables))
		for i, tb := range seedTables {
			// AUTOINCREMENT never hands out an ID again, even one whose
			// row is gone: start past both the largest row and the
			// largest ID ever given.
			q := "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0), COALESCE((SELECT MAX(id) FROM " +
				tb.name + "), 0)) + 1"
			if err := t.db.WithContext(ctx).Raw(q, tb.name).Scan(&next[i]).Error; err != nil {
				return fmt.Errorf("load vendors: %s: %w", tb.name, err)
			}
		}
		rows := seedRows(vs, func(table, n int) []int64 {
			ids := make([]int64, n)
			for i := range ids {
				ids[i] = next[table] + int64(i)
			}
			return ids
		})
		for i, tb := range seedTables {
			if err := insertRows(ctx, t.db, tb.name, tb.cols, rows[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// seedRows lays the vendors out as the rows of seedTables, with IDs from
// ids(table, count).
func seedRows(vs []merchants.SeedVendor, ids func(table, n int) []int64) [][][]any {
	printed := 0
	for _, v := range vs {
		if v.Vendor.SignPrintedVersion > 0 {
			printed++
		}
	}
	stallIDs, vendorIDs, accountIDs := ids(0, len(vs)), ids(1, len(vs)), ids(2, len(vs))
	signIDs, assignmentIDs := ids(3, len(vs)+printed), ids(4, len(vs))
	out := make([][][]any, len(seedTables))
	for i := range out {
		out[i] = make([][]any, 0, len(vs))
	}
	sign := 0
	for i, sv := range vs {
		st, v, a := sv.Stall, sv.Vendor, sv.Account
		out[0] = append(out[0], []any{stallIDs[i], st.MarketID, st.Code, st.Category, string(st.Status), st.CreatedAt, st.UpdatedAt})
		out[1] = append(out[1], []any{vendorIDs[i], v.MarketID, stallIDs[i], v.CommuneCode, v.ProvinceCode, v.FullName,
			merchants.Fold(v.FullName), v.Phone, string(v.Status), v.ConsentAt, v.ConsentBy, v.SignVersion, v.SignPrintedVersion,
			v.TransactingAt, v.TransactingBy, v.RegisteredBy, v.CreatedAt, v.UpdatedAt, int64(0)})
		out[2] = append(out[2], []any{accountIDs[i], vendorIDs[i], a.BIN, a.AccountNumber, a.HolderName, string(a.Confirmation),
			a.Active, a.Primary, a.CreatedBy, a.CreatedAt, a.VerifiedAt, a.VerifiedBy, string(a.VerifyMethod)})
		out[3] = append(out[3], []any{signIDs[sign], vendorIDs[i], v.MarketID, v.SignVersion, accountIDs[i], sv.Payload,
			string(merchants.SignNew), false, v.RegisteredBy, v.CreatedAt, nil})
		out[4] = append(out[4], []any{assignmentIDs[i], vendorIDs[i], stallIDs[i], v.MarketID, v.Status == merchants.VendorActive,
			v.RegisteredBy, v.CreatedAt, int64(0), v.SignPrintedVersion})
		sign++
		if v.SignPrintedVersion > 0 {
			out[3] = append(out[3], []any{signIDs[sign], vendorIDs[i], v.MarketID, v.SignVersion, accountIDs[i], sv.Payload,
				string(merchants.SignNew), true, v.RegisteredBy, v.CreatedAt, stallIDs[i]})
			sign++
		}
	}
	return out
}

// sqliteRowsPerInsert keeps a statement's parameters well under SQLite's
// limit (32,766).
const sqliteRowsPerInsert = 500

// insertRows inserts rows into table with multi-row INSERT statements.
func insertRows(ctx context.Context, db *gorm.DB, table string, cols []string, rows [][]any) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	for start := 0; start < len(rows); start += sqliteRowsPerInsert {
		chunk := rows[start:min(start+sqliteRowsPerInsert, len(rows))]
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args := make([]any, 0, len(chunk)*len(cols))
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
			args = append(args, r...)
		}
		if err := db.WithContext(ctx).Exec(b.String(), args...).Error; err != nil {
			return translate(err, "load "+table)
		}
	}
	return nil
}

// copyVendors is LoadVendors on PostgreSQL: one pgx transaction that takes
// the IDs from the sequences and COPYs each table.
func (s *Store) copyVendors(ctx context.Context, vs []merchants.SeedVendor) error {
	conn, err := s.sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("load vendors: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("load vendors: driver connection is %T, not pgx", dc)
		}
		return pgx.BeginFunc(ctx, sc.Conn(), func(ptx pgx.Tx) error {
			var idErr error
			rows := seedRows(vs, func(table, n int) []int64 {
				if idErr != nil {
					return make([]int64, n)
				}
				var ids []int64
				ids, idErr = reserveIDs(ctx, ptx, seedTables[table].name, n)
				return ids
			})
			if idErr != nil {
				return fmt.Errorf("load vendors: %w", idErr)
			}
			for i, tb := range seedTables {
				if _, err := ptx.CopyFrom(ctx, pgx.Identifier{tb.name}, tb.cols, pgx.CopyFromRows(rows[i])); err != nil {
					return translate(err, "load "+tb.name)
				}
			}
			return nil
		})
	})
}

// Analyze updates the planner statistics of the tables Load* fill (see
// merchants.BulkLoader).
func (s *Store) Analyze(ctx context.Context) error {
	for _, table := range []string{"markets", "stalls", "vendors", "bank_accounts", "sign_records", "vendor_stalls"} {
		if err := s.db.WithContext(ctx).Exec("ANALYZE " + table).Error; err != nil {
			return fmt.Errorf("analyze %s: %w", table, err)
		}
	}
	return nil
}

// reserveIDs takes n values from the ID sequence of table.
func reserveIDs(ctx context.Context, ptx pgx.Tx, table string, n int) ([]int64, error) {
	rows, err := ptx.Query(ctx, "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)", table, n)
	if err != nil {
		return nil, fmt.Errorf("%s ids: %w", table, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("%s ids: %w", table, err)
	}
	return ids, nil
}
