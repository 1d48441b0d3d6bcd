package api

import (
	"sync"
	"time"
)

// limiter is a set of token buckets keyed by string (an IP address, a
// username). Each bucket holds up to burst tokens and regains one every
// interval. It is per process: behind N replicas a client gets at most N
// times the budget, which still stops password guessing at any useful
// rate.
type limiter struct {
	burst    float64
	interval time.Duration
	maxKeys  int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(burst int, interval time.Duration) *limiter {
	return &limiter{burst: float64(burst), interval: interval, maxKeys: 100_000, buckets: make(map[string]*bucket)}
}

// refill brings b up to date at now.
func (l *limiter) refill(b *bucket, now time.Time) {
	b.tokens += float64(now.Sub(b.at)) / float64(l.interval)
	if b.tokens > l.burst {
		b.tokens = l.burst
	}
	b.at = now
}

// wait reports how long until key has a token (0 when it has one now),
// without taking it.
func (l *limiter) wait(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		return 0
	}
	l.refill(b, now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(l.interval))
}

// take spends one of key's tokens (going no lower than zero).
func (l *limiter) take(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.maxKeys {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	if b.tokens >= 1 {
		b.tokens--
	} else {
		b.tokens = 0
	}
}

// prune forgets buckets that have refilled completely: they hold no
// information. If every bucket is still draining (an attack from very many
// keys) it forgets them all rather than grow without bound.
func (l *limiter) prune(now time.Time) {
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= l.maxKeys {
		clear(l.buckets)
	}
}
