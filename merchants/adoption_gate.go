package merchants

import (
	"context"
	"sync"
	"time"
)

// pendingQueryTimeout bounds a shared outbox query, which no single
// reader's context may cancel.
const pendingQueryTimeout = 10 * time.Second

// pendingGate shares one query of the markets waiting in the outbox among
// the adoption reads of this process: a read joins the next query to
// begin, never one already running, so the answer covers every change
// committed before the read began. While a query runs the reads arriving
// wait for the next one, which then serves them all: one database round
// trip per query time instead of one per read.
type pendingGate struct {
	mu      sync.Mutex
	running bool
	next    *pendingRound
}

// pendingQuery reads the markets waiting in the outbox and whether the
// answer is complete (see AdoptionStore.PendingCounterMarkets).
type pendingQuery func(ctx context.Context) (markets []MarketCounts, more bool, err error)

// pendingRound is one shared query and its answer, valid once done is
// closed.
type pendingRound struct {
	done    chan struct{}
	markets []MarketCounts
	more    bool
	err     error
}

// markets returns the answer of a query that began after the call, or
// ctx's error if it ends first.
func (g *pendingGate) markets(ctx context.Context, query pendingQuery) ([]MarketCounts, bool, error) {
	g.mu.Lock()
	if g.next == nil {
		g.next = &pendingRound{done: make(chan struct{})}
	}
	r := g.next
	if !g.running {
		g.running, g.next = true, nil
		qctx := context.WithoutCancel(ctx)
		go g.run(qctx, r, query)
	}
	g.mu.Unlock()
	select {
	case <-r.done:
		return r.markets, r.more, r.err
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// run answers r, then each round that readers joined meanwhile, until none
// is waiting.
func (g *pendingGate) run(ctx context.Context, r *pendingRound, query pendingQuery) {
	for r != nil {
		qctx, cancel := context.WithTimeout(ctx, pendingQueryTimeout)
		r.markets, r.more, r.err = query(qctx)
		cancel()
		close(r.done)
		g.mu.Lock()
		r, g.next = g.next, nil
		g.running = r != nil
		g.mu.Unlock()
	}
}
