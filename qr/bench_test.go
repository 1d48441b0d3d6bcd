package qr

import (
	"io"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// The benchmarks do the work the README's Performance section compares
// with vietnam-qr-pay (npm) in the same run: see bench/README.md.

// BenchmarkEncode builds the stall-sign payload: static code, BIN 970436,
// account 0011001234567, purpose "THANH TOAN HANG".
func BenchmarkEncode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(stallSign); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode reads that payload back.
func BenchmarkDecode(b *testing.B) {
	payload, err := Encode(stallSign)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPNG512 renders that payload as a 512-pixel PNG from scratch:
// the matrix and the image.
func BenchmarkPNG512(b *testing.B) {
	payload, err := Encode(stallSign)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m, err := NewMatrix(payload, ECMedium)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.WritePNG(io.Discard, 512); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPNG512Skip2 is the same work through skip2/go-qrcode's own
// PNG path, the baseline for BenchmarkPNG512.
func BenchmarkPNG512Skip2(b *testing.B) {
	payload, err := Encode(stallSign)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := qrcode.Encode(payload, qrcode.Medium, 512); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWritePNG512 renders a matrix computed once, as a print run of
// signs or repeated downloads do.
func BenchmarkWritePNG512(b *testing.B) {
	m := stallSignMatrix(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := m.WritePNG(io.Discard, 512); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteSVG renders the same matrix as SVG.
func BenchmarkWriteSVG(b *testing.B) {
	m := stallSignMatrix(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := m.WriteSVG(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// stallSignMatrix is the matrix of the stall-sign payload at level M.
func stallSignMatrix(b *testing.B) *Matrix {
	b.Helper()
	payload, err := Encode(stallSign)
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewMatrix(payload, ECMedium)
	if err != nil {
		b.Fatal(err)
	}
	return m
}
