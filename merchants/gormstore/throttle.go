package gormstore

import (
	"context"
	"time"

	"github.com/sapqr/sapqr/merchants"
)

// loginFailureRow is a count of failed logins under a key.
type loginFailureRow struct {
	Key      string `gorm:"primaryKey"`
	Failures int64
	LastAt   time.Time
}

func (loginFailureRow) TableName() string { return "login_failures" }

// LoginFailures implements merchants.LoginThrottle.
func (s *Store) LoginFailures(ctx context.Context, keys []string, since time.Time) ([]merchants.LoginFailures, error) {
	var rows []loginFailureRow
	if err := s.db.WithContext(ctx).Where("key IN ? AND last_at >= ?", keys, since).Find(&rows).Error; err != nil {
		return nil, translate(err, "login failures")
	}
	out := make([]merchants.LoginFailures, len(keys))
	for i, k := range keys {
		for _, r := range rows {
			if r.Key == k {
				out[i] = merchants.LoginFailures{Count: r.Failures, Last: r.LastAt.UTC()}
			}
		}
	}
	return out, nil
}

// RecordLoginFailure implements merchants.LoginThrottle: one upsert per
// key, so concurrent failures on several replicas all count.
func (s *Store) RecordLoginFailure(ctx context.Context, keys []string, now, since time.Time) error {
	for _, k := range keys {
		err := s.db.WithContext(ctx).Exec(`INSERT INTO login_failures (key, failures, last_at) VALUES (?, 1, ?)
			ON CONFLICT (key) DO UPDATE SET
				failures = CASE WHEN login_failures.last_at < ? THEN 1 ELSE login_failures.failures + 1 END,
				last_at = excluded.last_at`, k, now.UTC(), since.UTC()).Error
		if err != nil {
			return translate(err, "record login failure")
		}
	}
	return nil
}

// ClearLoginFailures implements merchants.LoginThrottle.
func (s *Store) ClearLoginFailures(ctx context.Context, keys []string) error {
	return translate(s.db.WithContext(ctx).Where("key IN ?", keys).Delete(&loginFailureRow{}).Error, "clear login failures")
}

func (t tx) DeleteLoginFailures(ctx context.Context, before time.Time) error {
	return translate(t.db.WithContext(ctx).Where("last_at < ?", before.UTC()).Delete(&loginFailureRow{}).Error, "delete login failures")
}
