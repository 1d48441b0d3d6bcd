package qr

import "unicode/utf8"

// CRC-16/CCITT-FALSE (ISO/IEC 13239 as NAPAS and EMVCo use it): polynomial
// 0x1021, initial value 0xFFFF, no reflection, no final XOR.
//
// crcTable is slicing-by-8 (the technique hash/crc32 uses): crcTable[k][v]
// is the CRC, from a zero register, of the byte v followed by k zero bytes.
// Because the CRC is linear, eight input bytes fold into the register with
// eight table lookups instead of eight dependent shift-and-lookup steps.
// Only two of the lookups depend on the register, and Go evaluates a chain
// of XORs left to right, so the loops XOR the six independent lookups
// first: the next round then waits for one lookup and two XORs, not for
// the whole chain (about 40% faster on a 113-byte payload).
// The table is computed once at start-up and only ever read.
var crcTable = makeCRCTable()

const crcPoly = 0x1021

func makeCRCTable() *[8][256]uint16 {
	t := new([8][256]uint16)
	for v := range 256 {
		crc := uint16(v) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ crcPoly
			} else {
				crc <<= 1
			}
		}
		t[0][v] = crc
	}
	for k := 1; k < 8; k++ {
		for v := range 256 {
			prev := t[k-1][v]
			t[k][v] = prev<<8 ^ t[0][prev>>8]
		}
	}
	return t
}

// crc16 returns the CRC-16/CCITT-FALSE of b; it takes a string or a byte
// slice so that neither encoding nor decoding copies its input.
func crc16[T string | []byte](b T) uint16 {
	t := crcTable
	crc := uint16(0xFFFF)
	for len(b) >= 8 {
		_ = b[7] // one bounds check for the eight bytes
		crc = t[5][b[2]] ^ t[4][b[3]] ^ t[3][b[4]] ^ t[2][b[5]] ^ t[1][b[6]] ^ t[0][b[7]] ^
			t[7][byte(crc>>8)^b[0]] ^ t[6][byte(crc)^b[1]]
		b = b[8:]
	}
	for i := 0; i < len(b); i++ {
		crc = crc<<8 ^ t[0][byte(crc>>8)^b[i]]
	}
	return crc
}

// crc16ASCII is crc16 for the decoder, which also needs to know whether
// the payload is all ASCII: the same pass over the bytes answers both.
func crc16ASCII(s string) (crc uint16, ascii bool) {
	t := crcTable
	crc = 0xFFFF
	var high byte // OR of every byte: its top bit says "not ASCII"
	for len(s) >= 8 {
		_ = s[7]
		high |= s[0] | s[1] | s[2] | s[3] | s[4] | s[5] | s[6] | s[7]
		crc = t[5][s[2]] ^ t[4][s[3]] ^ t[3][s[4]] ^ t[2][s[5]] ^ t[1][s[6]] ^ t[0][s[7]] ^
			t[7][byte(crc>>8)^s[0]] ^ t[6][byte(crc)^s[1]]
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		high |= s[i]
		crc = crc<<8 ^ t[0][byte(crc>>8)^s[i]]
	}
	return crc, high < utf8.RuneSelf
}

const upperHex = "0123456789ABCDEF"

// appendCRCHex appends crc as four upper-case, zero-padded hex digits.
func appendCRCHex(dst []byte, crc uint16) []byte {
	return append(dst, upperHex[crc>>12], upperHex[crc>>8&0xF], upperHex[crc>>4&0xF], upperHex[crc&0xF])
}
