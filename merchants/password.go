package merchants

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are argon2id parameters.
type PasswordParams struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// defaultPasswordParams follow the OWASP minimum for argon2id (19 MiB, two
// passes, one lane): tens of milliseconds per login on a small server.
func defaultPasswordParams() PasswordParams {
	return PasswordParams{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}
}

const (
	saltLen = 16
	keyLen  = 32
)

// passwordHasher hashes and checks passwords with argon2id, at most
// cap(slots) at once. Each run holds its memory cost (19 MiB by default)
// until it ends, and runs beyond the CPUs only wait for one another: a
// storm of logins, wrong passwords included, would otherwise take memory
// in proportion to the requests in flight. Calls beyond the bound queue,
// and leave the queue when their context ends.
type passwordHasher struct {
	params PasswordParams // for new hashes
	random io.Reader
	slots  chan struct{}
	// idKey is argon2.IDKey; tests watch it.
	idKey func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
}

// newPasswordHasher returns a hasher of new hashes with pp, running at
// most n (at least 1) argon2id computations at once.
func newPasswordHasher(pp PasswordParams, random io.Reader, n int) *passwordHasher {
	return &passwordHasher{params: pp, random: random, slots: make(chan struct{}, max(n, 1)), idKey: argon2.IDKey}
}

// key derives the argon2id key of password once a slot is free. It
// returns ctx's error, wrapped, when ctx ends first.
func (h *passwordHasher) key(ctx context.Context, password string, salt []byte, pp PasswordParams, n uint32) ([]byte, error) {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting to check a password: %w", ctx.Err())
	}
	defer func() { <-h.slots }()
	return h.idKey([]byte(password), salt, pp.Time, pp.MemoryKiB, pp.Threads, n), nil
}

// hash returns password hashed with argon2id in the PHC string format, so
// parameters can change without breaking stored hashes. It returns ctx's
// error when ctx ends while it waits for a slot, and the random source's.
func (h *passwordHasher) hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(h.random, salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	pp := h.params
	key, err := h.key(ctx, password, salt, pp, keyLen)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, pp.MemoryKiB, pp.Time, pp.Threads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

var errBadHash = errors.New("malformed password hash")

// check reports whether password matches an encoded hash. It returns
// errBadHash for a hash it cannot read, and ctx's error when ctx ends
// while it waits for a slot.
func (h *passwordHasher) check(ctx context.Context, encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var pp PasswordParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &pp.MemoryKiB, &pp.Time, &pp.Threads); err != nil || pp.Time == 0 || pp.Threads == 0 {
		return false, errBadHash
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got, err := h.key(ctx, password, salt, pp, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
