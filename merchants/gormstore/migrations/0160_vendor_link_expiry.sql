-- A vendor's private link may end on a date set when it is made (none:
-- it lasts until revoked).
ALTER TABLE vendor_links ADD COLUMN expires_at TIMESTAMP;
