package merchants

import "testing"

// FuzzDecodeCursor checks that any cursor a client sends either decodes
// to a positive ID or is reported as a field problem, and that cursors the
// server issues read back as their ID.
func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{"", encodeCursor(1), encodeCursor(1 << 62), "djE6", "djE6LTE", "nope", "%%%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var p problems
		id := decodeCursor(&p, s)
		switch {
		case s == "" && (id != 0 || len(p) != 0):
			t.Fatalf("empty cursor: id %d, problems %v", id, p)
		case s != "" && (id > 0) == (len(p) > 0):
			t.Fatalf("cursor %q: id %d, problems %v; want exactly one", s, id, p)
		}
		if id > 0 {
			var q problems
			if again := decodeCursor(&q, encodeCursor(id)); again != id || len(q) != 0 {
				t.Fatalf("cursor of %d reads back as %d, %v", id, again, q)
			}
		}
	})
}
