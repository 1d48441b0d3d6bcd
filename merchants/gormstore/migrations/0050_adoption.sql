-- Adoption: chợ 4.0 thresholds per province, targets per commune or
-- province, and daily snapshots of every market's counts for time series
-- and reports of past periods. Days are TEXT 'YYYY-MM-DD' (a calendar day
-- in Vietnam), which sorts and compares the same on both databases.

CREATE TABLE IF NOT EXISTS adoption_thresholds (
	province_code TEXT PRIMARY KEY,
	threshold DOUBLE PRECISION NOT NULL CHECK (threshold > 0 AND threshold <= 1),
	updated_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS adoption_targets (
	province_code TEXT NOT NULL,
	commune_code TEXT NOT NULL DEFAULT '',
	due TEXT NOT NULL,
	cho40_share DOUBLE PRECISION NOT NULL CHECK (cho40_share > 0 AND cho40_share <= 1),
	updated_at TIMESTAMP NOT NULL,
	PRIMARY KEY (province_code, commune_code, due)
);

CREATE TABLE IF NOT EXISTS adoption_snapshots (
	market_id BIGINT NOT NULL,
	day TEXT NOT NULL,
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
	PRIMARY KEY (market_id, day)
);
CREATE INDEX IF NOT EXISTS adoption_snapshots_by_commune ON adoption_snapshots (commune_code, day);
CREATE INDEX IF NOT EXISTS adoption_snapshots_by_province ON adoption_snapshots (province_code, day);
CREATE INDEX IF NOT EXISTS adoption_snapshots_by_day ON adoption_snapshots (day);

-- Per team member counts group a commune's or province's vendors by who
-- registered them.
CREATE INDEX IF NOT EXISTS vendors_by_registrar ON vendors (registered_by, status);
