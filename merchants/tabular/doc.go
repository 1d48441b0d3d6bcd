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
// Hard limits keep a hostile file from taking the process down: at most
// MaxRows data rows (20,000), MaxColumns cells a row, MaxCellBytes a cell.
// An XLSX file is a ZIP archive whose parts may unpack to far more than
// the file weighs, so the reader refuses, with a *LimitError naming the
// part, the limit and what is allowed, any file whose parts would unpack
// past what MaxRows rows need: the first sheet past MaxSheetBytes (70.9
// MiB) or MaxXLSXCells cells (640,640), the shared strings past
// MaxSharedStringsBytes (58.7 MiB), MaxSharedStrings strings (640,640) or
// MaxSharedStringsText bytes of text (19.6 MiB), another part past 16 MiB,
// all parts past MaxXLSXBytes (145.5 MiB), more than MaxXLSXParts parts
// (256), a part over 1 MiB packed more than MaxCompressionRatio (100:1),
// or a file over MaxXLSXFileBytes (32 MiB). Sizes are checked in the ZIP
// directory and again while reading, since the directory may lie; shared
// strings are counted as they are read, before the sheet is. limits.go
// derives each limit from MaxRows. The sheet is streamed, so reading a
// file at every limit holds about 30 MiB besides the rows returned.
//
// A Writer writes a header and rows in either format, streaming, so that a
// large export never holds the whole table in memory.
package tabular
