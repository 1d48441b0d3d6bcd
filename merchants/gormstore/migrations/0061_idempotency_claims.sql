-- API idempotency: every claim on a key names its holder, "<process
-- instance>/<sequence>", so the process that made it recognises a claim of
-- its own whose request is over (its release failed, say while the
-- database was down) and lets a retry take it over at once, and so only
-- the holder can store the answer or release the claim. Claims made
-- before this column existed hold '' and wait out their locked_until.

ALTER TABLE idempotency_keys ADD COLUMN claim TEXT NOT NULL DEFAULT '';
