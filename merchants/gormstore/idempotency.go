package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// ClaimIdempotencyKey claims key for userID on behalf of claim, an ID the
// caller makes unique to one request (the API uses "<process
// instance>/<sequence>"), with the request's fingerprint. The claim blocks
// other requests under the key until now+lease; the record lives for ttl.
// Inside Atomically on PostgreSQL the claim is part of that transaction
// and held by a lock, not a lease (see ClaimsInTransaction).
//
// It reports claimed true when the key was free, its record had expired,
// the claim holding it outlived its lease (its request died with its
// replica), or abandoned(holder) says the holder's request is over (the
// process that made the claim knows that at once). Otherwise it returns
// the held fingerprint and the stored response, nil while the holder's
// request still runs. Of concurrent claims exactly one wins, across
// replicas: every takeover is a compare-and-set on the holder. abandoned
// may be nil. It returns database errors, translated like every store
// error (merchants.ErrUnavailable when the database cannot serve).
func (s *Store) ClaimIdempotencyKey(ctx context.Context, userID int64, key, fingerprint, claim string, now time.Time, lease, ttl time.Duration, abandoned func(holder string) bool) (claimed bool, heldFingerprint string, response []byte, err error) {
	c := idemClaim{
		userID: userID, key: key, fingerprint: fingerprint, claim: claim,
		now: now.UTC().Truncate(time.Microsecond),
	}
	c.lockedUntil, c.expires = c.now.Add(lease), c.now.Add(ttl)
	err = s.idempotencyWrite(ctx, func(db *gorm.DB) error {
		if s.ClaimsInTransaction() && inTx(ctx) {
			var busy bool
			var held *heldAnswer
			if claimed, busy, held, err = c.lockAndInsert(db); err != nil || claimed {
				return err
			}
			switch {
			case busy:
				// The holder's record is not committed yet: its
				// fingerprint is unknown, and taken to be this one.
				heldFingerprint = fingerprint
				return nil
			case held != nil:
				heldFingerprint, response = held.fingerprint, held.response
				return nil
			}
		}
		claimed, heldFingerprint, response, err = c.run(db, abandoned)
		return err
	})
	return claimed, heldFingerprint, response, translate(err, "idempotency")
}

// ClaimsInTransaction reports whether ClaimIdempotencyKey, called inside
// Atomically, claims the key in that transaction, so that the claim, the
// request's writes and its stored answer commit together (PostgreSQL).
// There a claim is also a transaction-scoped advisory lock on the key,
// taken without waiting: a concurrent request under the key finds it held
// (claimed false, no response: in progress) at once, and a request that
// fails or dies with its replica leaves nothing behind, since its
// transaction rolls back and the lock goes with it; no lease, no release.
// On SQLite, one writer at a time, a claim inside Atomically would wait
// for every other request's transaction: claim first, then open it.
func (s *Store) ClaimsInTransaction() bool { return s.dialect == Postgres }

// inTx reports whether ctx carries Atomically's transaction.
func inTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*gorm.DB)
	return ok
}

