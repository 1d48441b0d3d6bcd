package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// idempotencyLock is how long a claim by a running request blocks
// retries: past it, the request is taken to have died with its replica
// and a retry may claim the key again. It is well above any request's
// running time.
const idempotencyLock = 2 * time.Minute

// ClaimIdempotencyKey claims key for userID with the request's
// fingerprint, for ttl from now. It reports claimed true when the key was
// free, its record had expired or its claim was abandoned; otherwise it
// returns the held fingerprint and response (nil while the first request
// is still running). Replicas share the claims, so a retry that lands on
// another replica is still answered once. It returns database errors.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, userID int64, key, fingerprint string, now time.Time, ttl time.Duration) (claimed bool, heldFingerprint string, response []byte, err error) {
	now = now.UTC().Truncate(time.Microsecond)
	lockedUntil, expires := now.Add(idempotencyLock), now.Add(ttl)
	err = s.idempotencyWrite(ctx, func(db *gorm.DB) error {
		claimed, heldFingerprint, response, err = claimIdempotencyKey(db, userID, key, fingerprint, now, lockedUntil, expires)
		return err
	})
	return claimed, heldFingerprint, response, err
}

func claimIdempotencyKey(db *gorm.DB, userID int64, key, fingerprint string, now, lockedUntil, expires time.Time) (bool, string, []byte, error) {
	// A concurrent Release can delete the row between the statements
	// below; trying again then claims it.
	for range 3 {
		res := db.Exec(`INSERT INTO idempotency_keys (user_id, idem_key, fingerprint, response, locked_until, expires_at, created_at)
			VALUES (?, ?, ?, NULL, ?, ?, ?) ON CONFLICT (user_id, idem_key) DO NOTHING`,
			userID, key, fingerprint, lockedUntil, expires, now)
		if res.Error != nil {
			return false, "", nil, fmt.Errorf("claim idempotency key: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			return true, "", nil, nil
		}
		res = db.Exec(`UPDATE idempotency_keys SET fingerprint = ?, response = NULL, locked_until = ?, expires_at = ?, created_at = ?
			WHERE user_id = ? AND idem_key = ? AND (expires_at <= ? OR (response IS NULL AND locked_until <= ?))`,
			fingerprint, lockedUntil, expires, now, userID, key, now, now)
		if res.Error != nil {
			return false, "", nil, fmt.Errorf("take over idempotency key: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			return true, "", nil, nil
		}
		var fp string
		var resp sql.NullString
		err := db.Raw(`SELECT fingerprint, response FROM idempotency_keys WHERE user_id = ? AND idem_key = ?`,
			userID, key).Row().Scan(&fp, &resp)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return false, "", nil, fmt.Errorf("read idempotency key: %w", err)
		}
		if resp.Valid {
			return false, fp, []byte(resp.String), nil
		}
		return false, fp, nil, nil
	}
	return false, "", nil, errors.New("claim idempotency key: the key keeps changing hands; retry")
}

// SaveIdempotentResponse stores the answer of a claimed key. It returns
// database errors.
func (s *Store) SaveIdempotentResponse(ctx context.Context, userID int64, key string, response []byte) error {
	return s.idempotencyWrite(ctx, func(db *gorm.DB) error {
		if err := db.Exec(`UPDATE idempotency_keys SET response = ? WHERE user_id = ? AND idem_key = ?`,
			string(response), userID, key).Error; err != nil {
			return fmt.Errorf("save idempotent response: %w", err)
		}
		return nil
	})
}

// ReleaseIdempotencyKey forgets a claim whose request failed, so a retry
// runs again; a stored answer is kept. An unknown key is not an error; it
// returns database errors.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, userID int64, key string) error {
	return s.idempotencyWrite(ctx, func(db *gorm.DB) error {
		if err := db.Exec(`DELETE FROM idempotency_keys WHERE user_id = ? AND idem_key = ? AND response IS NULL`, userID, key).Error; err != nil {
			return fmt.Errorf("release idempotency key: %w", err)
		}
		return nil
	})
}

// idempotencyWrite runs fn; on PostgreSQL in a transaction that commits
// without waiting for the WAL flush (synchronous_commit off). Two of the
// three commits of a retry-safe registration are these records, and
// losing the last moments of them in a database crash costs little: a
// retry then runs again and meets the registry's own uniqueness rules
// (the stall or the account is taken), which never lose a write.
func (s *Store) idempotencyWrite(ctx context.Context, fn func(*gorm.DB) error) error {
	db := s.db.WithContext(ctx)
	if s.dialect != Postgres {
		return fn(db)
	}
	return db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL synchronous_commit TO OFF").Error; err != nil {
			return fmt.Errorf("idempotency: %w", err)
		}
		return fn(tx)
	})
}

// PurgeIdempotencyKeys deletes the records expired at now and returns how
// many went. The server calls it periodically; expired rows are ignored by
// ClaimIdempotencyKey anyway, so a missed purge only costs space.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM idempotency_keys WHERE expires_at <= ?`, now.UTC().Truncate(time.Microsecond))
	if res.Error != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", res.Error)
	}
	return res.RowsAffected, nil
}
