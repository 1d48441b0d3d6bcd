package tabular

import "fmt"

// Limits of an XLSX file. An XLSX file is a ZIP archive of XML parts, and a
// few hundred kilobytes of it can unpack to gigabytes, so every part must
// fit what MaxRows rows need before anything is read, and again while it
// is read (the ZIP directory may lie). The sizes are derived from the rows:
//
//	rows    xlsxSheetRows = MaxRows + 2×headerSearchRows (title and header rows) = 20,020
//	cells   MaxXLSXCells = xlsxSheetRows × xlsxColumns (32 per row) = 640,640
//	text    xlsxRowText = 1 KiB per row on average (the longest real vendor
//	        row, every column filled in Vietnamese, is about 600 bytes)
//	sheet   MaxSheetBytes = xlsxSheetRows × (32 × 80 bytes of cell markup
//	        + 128 bytes of row markup + 1 KiB of text) ≈ 70.9 MiB
//	strings MaxSharedStrings = MaxXLSXCells (every cell a different text),
//	        MaxSharedStringsText = xlsxSheetRows × 1 KiB ≈ 19.6 MiB of text,
//	        MaxSharedStringsBytes = 640,640 × 64 bytes of markup + the text ≈ 58.7 MiB
//	others  MaxXLSXOtherPartBytes = 16 MiB each (styles, theme, drawings…)
//	file    MaxXLSXBytes = sheet + strings + 16 MiB ≈ 145.5 MiB unpacked in all,
//	        MaxXLSXParts = 256 parts, MaxCompressionRatio = 100:1 for a part
//	        over 1 MiB, MaxXLSXFileBytes = 32 MiB packed
//
// The sheet is read as a stream and the shared strings are kept as plain
// strings, so reading a file at every limit holds about 30 MiB (the
// strings) besides the rows themselves.
const (
	// MaxRows is the most data rows a file may hold (an import applies
	// them in one transaction; merchants.MaxImportRows is this).
	MaxRows = 20_000

	xlsxSheetRows = MaxRows + 2*headerSearchRows
	xlsxColumns   = 32
	xlsxCellBytes = 80   // <c r="AF20020" s="65535" t="inlineStr"><is><t xml:space="preserve"></t></is></c>
	xlsxRowBytes  = 128  // <row r="20020" spans="1:32" ht="15" customHeight="1" x14ac:dyDescent="0.25"></row>
	xlsxRowText   = 1024 // text per row, on average
	xlsxSIBytes   = 64   // <si><t xml:space="preserve"></t></si>, with room for a formatted run

	// MaxXLSXCells is the most cells the sheet may hold.
	MaxXLSXCells = xlsxSheetRows * xlsxColumns
	// MaxSheetBytes is the most the first sheet's part may unpack to.
	MaxSheetBytes = xlsxSheetRows * (xlsxColumns*xlsxCellBytes + xlsxRowBytes + xlsxRowText)
	// MaxSharedStrings is the most strings the shared-strings part may hold.
	MaxSharedStrings = MaxXLSXCells
	// MaxSharedStringsText is the most text, in bytes, the shared strings
	// may hold together.
	MaxSharedStringsText = xlsxSheetRows * xlsxRowText
	// MaxSharedStringsBytes is the most the shared-strings part may unpack to.
	MaxSharedStringsBytes = MaxSharedStrings*xlsxSIBytes + MaxSharedStringsText
	// MaxXLSXOtherPartBytes is the most any other part may unpack to.
	MaxXLSXOtherPartBytes = 16 << 20
	// MaxXLSXBytes is the most all parts together may unpack to.
	MaxXLSXBytes = MaxSheetBytes + MaxSharedStringsBytes + MaxXLSXOtherPartBytes
	// MaxXLSXParts is the most parts (files in the archive) a workbook may
	// have: a one-sheet workbook saved by Excel has about 10.
	MaxXLSXParts = 256
	// MaxCompressionRatio is the most a part over 1 MiB may be compressed
	// (unpacked size ÷ packed size): a real sheet packs 5–30 times, a
	// crafted one 1,000 times.
	MaxCompressionRatio = 100
	// MaxXLSXFileBytes is the most an XLSX file itself may weigh.
	MaxXLSXFileBytes = 32 << 20

	ratioFloor = 1 << 20
)

// LimitError is returned by NewReader and Reader.Next when a file is
// larger, or would unpack larger, than a limit allows. It names the part
// of the file, the limit and what is allowed, so that the person can split
// the file.
type LimitError struct {
	// Part is the part of the file at fault: "the file" or a path in the
	// XLSX archive ("xl/sharedStrings.xml").
	Part string
	// Limit says what is limited: "unpacked size", "packed size",
	// "compression ratio", "parts", "shared strings", "shared strings'
	// text" or "cells".
	Limit string
	// Got is what the file has (0 when reading stopped at the limit);
	// Allowed is the limit, in the unit of Limit (bytes, a ratio, a count).
	Got, Allowed int64
}

func (e *LimitError) Error() string {
	got := "more than the limit"
	if e.Got > 0 {
		got = fmt.Sprint(e.Got)
	}
	return fmt.Sprintf("%s: %s %s, at most %d allowed (enough for %d rows); split the file or save it as CSV UTF-8",
		e.Part, e.Limit, got, e.Allowed, MaxRows)
}
