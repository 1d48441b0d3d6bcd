-- What the team did for the vendor (issue 16): each kind of help a vendor
-- got (a payment account opened, a banking app installed, a SIM
-- registered), once, with its market's unit so reports count it per
-- period without reading vendors.
CREATE TABLE vendor_assists (
	vendor_id BIGINT NOT NULL REFERENCES vendors (id),
	kind TEXT NOT NULL CHECK (kind IN ('account_opened', 'app_installed', 'sim_registered')),
	market_id BIGINT NOT NULL,
	commune_code TEXT NOT NULL,
	province_code TEXT NOT NULL,
	by_user BIGINT NOT NULL DEFAULT 0,
	at TIMESTAMP NOT NULL,
	PRIMARY KEY (vendor_id, kind)
);
CREATE INDEX vendor_assists_by_commune ON vendor_assists (commune_code, at);
CREATE INDEX vendor_assists_by_province ON vendor_assists (province_code, at);
