-- Money arrives (issue 15): hook sources (one aggregator connection each,
-- with its secret and its scope: one vendor, a commune or a province) and
-- the transfers they deliver, stored once per (provider, provider's
-- transaction id). A vendor's first matched transfer marks it transacting
-- with source 'bank'; confirmations by hand are 'manual'.

CREATE TABLE hook_sources (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	provider TEXT NOT NULL,
	auth TEXT NOT NULL CHECK (auth IN ('apikey', 'hmac')),
	-- The secret is needed in clear to check HMACs; it is never returned,
	-- logged or audited.
	secret BLOB NOT NULL,
	vendor_id BIGINT REFERENCES vendors (id),
	commune_code TEXT NOT NULL DEFAULT '',
	province_code TEXT NOT NULL,
	created_by BIGINT NOT NULL,
	created_at DATETIME NOT NULL,
	deleted_at DATETIME
);
CREATE INDEX hook_sources_by_province ON hook_sources (province_code, commune_code);

CREATE TABLE transfers (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	source_id BIGINT NOT NULL REFERENCES hook_sources (id),
	provider TEXT NOT NULL,
	provider_tx_id TEXT NOT NULL,
	bank TEXT NOT NULL,
	bin TEXT NOT NULL DEFAULT '',
	account_number TEXT NOT NULL,
	virtual_account TEXT NOT NULL DEFAULT '',
	amount BIGINT NOT NULL CHECK (amount >= 0),
	money_in BOOLEAN NOT NULL,
	test BOOLEAN NOT NULL,
	vendor_id BIGINT REFERENCES vendors (id),
	-- No foreign key to markets: its share lock on the market row, taken
	-- after the row is in the unique index, deadlocks with a duplicate
	-- delivery that holds the market lock (vendor_id implies the market).
	market_id BIGINT,
	occurred_at DATETIME NOT NULL,
	received_at DATETIME NOT NULL,
	-- Personal data of the payer: cleared after the retention period.
	memo TEXT,
	payer TEXT
);
CREATE UNIQUE INDEX transfers_once ON transfers (provider, provider_tx_id);
CREATE INDEX transfers_by_vendor ON transfers (vendor_id, id);
CREATE INDEX transfers_by_market ON transfers (market_id, occurred_at);
CREATE INDEX transfers_unmatched ON transfers (source_id, id) WHERE vendor_id IS NULL;
CREATE INDEX transfers_by_received ON transfers (received_at) WHERE memo IS NOT NULL OR payer IS NOT NULL;

ALTER TABLE vendors ADD COLUMN transacting_source TEXT NOT NULL DEFAULT '';
UPDATE vendors SET transacting_source = 'manual' WHERE transacting_at IS NOT NULL;
