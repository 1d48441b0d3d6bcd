package printables

import (
	"io"
	"syscall"
	"testing"
)

// The benchmarks compare the shipped paths with a plain baseline measured
// in the same run:
//
//   - baseline: fonts parsed for each document (NewRenderer per call),
//     signs prepared one after another on the drawing goroutine;
//   - shipped: one Renderer shared by every call, and in a batch the QR
//     matrices (with validation, self-check and layout) computed on every
//     core while the document is drawn in order.
//
// Run: go test -run '^$' -bench 'SignA6|MarketBatch1000' -benchmem -count 5 ./printables/

func BenchmarkSignA6(b *testing.B) {
	s := vendorSign()
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r, err := NewRenderer()
			if err != nil {
				b.Fatal(err)
			}
			if err := r.RenderSign(io.Discard, s, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("shared", func(b *testing.B) {
		r := renderer(b)
		b.ReportAllocs()
		for b.Loop() {
			if err := r.RenderSign(io.Discard, s, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkMarketBatch1000(b *testing.B) {
	signs := marketSigns(1000)
	opt := Options{Sheet: SheetA4x4}
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := plainBatch(io.Discard, signs, opt); err != nil {
				b.Fatal(err)
			}
		}
		reportRSS(b)
	})
	b.Run("pipeline", func(b *testing.B) {
		r := renderer(b)
		b.ReportAllocs()
		for b.Loop() {
			batch, err := r.NewBatch(io.Discard, BatchOptions{Options: opt, PerFile: len(signs)})
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range signs {
				if err := batch.Add(s); err != nil {
					b.Fatal(err)
				}
			}
			if err := batch.Close(); err != nil {
				b.Fatal(err)
			}
		}
		reportRSS(b)
	})
}

// plainBatch is the baseline: fonts parsed for the document, every sign
// prepared and drawn in turn on one goroutine, one PDF.
func plainBatch(w io.Writer, signs []Sign, opt Options) error {
	r, err := NewRenderer()
	if err != nil {
		return err
	}
	opt, err = opt.normalized()
	if err != nil {
		return err
	}
	d := r.newDocument(opt)
	for _, s := range signs {
		p, err := r.prepare(s, opt)
		if err != nil {
			return err
		}
		d.add(p)
	}
	return d.output(w)
}

// reportRSS reports the process's peak resident set so far. It only grows,
// so run one benchmark per process to read a benchmark's own peak.
func reportRSS(b *testing.B) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	}
}
