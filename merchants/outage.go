package merchants

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"time"
)

// OutageGrace is how long after a token last authenticated against the
// database it still serves reads while the database cannot be reached, so
// that dashboards answer from the counters through an outage. Changes
// never rest on it: they need the database anyway, and a session ended
// while the database is up is refused at once.
const OutageGrace = 10 * time.Minute

// maxRemembered bounds the tokens remembered for outages.
const maxRemembered = 50_000

// outageMemo remembers which actor each token authenticated as, and when,
// for AuthenticateRead during an outage. Only a hash of the token is kept.
type outageMemo struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]rememberedActor
}

type rememberedActor struct {
	actor Actor
	at    time.Time
}

func (m *outageMemo) remember(token string, a Actor, now time.Time) {
	k := sha256.Sum256([]byte(token))
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil {
		m.entries = make(map[[sha256.Size]byte]rememberedActor)
	}
	if len(m.entries) >= maxRemembered {
		for key, e := range m.entries {
			if now.Sub(e.at) >= OutageGrace {
				delete(m.entries, key)
			}
		}
		if len(m.entries) >= maxRemembered {
			clear(m.entries)
		}
	}
	m.entries[k] = rememberedActor{actor: a, at: now}
}

func (m *outageMemo) forget(token string) {
	k := sha256.Sum256([]byte(token))
	m.mu.Lock()
	delete(m.entries, k)
	m.mu.Unlock()
}

func (m *outageMemo) recall(token string, now time.Time) (Actor, bool) {
	k := sha256.Sum256([]byte(token))
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[k]
	if !ok || now.Sub(e.at) >= OutageGrace {
		return Actor{}, false
	}
	return e.actor, true
}

// AuthenticateRead is Authenticate for a request that only reads. The
// database is asked as always; only when it cannot answer
// (ErrUnavailable) is a token that authenticated on this replica in the
// last OutageGrace still trusted, as what it was then.
func (s *Service) AuthenticateRead(ctx context.Context, token string) (Actor, error) {
	a, err := s.Authenticate(ctx, token)
	if errors.Is(err, ErrUnavailable) {
		if a, ok := s.outage.recall(token, s.now()); ok {
			return a, nil
		}
	}
	return a, err
}
