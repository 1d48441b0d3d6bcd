// Package tabular reads and writes the simple tables that communes keep in
// spreadsheets: CSV (UTF-8 with or without a byte-order mark, comma,
// semicolon or tab separated) and XLSX (the first sheet).
//
// A Reader maps the header row onto canonical columns through a Schema:
// header names are matched case-, diacritic- and punctuation-insensitively
// against each column's key and aliases, so "Số điện thoại", "SO DIEN
// THOAI", "so_dien_thoai" and "Phone" can all name the column "phone".
// Every row it returns carries its line (CSV) or row (XLSX) number, so that
// errors point at the place a person can find in the file. Values come back
// trimmed and NFC-normalised.
//
// A Writer writes a header and rows in either format, streaming, so that a
// large export never holds the whole table in memory.
package tabular
