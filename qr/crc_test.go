package qr

import (
	"math/rand/v2"
	"testing"
)

// crcBitwise is the textbook bit-at-a-time CRC-16/CCITT-FALSE the sliced
// table must agree with.
func crcBitwise(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, c := range b {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

func TestCRC16(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want uint16
	}{
		{"catalogue check value", "123456789", 0x29B1},
		{"empty", "", 0xFFFF},
		// NAPAS-VN §6.1.1 prints F4E5 for its (erroneous) static example.
		{"NAPAS §6.1.1 as printed", "00020101021138570010A00000072701270006970403011200110123456780208QRIBFTTA53037045802VN6304", 0xF4E5},
		{"NAPAS §6.1.1 corrected", "00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN6304", 0x9E6F},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := crc16(tt.in); got != tt.want {
				t.Errorf("crc16(string) = %04X, want %04X", got, tt.want)
			}
			if got := crc16([]byte(tt.in)); got != tt.want {
				t.Errorf("crc16([]byte) = %04X, want %04X", got, tt.want)
			}
		})
	}
}

func TestCRC16MatchesBitwise(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 300 { // every length mod 8, both loops of the slicing
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		if got, want := crc16(b), crcBitwise(b); got != want {
			t.Fatalf("len %d: crc16 = %04X, bitwise = %04X", n, got, want)
		}
		if got, ascii := crc16ASCII(string(b)); got != crcBitwise(b) || ascii != isASCII(string(b)) {
			t.Fatalf("len %d: crc16ASCII = %04X, %v", n, got, ascii)
		}
		b7 := make([]byte, n) // the same length, all ASCII
		for i := range b7 {
			b7[i] = b[i] & 0x7F
		}
		if got, ascii := crc16ASCII(string(b7)); got != crcBitwise(b7) || !ascii {
			t.Fatalf("len %d ASCII: crc16ASCII = %04X, %v", n, got, ascii)
		}
	}
}

func TestAppendCRCHex(t *testing.T) {
	for _, tt := range []struct {
		crc  uint16
		want string
	}{{0x0283, "0283"}, {0x04FA, "04FA"}, {0, "0000"}, {0xABCD, "ABCD"}} {
		if got := string(appendCRCHex(nil, tt.crc)); got != tt.want {
			t.Errorf("appendCRCHex(%#x) = %q, want %q", tt.crc, got, tt.want)
		}
	}
}
