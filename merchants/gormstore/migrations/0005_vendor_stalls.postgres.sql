-- A vendor may sell at several stalls of its market. vendor_stalls holds
-- every stall a vendor was given, active while the vendor holds it;
-- vendors.stall_id stays the vendor's main stall, one of its active ones
-- (its last one once the vendor is inactive). The rule "one active vendor
-- per stall" moves from vendors to this table.
CREATE TABLE vendor_stalls (
	id BIGSERIAL PRIMARY KEY,
	vendor_id BIGINT NOT NULL REFERENCES vendors (id),
	stall_id BIGINT NOT NULL REFERENCES stalls (id),
	market_id BIGINT NOT NULL REFERENCES markets (id),
	active BOOLEAN NOT NULL,
	assigned_by BIGINT NOT NULL DEFAULT 0,
	assigned_at TIMESTAMPTZ NOT NULL,
	released_by BIGINT NOT NULL DEFAULT 0,
	released_at TIMESTAMPTZ
);

-- Each vendor so far holds its one stall, or held it until deactivated.
INSERT INTO vendor_stalls (vendor_id, stall_id, market_id, active, assigned_by, assigned_at, released_by, released_at)
SELECT id, stall_id, market_id, status = 'active', registered_by, created_at, deactivated_by, deactivated_at
FROM vendors ORDER BY id;

-- One active vendor per stall.
CREATE UNIQUE INDEX vendor_stalls_one_active ON vendor_stalls (stall_id) WHERE active;
CREATE INDEX vendor_stalls_by_vendor ON vendor_stalls (vendor_id, id);
CREATE INDEX vendor_stalls_by_market ON vendor_stalls (market_id) WHERE active;
DROP INDEX vendors_one_active_per_stall;
