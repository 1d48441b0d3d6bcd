package api

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/sapqr/sapqr/merchants"
)

// authCache remembers, for a few seconds, which actor a token belongs to,
// so a busy replica does not read the session and the user from the
// database on every request. Logging out removes the token here at once;
// on other replicas a revoked token or a disabled user is refused at most
// ttl later. Only a hash of the token is kept.
type authCache struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[[sha256.Size]byte]authEntry
}

type authEntry struct {
	actor   merchants.Actor
	expires time.Time
}

func newAuthCache(ttl time.Duration) *authCache {
	return &authCache{ttl: ttl, max: 50_000, entries: make(map[[sha256.Size]byte]authEntry)}
}

func (c *authCache) get(token string, now time.Time) (merchants.Actor, bool) {
	if c.ttl <= 0 {
		return merchants.Actor{}, false
	}
	k := sha256.Sum256([]byte(token))
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || !now.Before(e.expires) {
		return merchants.Actor{}, false
	}
	return e.actor, true
}

// getStale is get for a token whose entry expired less than grace ago:
// what a read may go on trusting while the database, which would check the
// token again, cannot be reached.
func (c *authCache) getStale(token string, now time.Time, grace time.Duration) (merchants.Actor, bool) {
	if c.ttl <= 0 {
		return merchants.Actor{}, false
	}
	k := sha256.Sum256([]byte(token))
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || !now.Before(e.expires.Add(grace)) {
		return merchants.Actor{}, false
	}
	return e.actor, true
}

func (c *authCache) put(token string, a merchants.Actor, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	k := sha256.Sum256([]byte(token))
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for key, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, key)
			}
		}
		if len(c.entries) >= c.max {
			clear(c.entries)
		}
	}
	c.entries[k] = authEntry{actor: a, expires: now.Add(c.ttl)}
}

func (c *authCache) forget(token string) {
	k := sha256.Sum256([]byte(token))
	c.mu.Lock()
	delete(c.entries, k)
	c.mu.Unlock()
}
