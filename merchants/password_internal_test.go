package merchants

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/argon2"
)

// cheapParams keep the tests' real argon2id runs fast.
var cheapParams = PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}

func TestPasswordHasherChecks(t *testing.T) {
	h := newPasswordHasher(cheapParams, rand.Reader, 1)
	ctx := context.Background()
	encoded, err := h.hash(ctx, "mật khẩu dài")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, encoded, password string
		want                    bool
		wantErr                 error
	}{
		{"right password", encoded, "mật khẩu dài", true, nil},
		{"wrong password", encoded, "mat khau dai", false, nil},
		{"not argon2id", "$2a$10$abcdefghijklmnopqrstuv", "x", false, errBadHash},
		{"no key", "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$", "x", false, errBadHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.check(ctx, tt.encoded, tt.password)
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("check = %v, %v; want %v, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// watchedHasher is a hasher of bound n whose argon2id runs report when
// they start and wait for a release before they end, counting how many
// run at once.
type watchedHasher struct {
	*passwordHasher
	started       chan struct{}
	release       chan struct{}
	running, most atomic.Int32
}

func newWatchedHasher(n int) *watchedHasher {
	w := &watchedHasher{passwordHasher: newPasswordHasher(cheapParams, rand.Reader, n),
		started: make(chan struct{}), release: make(chan struct{})}
	w.idKey = func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		now := w.running.Add(1)
		for m := w.most.Load(); now > m && !w.most.CompareAndSwap(m, now); m = w.most.Load() {
		}
		w.started <- struct{}{}
		<-w.release
		defer w.running.Add(-1)
		return argon2.IDKey(password, salt, time, memory, threads, keyLen)
	}
	return w
}

// TestPasswordHasherBound: a storm of password checks runs at most the
// hasher's bound of argon2id computations at once, and every check still
// gets its answer.
func TestPasswordHasherBound(t *testing.T) {
	const bound, logins = 3, 12
	encoded, err := newPasswordHasher(cheapParams, rand.Reader, 1).hash(context.Background(), "đúng")
	if err != nil {
		t.Fatal(err)
	}
	w := newWatchedHasher(bound)
	var wg sync.WaitGroup
	results := make([]bool, logins)
	errs := make([]error, logins)
	for i := range logins {
		wg.Go(func() {
			// Every other login has the wrong password: a failed check
			// costs as much as a good one.
			pw := "đúng"
			if i%2 == 1 {
				pw = "sai"
			}
			results[i], errs[i] = w.check(context.Background(), encoded, pw)
		})
	}
	// The first bound checks start and hold their slots; each release
	// lets exactly one more in.
	for range bound {
		<-w.started
	}
	for range logins - bound {
		w.release <- struct{}{}
		<-w.started
	}
	for range bound {
		w.release <- struct{}{}
	}
	wg.Wait()
	if got := w.most.Load(); got != bound {
		t.Errorf("at most %d argon2id runs at once, want %d (the bound, reached)", got, bound)
	}
	for i := range logins {
		if want := i%2 == 0; results[i] != want || errs[i] != nil {
			t.Errorf("login %d: %v, %v; want %v", i, results[i], errs[i], want)
		}
	}
}

// TestPasswordHasherCancelledWait: a check whose request ends while it
// queues for a slot returns the context's error without running, and
// leaves no slot taken.
func TestPasswordHasherCancelledWait(t *testing.T) {
	w := newWatchedHasher(1)
	ctx := context.Background()
	busy := make(chan error)
	go func() {
		_, err := w.hash(ctx, "giữ chỗ")
		busy <- err
	}()
	<-w.started // the only slot is taken

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := w.hash(cancelled, "bỏ đi"); !errors.Is(err, context.Canceled) {
		t.Errorf("hash with a cancelled request while the slot is taken: %v; want context.Canceled", err)
	}
	w.release <- struct{}{}
	if err := <-busy; err != nil {
		t.Fatal(err)
	}

	// The cancelled call took no slot: the next one runs.
	next := make(chan error)
	go func() {
		_, err := w.hash(ctx, "tiếp theo")
		next <- err
	}()
	<-w.started
	w.release <- struct{}{}
	if err := <-next; err != nil {
		t.Fatal(err)
	}
	if got := w.most.Load(); got != 1 {
		t.Errorf("at most %d argon2id runs at once, want 1", got)
	}
}