// lockAndInsert is the first statement of a claim inside a transaction on
// PostgreSQL: try the key's advisory lock and, when it is taken, insert the
// claim unless a record exists (committed: nobody else holds the lock),
// and read that record. It reports claimed when inserted; busy when
// another transaction holds the key; else a stored, unexpired answer when
// it saw one (held), and nothing when the rest of the claim must look.
func (c idemClaim) lockAndInsert(db *gorm.DB) (claimed, busy bool, held *heldAnswer, err error) {
	var got bool
	var inserted int64
	var fp, resp sql.NullString
	var expires sql.NullTime
	err = db.Raw(`WITH l AS MATERIALIZED (SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0)) AS got),
		ins AS (INSERT INTO idempotency_keys (user_id, idem_key, fingerprint, response, claim, locked_until, expires_at, created_at)
			SELECT ?, ?, ?, NULL, ?, ?, ?, ? FROM l WHERE l.got
			ON CONFLICT (user_id, idem_key) DO NOTHING RETURNING 1)
		SELECT l.got, (SELECT count(*) FROM ins), k.fingerprint, k.response, k.expires_at
		FROM l LEFT JOIN idempotency_keys k ON l.got AND k.user_id = ? AND k.idem_key = ?`,
		strconv.FormatInt(c.userID, 10)+"/"+c.key,
		c.userID, c.key, c.fingerprint, c.claim, c.lockedUntil, c.expires, c.now,
		c.userID, c.key).Row().Scan(&got, &inserted, &fp, &resp, &expires)
	if err != nil {
		return false, false, nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if got && inserted == 0 && resp.Valid && expires.Valid && expires.Time.After(c.now) {
		held = &heldAnswer{fingerprint: fp.String, response: []byte(resp.String)}
	}
	return inserted == 1, !got, held, nil
}

// heldAnswer is a stored answer found under a key.
type heldAnswer struct {
	fingerprint string
	response    []byte
}

// idemClaim is one ClaimIdempotencyKey call.
type idemClaim struct {
	userID                    int64
	key, fingerprint, claim   string
	now, lockedUntil, expires time.Time
}

func (c idemClaim) run(db *gorm.DB, abandoned func(string) bool) (bool, string, []byte, error) {
	// A concurrent Release or takeover can change the row between the
	// statements below; trying again then settles it.
	for range 3 {
		res := db.Exec(`INSERT INTO idempotency_keys (user_id, idem_key, fingerprint, response, claim, locked_until, expires_at, created_at)
			VALUES (?, ?, ?, NULL, ?, ?, ?, ?) ON CONFLICT (user_id, idem_key) DO NOTHING`,
			c.userID, c.key, c.fingerprint, c.claim, c.lockedUntil, c.expires, c.now)
		if res.Error != nil {
			return false, "", nil, fmt.Errorf("claim idempotency key: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			return true, "", nil, nil
		}
		won, err := c.takeOver(db, "expires_at <= ? OR (response IS NULL AND locked_until <= ?)", c.now, c.now)
		if err != nil || won {
			return won, "", nil, err
		}
		var fp, holder string
		var resp sql.NullString
		err = db.Raw(`SELECT fingerprint, response, claim FROM idempotency_keys WHERE user_id = ? AND idem_key = ?`,
			c.userID, c.key).Row().Scan(&fp, &resp, &holder)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return false, "", nil, fmt.Errorf("read idempotency key: %w", err)
		}
		if resp.Valid {
			return false, fp, []byte(resp.String), nil
		}
		if holder == "" || abandoned == nil || !abandoned(holder) {
			return false, fp, nil, nil
		}
		// Only the holder seen above is replaced: a concurrent claim that
		// took it over first, or an answer saved meanwhile, wins.
		won, err = c.takeOver(db, "response IS NULL AND claim = ?", holder)
		if err != nil || won {
			return won, "", nil, err
		}
	}
	return false, "", nil, errors.New("claim idempotency key: the key keeps changing hands; retry")
}

// takeOver gives the key's record to c when it matches cond, and reports
// whether it did.
func (c idemClaim) takeOver(db *gorm.DB, cond string, args ...any) (bool, error) {
	res := db.Exec(`UPDATE idempotency_keys SET fingerprint = ?, response = NULL, claim = ?, locked_until = ?, expires_at = ?, created_at = ?
		WHERE user_id = ? AND idem_key = ? AND (`+cond+`)`,
		append([]any{c.fingerprint, c.claim, c.lockedUntil, c.expires, c.now, c.userID, c.key}, args...)...)
	if res.Error != nil {
		return false, fmt.Errorf("take over idempotency key: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ErrClaimLost is returned by SaveIdempotentResponse when the claim no
// longer holds its key: it outlived its lease and another request took
// the key over.
var ErrClaimLost = errors.New("idempotency: the claim no longer holds the key")

// SaveIdempotentResponse stores the answer of the request holding key
// under claim. Unlike claims, the answer is committed durably: the client
// may already hold it, and a retry after a database crash must get it
// back rather than run again into its own registration. It returns
// ErrClaimLost when claim no longer holds the key, and database errors.
func (s *Store) SaveIdempotentResponse(ctx context.Context, userID int64, key, claim string, response []byte) error {
	// Committed in the ordinary way, this also flushes the claim it
	// updates, which was committed without waiting.
	res := s.with(ctx).Exec(`UPDATE idempotency_keys SET response = ? WHERE user_id = ? AND idem_key = ? AND claim = ? AND response IS NULL`,
		string(response), userID, key, claim)
	if res.Error != nil {
		return translate(res.Error, "save idempotent response")
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("save idempotent response: %w", ErrClaimLost)
	}
	return nil
}

// ReleaseIdempotencyKey forgets claim's hold on key, whose request failed,
// so a retry runs again. A stored answer, another claim's hold and an
// unknown key are left alone without error; it returns database errors.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, userID int64, key, claim string) error {
	err := s.idempotencyWrite(ctx, func(db *gorm.DB) error {
		return db.Exec(`DELETE FROM idempotency_keys WHERE user_id = ? AND idem_key = ? AND claim = ? AND response IS NULL`,
			userID, key, claim).Error
	})
	return translate(err, "release idempotency key")
}

// idempotencyWrite runs fn: inside Atomically in its transaction, else on
// PostgreSQL in a transaction that commits
// without waiting for the WAL flush (synchronous_commit off). Claims and
// releases are such writes: losing the last moments of them in a database
// crash costs nothing, since the requests that made them failed with the
// database.
func (s *Store) idempotencyWrite(ctx context.Context, fn func(*gorm.DB) error) error {
	if inTx(ctx) {
		// Inside Atomically: part of the request's own transaction.
		return fn(s.with(ctx))
	}
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
		return 0, translate(res.Error, "purge idempotency keys")
	}
	return res.RowsAffected, nil
}
