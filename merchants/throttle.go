package merchants

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Login throttling policy (README "Login throttling"). Failed logins are
// counted in storage every replica shares (LoginThrottle: Redis when
// configured, else the database), under three keys:
//
//   - the client address: after 5 failures from one address, that address
//     waits before its next attempt, 1 s after the 5th failure and twice as
//     long after each further one, at most 15 minutes;
//   - the account: counted whatever the address;
//   - the account from that address: once the account has 5 failures, an
//     address that has itself failed on it waits the account's delay
//     (grown the same way), so many addresses sharing the guessing still
//     slow down;
//
// while an address that never failed on the account, such as its owner's,
// is not slowed by the account's failures: guessing cannot lock the owner
// out. A success clears the account's count for that address only. Counts
// lapse 15 minutes after their last failure. A refused attempt is not
// checked and not counted.
const (
	throttleFree     = 5
	throttleMaxDelay = 15 * time.Minute
	throttleKeep     = 15 * time.Minute
)

// LoginFailures is what a LoginThrottle holds under a key.
type LoginFailures struct {
	Count int64
	Last  time.Time
}

// LoginThrottle keeps counts of failed logins shared by every replica
// (implemented by merchants/gormstore and merchants/rediscounters).
type LoginThrottle interface {
	// LoginFailures returns the counts under keys, in order; a key whose
	// last failure is before since counts as none.
	LoginFailures(ctx context.Context, keys []string, since time.Time) ([]LoginFailures, error)
	// RecordLoginFailure adds a failure at now under each key, counting
	// from zero again where the last was before since.
	RecordLoginFailure(ctx context.Context, keys []string, now, since time.Time) error
	// ClearLoginFailures forgets keys.
	ClearLoginFailures(ctx context.Context, keys []string) error
}

// ErrThrottled matches a *ThrottledError.
var ErrThrottled = errors.New("too many failed logins")

// ThrottledError is a login refused, unchecked, until RetryAfter passes.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%v: retry after %v", ErrThrottled, e.RetryAfter)
}

// Is makes every ThrottledError match ErrThrottled.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// throttleDelay is how long to wait after the last of n failures.
func throttleDelay(n int64) time.Duration {
	if n < throttleFree {
		return 0
	}
	if n-throttleFree >= 10 {
		return throttleMaxDelay
	}
	return min(time.Second<<(n-throttleFree), throttleMaxDelay)
}

// throttleKeys are the keys of a login: address, account, account from
// address.
func throttleKeys(username, addr string) []string {
	u := strings.ToLower(strings.TrimSpace(username))
	if len(u) > 64 {
		u = u[:64] // no username is longer; keys stay bounded
	}
	return []string{"addr:" + addr, "acct:" + u, "pair:" + u + "|" + addr}
}

// checkThrottle returns a *ThrottledError while the address, or the
// account for an address that failed on it, has to wait.
func (s *Service) checkThrottle(ctx context.Context, keys []string, now time.Time) error {
	fs, err := s.throttle.LoginFailures(ctx, keys, now.Add(-throttleKeep))
	if err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	wait := fs[0].Last.Add(throttleDelay(fs[0].Count)).Sub(now)
	if fs[2].Count > 0 {
		wait = max(wait, fs[1].Last.Add(throttleDelay(fs[1].Count)).Sub(now))
	}
	if fs[0].Count >= throttleFree && wait > 0 || fs[2].Count > 0 && fs[1].Count >= throttleFree && wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	return nil
}

// LoginFrom is Login from a client address, throttled as the policy above
// says. It returns a *ThrottledError (ErrThrottled) while the caller must
// wait, without checking the password, and what Login returns.
func (s *Service) LoginFrom(ctx context.Context, username, password, addr string) (LoginResult, error) {
	if addr == "" {
		return s.Login(ctx, username, password)
	}
	now := s.now()
	keys := throttleKeys(username, addr)
	if err := s.checkThrottle(ctx, keys, now); err != nil {
		return LoginResult{}, err
	}
	res, err := s.Login(ctx, username, password)
	switch {
	case errors.Is(err, ErrUnauthenticated):
		if rerr := s.throttle.RecordLoginFailure(ctx, keys, now, now.Add(-throttleKeep)); rerr != nil {
			return LoginResult{}, fmt.Errorf("login throttle: %w", rerr)
		}
	case err == nil:
		if cerr := s.throttle.ClearLoginFailures(ctx, keys[2:]); cerr != nil {
			return LoginResult{}, fmt.Errorf("login throttle: %w", cerr)
		}
	}
	return res, err
}
