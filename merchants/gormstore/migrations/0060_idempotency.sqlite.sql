-- API idempotency: the first answer to each (user, Idempotency-Key) POST,
-- replayed to retries for 24 hours. A row with a NULL response is a claim
-- by a request still running; locked_until lets a retry take over a claim
-- abandoned by a crashed replica.

CREATE TABLE idempotency_keys (
	user_id BIGINT NOT NULL,
	idem_key TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	response TEXT,
	locked_until DATETIME NOT NULL,
	expires_at DATETIME NOT NULL,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
