-- The payee checked before the first print: how and by whom a bank
-- account's holder name was checked (bank_app_name, officer_override or
-- legacy); verified_at is NULL while it is not, and its signs do not print.
ALTER TABLE bank_accounts ADD COLUMN verified_at DATETIME;
ALTER TABLE bank_accounts ADD COLUMN verified_by BIGINT NOT NULL DEFAULT 0;
ALTER TABLE bank_accounts ADD COLUMN verify_method TEXT NOT NULL DEFAULT ''
	CHECK (verify_method IN ('', 'bank_app_name', 'officer_override', 'legacy'));

-- Accounts stored before this change keep printing: verified by legacy,
-- and on the revisit list until someone checks them.
UPDATE bank_accounts SET verified_at = created_at, verify_method = 'legacy';
