package merchants

import (
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

// hashPassword returns password hashed with argon2id in the PHC string
// format, so parameters can change without breaking stored hashes.
func hashPassword(random io.Reader, pp PasswordParams, password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(random, salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, pp.Time, pp.MemoryKiB, pp.Threads, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, pp.MemoryKiB, pp.Time, pp.Threads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

var errBadHash = errors.New("malformed password hash")

// checkPassword reports whether password matches an encoded hash.
func checkPassword(encoded, password string) (bool, error) {
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
	got := argon2.IDKey([]byte(password), salt, pp.Time, pp.MemoryKiB, pp.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
