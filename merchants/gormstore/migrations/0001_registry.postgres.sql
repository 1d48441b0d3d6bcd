-- The registry: markets, stalls, vendors, bank accounts, sign records,
-- users and sessions, vendor links, the audit log and the counter outbox.

CREATE TABLE markets (
	id BIGSERIAL PRIMARY KEY,
	code TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL,
	name_folded TEXT NOT NULL,
	commune_code TEXT NOT NULL,
	province_code TEXT NOT NULL,
	address TEXT NOT NULL DEFAULT '',
	class SMALLINT NOT NULL DEFAULT 0 CHECK (class BETWEEN 0 AND 3),
	stalls_declared INTEGER NOT NULL DEFAULT 0 CHECK (stalls_declared >= 0),
	status TEXT NOT NULL CHECK (status IN ('active', 'closed')),
	fee_bin TEXT,
	fee_account_number TEXT,
	fee_holder_name TEXT,
	counter_version BIGINT NOT NULL DEFAULT 0,
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX markets_code_per_commune ON markets (commune_code, code) WHERE code <> '';
CREATE INDEX markets_by_commune ON markets (commune_code, id);
CREATE INDEX markets_by_province ON markets (province_code, id);

CREATE TABLE stalls (
	id BIGSERIAL PRIMARY KEY,
	market_id BIGINT NOT NULL REFERENCES markets (id),
	code TEXT NOT NULL,
	category TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('active', 'vacant', 'closed')),
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX stalls_code_per_market ON stalls (market_id, code);
CREATE INDEX stalls_by_market_status ON stalls (market_id, status);

CREATE TABLE vendors (
	id BIGSERIAL PRIMARY KEY,
	market_id BIGINT NOT NULL REFERENCES markets (id),
	stall_id BIGINT NOT NULL REFERENCES stalls (id),
	commune_code TEXT NOT NULL,
	province_code TEXT NOT NULL,
	full_name TEXT NOT NULL,
	name_folded TEXT NOT NULL,
	phone TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
	consent_at TIMESTAMPTZ NOT NULL,
	consent_by BIGINT NOT NULL DEFAULT 0,
	sign_version INTEGER NOT NULL DEFAULT 1,
	sign_printed_version INTEGER NOT NULL DEFAULT 0,
	transacting_at TIMESTAMPTZ,
	transacting_by BIGINT NOT NULL DEFAULT 0,
	registered_by BIGINT NOT NULL DEFAULT 0,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	deactivated_at TIMESTAMPTZ,
	deactivated_by BIGINT NOT NULL DEFAULT 0
);
-- One active vendor per stall.
CREATE UNIQUE INDEX vendors_one_active_per_stall ON vendors (stall_id) WHERE status = 'active';
CREATE INDEX vendors_by_market ON vendors (market_id, status, id);
CREATE INDEX vendors_by_commune ON vendors (commune_code, status, id);
CREATE INDEX vendors_by_province ON vendors (province_code, status, id);
CREATE INDEX vendors_by_phone ON vendors (phone);
CREATE INDEX vendors_by_name ON vendors (name_folded text_pattern_ops);

CREATE TABLE bank_accounts (
	id BIGSERIAL PRIMARY KEY,
	vendor_id BIGINT NOT NULL REFERENCES vendors (id),
	bin TEXT NOT NULL,
	account_number TEXT NOT NULL,
	holder_name TEXT NOT NULL,
	confirmation TEXT NOT NULL DEFAULT '',
	active BOOLEAN NOT NULL,
	is_primary BOOLEAN NOT NULL,
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at TIMESTAMPTZ NOT NULL,
	deactivated_at TIMESTAMPTZ
);
-- The same bank account is active on one vendor at most.
CREATE UNIQUE INDEX bank_accounts_one_active ON bank_accounts (bin, account_number) WHERE active;
-- One active primary account per vendor.
CREATE UNIQUE INDEX bank_accounts_one_primary ON bank_accounts (vendor_id) WHERE active AND is_primary;
CREATE INDEX bank_accounts_by_vendor ON bank_accounts (vendor_id);

CREATE TABLE sign_records (
	id BIGSERIAL PRIMARY KEY,
	vendor_id BIGINT NOT NULL REFERENCES vendors (id),
	market_id BIGINT NOT NULL REFERENCES markets (id),
	version INTEGER NOT NULL,
	bank_account_id BIGINT NOT NULL REFERENCES bank_accounts (id),
	payload TEXT NOT NULL,
	reason TEXT NOT NULL CHECK (reason IN ('new', 'reprint', 'bank_changed')),
	printed BOOLEAN NOT NULL,
	by_user BIGINT NOT NULL DEFAULT 0,
	at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sign_records_by_vendor ON sign_records (vendor_id, id);

CREATE TABLE users (
	id BIGSERIAL PRIMARY KEY,
	username TEXT NOT NULL,
	display_name TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL CHECK (role IN ('admin', 'province', 'commune', 'member')),
	province_code TEXT NOT NULL DEFAULT '',
	commune_codes TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	active BOOLEAN NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username);

CREATE TABLE sessions (
	token_hash BYTEA PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at TIMESTAMPTZ NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE vendor_links (
	id BIGSERIAL PRIMARY KEY,
	vendor_id BIGINT NOT NULL REFERENCES vendors (id),
	token_hash BYTEA NOT NULL,
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at TIMESTAMPTZ NOT NULL,
	revoked_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX vendor_links_token ON vendor_links (token_hash);
CREATE INDEX vendor_links_by_vendor ON vendor_links (vendor_id);

CREATE TABLE audit_log (
	id BIGSERIAL PRIMARY KEY,
	at TIMESTAMPTZ NOT NULL,
	actor_id BIGINT NOT NULL DEFAULT 0,
	action TEXT NOT NULL,
	entity TEXT NOT NULL,
	entity_id BIGINT NOT NULL,
	market_id BIGINT NOT NULL DEFAULT 0,
	before_json TEXT NOT NULL,
	after_json TEXT NOT NULL
);
CREATE INDEX audit_log_by_market ON audit_log (market_id, id);
CREATE INDEX audit_log_by_entity ON audit_log (entity, entity_id, id);

-- The counter outbox: the counts each committed change left a market with.
CREATE TABLE counter_events (
	id BIGSERIAL PRIMARY KEY,
	market_id BIGINT NOT NULL REFERENCES markets (id),
	commune_code TEXT NOT NULL,
	province_code TEXT NOT NULL,
	version BIGINT NOT NULL,
	stalls_declared BIGINT NOT NULL,
	stalls_active BIGINT NOT NULL,
	stalls_with_qr BIGINT NOT NULL,
	vendors BIGINT NOT NULL,
	vendors_with_qr BIGINT NOT NULL,
	signs_printed BIGINT NOT NULL,
	vendors_transacting BIGINT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX counter_events_by_market ON counter_events (market_id);
CREATE INDEX counter_events_by_commune ON counter_events (commune_code);
CREATE INDEX counter_events_by_province ON counter_events (province_code);
