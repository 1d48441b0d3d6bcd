package qr

import (
	"fmt"
	"unicode/utf8"
)

// scanner walks a sequence of data objects (ID, length, value), the shape
// of the whole payload and of every template inside it.
type scanner struct {
	s     string
	i     int  // byte offset of the next object in s
	base  int  // byte offset of s inside the payload, for error messages
	runes bool // lengths count characters (the spec) rather than bytes
	where string
}

func newScanner(s string, base int, runes bool, where string) scanner {
	return scanner{s: s, base: base, runes: runes, where: where}
}

func (sc *scanner) more() bool { return sc.i < len(sc.s) }

// next returns the next object: its ID, its value and the payload offset
// of its ID. The error wraps ErrTLV.
func (sc *scanner) next() (id int, val string, off int, err error) {
	off = sc.base + sc.i
	s := sc.s[sc.i:]
	if len(s) < 4 {
		return 0, "", off, fmt.Errorf("%w: %sat offset %d, %q is too short for an ID and a length", ErrTLV, sc.where, off, s)
	}
	id, okID := num2(s[0], s[1])
	n, okLen := num2(s[2], s[3])
	if !okID || !okLen {
		return 0, "", off, fmt.Errorf("%w: %sat offset %d, %q is not a 2-digit ID and a 2-digit length", ErrTLV, sc.where, off, s[:4])
	}
	s = s[4:]
	end := n
	if sc.runes {
		end = runeOffset(s, n)
	}
	if end < 0 || end > len(s) {
		have := len(s)
		if sc.runes {
			have = utf8.RuneCountInString(s)
		}
		return 0, "", off, fmt.Errorf("%w: %stag %02d at offset %d declares %d characters but only %d remain", ErrTLV, sc.where, id, off, n, have)
	}
	sc.i += 4 + end
	return id, s[:end], off, nil
}

// runeOffset returns the byte offset just past the first n characters of
// s, or -1 when s has fewer.
func runeOffset(s string, n int) int {
	i := 0
	for ; n > 0; n-- {
		if i >= len(s) {
			return -1
		}
		if s[i] < utf8.RuneSelf {
			i++
		} else {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
	}
	return i
}

func num2(a, b byte) (int, bool) {
	if a < '0' || a > '9' || b < '0' || b > '9' {
		return 0, false
	}
	return int(a-'0')*10 + int(b-'0'), true
}

// tagSet records which IDs 00–99 a sequence has used.
type tagSet [2]uint64

func (t *tagSet) add(id int) (dup bool) {
	w, bit := id/64, uint64(1)<<(id%64)
	dup = t[w]&bit != 0
	t[w] |= bit
	return dup
}

func (t *tagSet) has(id int) bool { return t[id/64]&(uint64(1)<<(id%64)) != 0 }
