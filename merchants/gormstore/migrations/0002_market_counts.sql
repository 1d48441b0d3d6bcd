-- Each market's counts as of its counter version, kept beside it so a
-- registration moves them by exact deltas under the market row lock
-- instead of recounting the market (EmitMarketDelta). Every other change
-- recounts the market from the base tables and stores the result here
-- (EmitMarketCounts); RecountMarkets never reads these columns, so a
-- reconcile still compares the counters with the base tables.
ALTER TABLE markets ADD COLUMN stalls_active BIGINT NOT NULL DEFAULT 0;
ALTER TABLE markets ADD COLUMN stalls_with_qr BIGINT NOT NULL DEFAULT 0;
ALTER TABLE markets ADD COLUMN vendors BIGINT NOT NULL DEFAULT 0;
ALTER TABLE markets ADD COLUMN vendors_with_qr BIGINT NOT NULL DEFAULT 0;
ALTER TABLE markets ADD COLUMN signs_printed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE markets ADD COLUMN vendors_transacting BIGINT NOT NULL DEFAULT 0;

UPDATE markets SET
	stalls_active = (SELECT COUNT(*) FROM stalls s WHERE s.market_id = markets.id AND s.status = 'active'),
	stalls_with_qr = (SELECT COUNT(*) FROM vendors v JOIN stalls s ON s.id = v.stall_id
		WHERE v.market_id = markets.id AND v.status = 'active' AND s.status = 'active'
		AND EXISTS (SELECT 1 FROM bank_accounts b WHERE b.vendor_id = v.id AND b.active)),
	vendors = (SELECT COUNT(*) FROM vendors v WHERE v.market_id = markets.id AND v.status = 'active'),
	vendors_with_qr = (SELECT COUNT(*) FROM vendors v WHERE v.market_id = markets.id AND v.status = 'active'
		AND EXISTS (SELECT 1 FROM bank_accounts b WHERE b.vendor_id = v.id AND b.active)),
	signs_printed = (SELECT COUNT(*) FROM vendors v WHERE v.market_id = markets.id AND v.status = 'active'
		AND v.sign_printed_version > 0 AND v.sign_printed_version = v.sign_version),
	vendors_transacting = (SELECT COUNT(*) FROM vendors v WHERE v.market_id = markets.id AND v.status = 'active'
		AND v.transacting_at IS NOT NULL);
