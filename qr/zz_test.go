package qr

import "testing"

var sinkI int

func BenchmarkZScan(b *testing.B) {
	p, _ := Encode(stallSign)
	for b.Loop() {
		n := 0
		sc := newScanner(p, 0, false, "")
		for sc.next() {
			n += sc.id
			if sc.id == 38 || sc.id == 62 {
				t := newScanner(sc.val, 0, false, "")
				for t.next() {
					n += t.id
					if t.id == 1 && sc.id == 38 {
						u := newScanner(t.val, 0, false, "")
						for u.next() {
							n += u.id
						}
					}
				}
			}
		}
		sinkI = n
	}
}
func BenchmarkZCRC(b *testing.B) {
	p, _ := Encode(stallSign)
	for b.Loop() {
		sinkI = int(crc16(p[:len(p)-4]))
	}
}
func BenchmarkZASCII(b *testing.B) {
	p, _ := Encode(stallSign)
	for b.Loop() {
		if isASCII(p) {
			sinkI++
		}
	}
}
func BenchmarkZBox(b *testing.B) {
	for b.Loop() {
		x := new([2]string)
		x[0] = "a"
		sinkS = &x[0]
	}
}

var sinkS *string
