-- Administrative units (provinces and commune-level units), filled by one
-- generated migration per edition of merchants/units (0071 onwards, see
-- units.go). A unit no later edition lists stays, with in_force false, so
-- the markets that name it keep their meaning.
CREATE TABLE admin_units (
	code TEXT PRIMARY KEY,
	level TEXT NOT NULL CHECK (level IN ('province', 'commune')),
	type TEXT NOT NULL,
	name TEXT NOT NULL,
	name_folded TEXT NOT NULL,
	province_code TEXT NOT NULL DEFAULT '',
	edition TEXT NOT NULL,
	in_force BOOLEAN NOT NULL
);
CREATE INDEX admin_units_by_province ON admin_units (province_code, code);
CREATE INDEX admin_units_by_name ON admin_units (name_folded);
