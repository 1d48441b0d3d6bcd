package merchants

import (
	"context"
	"errors"
)

// MarketCounts is the counted state of one market at one version. The
// store produces a new version, with the market's absolute counts, in the
// same transaction as every change that moves a count; counters keep the
// newest version they have seen, so applying the same or an older version
// again changes nothing.
type MarketCounts struct {
	MarketID     int64
	CommuneCode  string
	ProvinceCode string
	// Version increases by one with every change to the market's counts.
	Version int64

	StallsDeclared     int64 // the market's declared stall count
	StallsActive       int64 // stalls with status active
	StallsWithQR       int64 // active stalls whose active vendor has an active bank account
	Vendors            int64 // active vendors
	VendorsWithQR      int64 // active vendors with an active bank account
	SignsPrinted       int64 // active vendors whose current sign was printed at least once
	VendorsTransacting int64 // active vendors with a confirmed first payment
}

// CounterEvent is one row of the counter outbox: the counts a committed
// transaction left a market with.
type CounterEvent struct {
	ID     int64
	Counts MarketCounts
}

// UnitFilter selects markets by administrative unit. Empty fields match
// everything; CommuneCode wins over ProvinceCode when both are set.
type UnitFilter struct {
	ProvinceCode string
	CommuneCode  string
	MarketIDs    []int64
}

// CounterStore is the part of Store that feeds the counters.
type CounterStore interface {
	// PendingCounterEvents returns up to limit outbox rows, oldest first.
	PendingCounterEvents(ctx context.Context, limit int) ([]CounterEvent, error)
	// DeleteCounterEvents removes applied outbox rows; unknown IDs are ignored.
	DeleteCounterEvents(ctx context.Context, ids []int64) error
	// HasPendingCounterEvents reports whether any outbox row for the
	// filter's markets waits to be applied.
	HasPendingCounterEvents(ctx context.Context, f UnitFilter) (bool, error)
	// RecountMarkets computes the counts of the filtered markets from the
	// base tables, with their current versions, in one consistent snapshot.
	RecountMarkets(ctx context.Context, f UnitFilter) ([]MarketCounts, error)
}

// Counters holds adoption counts outside the database, for fast reads.
// Implementations: rediscounters.Redis and rediscounters.Memory.
type Counters interface {
	// Apply stores each market's counts if its version is newer than the
	// one held, and keeps the commune, province and national totals in
	// step. It is idempotent.
	Apply(ctx context.Context, counts []MarketCounts) error
	// Markets returns the held counts of the filtered markets. It returns
	// ErrCountersCold when the counters were never built or were lost
	// (for example a Redis flush) and ErrCountersUnavailable when they
	// cannot be reached.
	Markets(ctx context.Context, f UnitFilter) ([]MarketCounts, error)
	// Rebuild replaces everything held with counts (a full recount) and
	// marks the counters as built.
	Rebuild(ctx context.Context, counts []MarketCounts) error
}

var (
	// ErrCountersCold means the counters hold nothing trustworthy yet.
	ErrCountersCold = errors.New("counters not built")
	// ErrCountersUnavailable means the counters cannot be reached.
	ErrCountersUnavailable = errors.New("counters unavailable")
)
