// Package qr builds and reads VietQR payloads (the NAPAS profile of EMVCo
// merchant-presented QR): a strict encoder, a lenient decoder that reports
// what real bank apps do differently, Vietnamese-to-ASCII transliteration,
// the embedded bank directory and the QR module matrix used for PNG, SVG
// and PDF output. It imports nothing from the rest of the module.
package qr
