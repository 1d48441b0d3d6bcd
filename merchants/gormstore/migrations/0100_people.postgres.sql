-- People run from the browser: a phone per user, one-time activation and
-- password-reset links (stored by token hash), and the login failures
-- counted per client address and per account, shared by every replica
-- when Redis is not configured.

ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';

CREATE TABLE user_tokens (
	token_hash BYTEA PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at TIMESTAMPTZ NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL,
	used_at TIMESTAMPTZ
);
CREATE INDEX user_tokens_by_user ON user_tokens (user_id);

CREATE TABLE login_failures (
	key TEXT PRIMARY KEY,
	failures BIGINT NOT NULL,
	last_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_by_last ON login_failures (last_at);
