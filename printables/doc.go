// Package printables draws VietQR stall signs as PDF: one sign on A6, A5
// or A4, or a whole market on A4 sheets of 2×A5 or 4×A6 with cut marks,
// streamed into one PDF or a ZIP of PDFs. Text is set in Noto Sans,
// embedded with its licence (fonts/OFL.txt), and every rune is checked for
// a glyph before anything is drawn. The QR is vector rectangles with a
// 4-module quiet zone at error-correction level M, and its payload is
// decoded again and compared with the sign before a PDF is written.
// Output is deterministic: the same signs give the same bytes.
// RenderCard draws the same sign as a PNG share card (1080 × 1350, for
// Zalo and Facebook) with the same faces, rasterised by
// golang.org/x/image (BSD licence). It takes its own Sign type and imports
// only qr from this module.
package printables
