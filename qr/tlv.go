package qr

import (
	"fmt"
	"unicode/utf8"
)

// scanner walks a sequence of data objects (ID, length, value), the shape
// of the whole payload and of every template inside it:
//
//	sc := scanner{s: s, runes: runes}
//	for id, val, off, ok := sc.next(); ok; id, val, off, ok = sc.next() {
//		…
//	}
//	if sc.err != nil { … }
//
// next hands the object back in registers rather than in the scanner's
// fields: this loop is most of the decoder's time, and a value stored in
// the scanner only for the caller to load it again costs a round trip
// through memory (and a write barrier while the GC runs).
type scanner struct {
	s     string
	i     int    // byte offset of the next object in s
	base  int    // byte offset of s inside the payload, for error messages
	runes bool   // lengths count characters (the spec) rather than bytes
	where string // "in tag 38, ": where s sits, for error messages
	seen  tagSet

	err error // why next returned false early; wraps ErrTLV
}

// next returns the next object: its ID, its value and the payload offset
// of its ID. ok is false at the end, or when the object is malformed or
// repeats an ID (sc.err).
func (sc *scanner) next() (id int, val string, off int, ok bool) {
	s := sc.s[sc.i:]
	// The common case, byte lengths and a well-formed object, is kept
	// short; every other case goes through nextSlow.
	if len(s) >= 4 && !sc.runes {
		a, b, c, d := s[0]-'0', s[1]-'0', s[2]-'0', s[3]-'0' // bytes: below '0' wraps above 9
		if n := int(c)*10 + int(d); a <= 9 && b <= 9 && c <= 9 && d <= 9 && n <= len(s)-4 {
			id, off = int(a)*10+int(b), sc.base+sc.i
			sc.i += 4 + n
			if sc.seen.add(id) {
				return sc.duplicate(id, off)
			}
			return id, s[4 : 4+n], off, true
		}
	}
	return sc.nextSlow(s)
}

func (sc *scanner) nextSlow(s string) (id int, val string, off int, ok bool) {
	if len(s) == 0 {
		return 0, "", 0, false
	}
	off = sc.base + sc.i
	if len(s) < 4 {
		sc.err = fmt.Errorf("%w: %sat offset %d, %q is too short for an ID and a length", ErrTLV, sc.where, off, s)
		return 0, "", 0, false
	}
	id, okID := num2(s[0], s[1])
	n, okLen := num2(s[2], s[3])
	if !okID || !okLen {
		sc.err = fmt.Errorf("%w: %sat offset %d, %q is not a 2-digit ID and a 2-digit length", ErrTLV, sc.where, off, s[:4])
		return 0, "", 0, false
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
		sc.err = fmt.Errorf("%w: %stag %02d at offset %d declares %d characters but only %d remain", ErrTLV, sc.where, id, off, n, have)
		return 0, "", 0, false
	}
	sc.i += 4 + end
	if sc.seen.add(id) {
		return sc.duplicate(id, off)
	}
	return id, s[:end], off, true
}

// duplicate records that object id at off repeats an ID and returns
// next's answer for it.
func (sc *scanner) duplicate(id, off int) (int, string, int, bool) {
	sc.err = fmt.Errorf("%w: %stag %02d at offset %d appears a second time", ErrTLV, sc.where, id, off)
	return 0, "", 0, false
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
	w, bit := uint(id)/64, uint64(1)<<(uint(id)%64)
	dup = t[w]&bit != 0
	t[w] |= bit
	return dup
}

func (t *tagSet) has(id int) bool { return t[uint(id)/64]&(uint64(1)<<(uint(id)%64)) != 0 }
