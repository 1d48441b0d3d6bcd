// Package qr builds and reads VietQR payloads (the NAPAS profile of EMVCo
// merchant-presented QR): a strict encoder, a lenient decoder that reports
// what real bank apps do differently, Vietnamese-to-ASCII transliteration,
// the embedded bank directory and the QR module matrix used for PNG, SVG
// and PDF output. It imports nothing from the rest of the module.
//
// Encode refuses, with a *FieldError per broken rule, anything the spec or
// the bank apps would reject; Decode accepts what real apps print (lower-case
// CRC, empty and unknown tags, any order, wallet templates, byte lengths)
// and lists every deviation in Decoded.Warnings, failing only on a wrong
// CRC (ErrCRC), a broken structure (ErrTLV) or a code of another scheme
// such as VNPAY-QR (ErrNotVietQR). The rules and the real-world deviations
// are those of the shared VietQR notes (SPEC-NOTES.md), whose test vectors
// are in testdata/vectors.json.
//
// Nothing in the package is mutable: the bank directory is parsed once and
// handed out as copies, and a Matrix never changes after NewMatrix.
package qr
