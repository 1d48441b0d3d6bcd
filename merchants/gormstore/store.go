package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/sapqr/sapqr/merchants"
)

// Dialects.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Store is a merchants.Store on PostgreSQL or SQLite.
type Store struct {
	q
	sqlDB *sql.DB
	// writeMu serialises write transactions on SQLite, which allows one
	// writer at a time: waiting here is cheaper and fairer than SQLite's
	// busy loop. It is nil on PostgreSQL, whose row locks do the job.
	writeMu *sync.Mutex
	// counts are the Stats, shared by every copy of the Store.
	counts *storeCounts
}

var _ merchants.Store = (*Store)(nil)

// q holds the queries shared by a Store and its transactions.
type q struct {
	db      *gorm.DB
	dialect string
}

// tx is a merchants.Tx.
type tx struct{ q }

var _ merchants.Tx = tx{}

// Open connects to the database at url: "sqlite:FILE" for an SQLite file
// (created if missing; WAL journal, foreign keys on, a 10 s busy timeout)
// or "postgres://…" / "postgresql://…" for PostgreSQL, where the query
// parameter pool_max_conns sets the connection pool size (default 16; keep
// replicas × pool under the server's max_connections). It does not
// migrate; call Migrate. It returns an error for any other URL or when the
// database cannot be reached.
func Open(ctx context.Context, dbURL string) (*Store, error) {
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	var (
		db      *gorm.DB
		err     error
		dialect string
		pool    = 16
	)
	switch {
	case strings.HasPrefix(dbURL, "sqlite:"):
		file := strings.TrimPrefix(dbURL, "sqlite:")
		if file == "" || strings.HasPrefix(file, ":memory:") || strings.Contains(file, "mode=memory") {
			// Every pooled connection would get its own empty database.
			return nil, errors.New("open sqlite: want sqlite:FILE with a file name; in-memory databases are not supported")
		}
		dialect = SQLite
		// _txlock=immediate: a write transaction takes SQLite's write lock
		// when it begins, so two processes never deadlock upgrading a read
		// lock, and busy_timeout makes the second one wait.
		dsn := "file:" + (&url.URL{Path: file}).EscapedPath() + "?_txlock=immediate" +
			"&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
		db, err = gorm.Open(sqlite.Open(dsn), cfg)
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		dialect = Postgres
		var dsn string
		if dsn, pool, err = poolSize(dbURL); err == nil {
			db, err = gorm.Open(postgres.Open(dsn), cfg)
		}
	default:
		return nil, fmt.Errorf("open %q: want sqlite:FILE or postgres://…", redact(dbURL))
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", redact(dbURL), err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", redact(dbURL), err)
	}
	counts := new(storeCounts)
	countPool(db, sqlDB, counts)
	s := &Store{q: q{db: db, dialect: dialect}, sqlDB: sqlDB, counts: counts}
	if dialect == SQLite {
		s.writeMu = new(sync.Mutex)
		sqlDB.SetMaxOpenConns(8)
	} else {
		sqlDB.SetMaxOpenConns(pool)
		sqlDB.SetMaxIdleConns(pool)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open %s: %w", redact(dbURL), err)
	}
	return s, nil
}

// poolSize takes the pool_max_conns parameter out of a PostgreSQL URL
// (the server would refuse it as an unknown setting) and returns the rest
// of the URL and the size, 16 when absent.
func poolSize(dbURL string) (string, int, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", 0, fmt.Errorf("database URL: %w", err)
	}
	q := u.Query()
	v := q.Get("pool_max_conns")
	if v == "" {
		return dbURL, 16, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return "", 0, fmt.Errorf("pool_max_conns %q: want a number from 1 to 1000", v)
	}
	q.Del("pool_max_conns")
	u.RawQuery = q.Encode()
	return u.String(), n, nil
}

// redact hides a password in a database URL.
func redact(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil || u.User == nil {
		return dbURL
	}
	return u.Redacted()
}

// Close closes the database connections.
func (s *Store) Close() error { return s.sqlDB.Close() }

// Dialect returns Postgres or SQLite.
func (s *Store) Dialect() string { return s.dialect }

// DB returns the underlying database handle, for maintenance such as
// ANALYZE in benchmarks; the domain goes through the Store methods.
func (s *Store) DB() *sql.DB { return s.sqlDB }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.sqlDB.PingContext(ctx) }

// InTx runs fn in one transaction (see merchants.Store).
func (s *Store) InTx(ctx context.Context, fn func(merchants.Tx) error) error {
	return s.transact(ctx, func(t tx) error { return fn(t) })
}

// txKey is the context key of the transaction Atomically opens.
type txKey struct{}

// with returns the handle a statement under ctx runs on: the transaction
// Atomically put in ctx, else q.db.
func (q q) with(ctx context.Context) *gorm.DB {
	if g, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return g.WithContext(ctx)
	}
	return q.db.WithContext(ctx)
}

// Atomically runs fn with a context carrying one transaction, which every
// call of this Store made with that context joins: InTx becomes a savepoint
// of it and reads see its writes. Everything fn writes commits together
// when it returns nil, or nothing does: a request's domain writes and its
// stored answer cannot be separated by a crash. Inside another Atomically
// it simply runs fn. A begin or commit failing because the database
// cannot serve right now wraps merchants.ErrUnavailable.
func (s *Store) Atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	if s.writeMu != nil {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	err := s.db.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		return fn(context.WithValue(ctx, txKey{}, g))
	})
	return unavailableTx(err)
}

// transact runs fn in a transaction, one writer at a time on SQLite;
// inside Atomically, in a savepoint of its transaction, which holds the
// SQLite writer's turn already.
func (s *Store) transact(ctx context.Context, fn func(tx) error) error {
	run := func(g *gorm.DB) error { return fn(tx{q{db: g, dialect: s.dialect}}) }
	if outer, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return unavailableTx(outer.WithContext(ctx).Transaction(run))
	}
	if s.writeMu != nil {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	return unavailableTx(s.db.WithContext(ctx).Transaction(run))
}

// unavailableTx makes a begin or commit failing because the database
// cannot serve right now wrap merchants.ErrUnavailable, as the statements'
// errors do.
func unavailableTx(err error) error {
	if err != nil && !errors.Is(err, merchants.ErrUnavailable) && unavailable(err) {
		return fmt.Errorf("transaction: %w: %w", merchants.ErrUnavailable, err)
	}
	return err
}
