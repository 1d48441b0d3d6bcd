package gormstore

import (
	"context"
	"database/sql"
	"sync/atomic"

	"gorm.io/gorm"
)

// Stats is what a Store has asked of its database since it was opened:
// RoundTrips counts every statement sent (a query, an exec, a prepare,
// BEGIN, SAVEPOINT, COMMIT and ROLLBACK each count one) and Commits the
// transactions committed. Subtract two readings to see what one request
// cost; a registration's figures are in the README.
type Stats struct {
	RoundTrips int64
	Commits    int64
}

// Stats returns the counts so far.
func (s *Store) Stats() Stats {
	return Stats{RoundTrips: s.counts.roundTrips.Load(), Commits: s.counts.commits.Load()}
}

// storeCounts are a Store's Stats, counted by countingPool.
type storeCounts struct {
	roundTrips, commits atomic.Int64
}

// counted sends statements through conn, counting each as a round trip.
// countingPool and countingTx share it: a pool and a transaction send
// statements alike.
type counted struct {
	conn gorm.ConnPool // the *sql.DB or its *sql.Tx
	n    *storeCounts
}

func (c counted) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	c.n.roundTrips.Add(1)
	return c.conn.PrepareContext(ctx, query)
}

func (c counted) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	c.n.roundTrips.Add(1)
	return c.conn.ExecContext(ctx, query, args...)
}

func (c counted) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.n.roundTrips.Add(1)
	return c.conn.QueryContext(ctx, query, args...)
}

func (c counted) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	c.n.roundTrips.Add(1)
	return c.conn.QueryRowContext(ctx, query, args...)
}

// countingPool is the connection pool gorm uses, counting what goes
// through it; its transactions are countingTx. It costs an atomic add per
// statement.
type countingPool struct {
	counted
	db *sql.DB
}

// countPool makes db's statements and transactions counted in n.
func countPool(db *gorm.DB, sqlDB *sql.DB, n *storeCounts) {
	p := &countingPool{counted: counted{conn: sqlDB, n: n}, db: sqlDB}
	db.ConnPool = p
	db.Statement.ConnPool = p
}

var (
	_ gorm.ConnPool         = (*countingPool)(nil)
	_ gorm.ConnPoolBeginner = (*countingPool)(nil)
	_ gorm.GetDBConnector   = (*countingPool)(nil)
	_ gorm.TxCommitter      = (*countingTx)(nil)
)

// BeginTx begins a counted transaction (BEGIN is one round trip).
func (p *countingPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	p.n.roundTrips.Add(1)
	tx, err := p.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &countingTx{counted: counted{conn: tx, n: p.n}, tx: tx}, nil
}

// GetDBConn lets gorm's DB() find the pool.
func (p *countingPool) GetDBConn() (*sql.DB, error) { return p.db, nil }

// countingTx is a transaction of countingPool.
type countingTx struct {
	counted
	tx *sql.Tx
}

// Commit commits, counting a round trip and, when it succeeds, a commit.
func (t *countingTx) Commit() error {
	t.n.roundTrips.Add(1)
	err := t.tx.Commit()
	if err == nil {
		t.n.commits.Add(1)
	}
	return err
}

func (t *countingTx) Rollback() error {
	t.n.roundTrips.Add(1)
	return t.tx.Rollback()
}
