-- The key of the request that registered a vendor (the API's
-- Idempotency-Key), stored in the registration's own transaction: a retry
-- with the same key by the same user finds the vendor it created, even when
-- the first answer was never stored or seen, and a duplicate racing the
-- first hits the unique index instead of creating a second vendor.
ALTER TABLE vendors ADD COLUMN request_key TEXT;

CREATE UNIQUE INDEX vendors_request_key ON vendors (registered_by, request_key) WHERE request_key IS NOT NULL;
