package merchants

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// TestPendingGate checks that a read never takes the answer of an outbox
// query that began before it: that answer could miss a change committed
// just before the read.
func TestPendingGate(t *testing.T) {
	var g pendingGate
	var calls atomic.Int64
	started := make(chan struct{}, 16)
	release := make(chan struct{}, 16)
	// Each query answers with its own number as a market ID.
	query := func(ctx context.Context) ([]MarketCounts, bool, error) {
		n := calls.Add(1)
		started <- struct{}{}
		<-release
		return []MarketCounts{{MarketID: n}}, false, nil
	}
	ctx := context.Background()
	type answer struct {
		round int64
		err   error
	}
	read := func(out chan<- answer) {
		m, _, err := g.markets(ctx, query)
		if err != nil {
			out <- answer{err: err}
			return
		}
		out <- answer{round: m[0].MarketID}
	}
	first := make(chan answer, 1)
	go read(first)
	<-started // the first query is running

	const later = 4
	laterAnswers := make(chan answer, later)
	for range later {
		go read(laterAnswers)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := g.markets(cancelled, query); !errors.Is(err, context.Canceled) {
		t.Errorf("read with a cancelled context: %v, want context.Canceled", err)
	}
	for range 16 {
		release <- struct{}{}
	}
	if a := <-first; a.err != nil || a.round != 1 {
		t.Errorf("first read: round %d, %v; want round 1", a.round, a.err)
	}
	for range later {
		a := <-laterAnswers
		if a.err != nil || a.round < 2 {
			t.Errorf("read begun while query 1 ran: round %d, %v; want a later round", a.round, a.err)
		}
	}
	if n := calls.Load(); n > 1+later+1 {
		t.Errorf("%d queries for %d reads", n, 1+later+1)
	}
}
