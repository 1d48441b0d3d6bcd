-- A vendor with several stalls hangs a sign at each: which sign version was
-- printed is kept per stall held, so a stall whose sign is outdated is
-- found, and a printed sign record names its stall (NULL for records from
-- before, and for issued payloads, which belong to no stall).
ALTER TABLE vendor_stalls ADD COLUMN sign_printed_version INTEGER NOT NULL DEFAULT 0;

UPDATE vendor_stalls SET sign_printed_version = (
	SELECT v.sign_printed_version FROM vendors v WHERE v.id = vendor_stalls.vendor_id);

ALTER TABLE sign_records ADD COLUMN stall_id BIGINT REFERENCES stalls (id);
