package printables

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// MaxBatch is the most signs one batch takes: the largest market.
const MaxBatch = 2000

// DefaultPerFile is how many signs one PDF of a batch holds when
// BatchOptions.PerFile is 0. A document is built in memory before it is
// written (gofpdf needs the whole document to write its cross-reference
// table), so this bounds a batch's memory whatever its length.
const DefaultPerFile = 500

// Format is what a batch writes.
type Format int

// The batch formats.
const (
	FormatPDF Format = iota // one PDF: the batch fit in one file
	FormatZIP               // a ZIP of PDFs, PerFile signs each, in order
)

// ContentType returns the format's media type.
func (f Format) ContentType() string {
	if f == FormatZIP {
		return "application/zip"
	}
	return "application/pdf"
}

// Ext returns the format's file name extension, dot included.
func (f Format) Ext() string {
	if f == FormatZIP {
		return ".zip"
	}
	return ".pdf"
}

// BatchOptions configure a Batch.
type BatchOptions struct {
	Options
	// PerFile is how many signs one PDF holds; 0 means DefaultPerFile.
	// A batch with more signs is written as a ZIP of PDFs.
	PerFile int
	// Workers is how many signs are prepared (validated, encoded,
	// self-checked, QR computed, laid out) at once; 0 means GOMAXPROCS.
	Workers int
	// Begin, when set, is called once with the format just before the
	// first byte is written (an HTTP handler sets Content-Type there). It
	// is not called when the batch fails before writing anything. Begin
	// and the writes to w run on the batch's own goroutine: leave w alone
	// until Close returns.
	Begin func(Format)
}

// Batch streams many signs into one PDF, or a ZIP of PDFs when there are
// more than PerFile. Signs are added one at a time; several are prepared
// concurrently while the document is drawn in order, and at most one
// document of PerFile signs plus a small window of prepared signs is held
// in memory.
//
// Add and Close must be called from one goroutine.
type Batch struct {
	r      *Renderer
	w      io.Writer
	opt    BatchOptions
	added  int
	limit  int // MaxBatch; lowered by tests
	closed bool

	jobs    chan job
	futures chan chan result
	wg      sync.WaitGroup // the workers
	done    chan error     // the writer's result

	mu  sync.Mutex
	err error // first failure, seen by Add
}

// SignError is a batch's error for one sign: its 1-based position in the
// order signs were added, its stall code and why it cannot be printed.
type SignError struct {
	N     int
	Stall string
	Err   error
}

func (e *SignError) Error() string {
	return fmt.Sprintf("sign %d (stall %q): %v", e.N, e.Stall, e.Err)
}

func (e *SignError) Unwrap() error { return e.Err }

type job struct {
	n      int // 1-based position in the batch
	sign   Sign
	result chan result
}

type result struct {
	p   *prepared
	err error
}

// NewBatch starts a batch writing to w. It returns a *FieldError when the
// options are invalid.
func (r *Renderer) NewBatch(w io.Writer, opt BatchOptions) (*Batch, error) {
	o, err := opt.Options.normalized()
	if err != nil {
		return nil, err
	}
	opt.Options = o
	if opt.PerFile == 0 {
		opt.PerFile = DefaultPerFile
	}
	if opt.PerFile < 1 || opt.PerFile > MaxBatch {
		return nil, &FieldError{Field: "per file", Message: fmt.Sprintf("%d: want 1 to %d signs per PDF", opt.PerFile, MaxBatch)}
	}
	if opt.Workers == 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Workers < 1 {
		return nil, &FieldError{Field: "workers", Message: fmt.Sprintf("%d: want 1 or more", opt.Workers)}
	}
	// The window of signs in flight: enough to keep every worker busy
	// while the writer draws, small enough not to matter for memory.
	window := 8 * opt.Workers
	b := &Batch{
		r:       r,
		w:       w,
		opt:     opt,
		limit:   MaxBatch,
		jobs:    make(chan job, window),
		futures: make(chan chan result, window),
		done:    make(chan error, 1),
	}
	b.wg.Add(opt.Workers)
	for range opt.Workers {
		go b.work()
	}
	go func() { b.done <- b.write() }()
	return b, nil
}

// Add queues s as the next sign. It returns an error when the batch
// already holds MaxBatch signs, or when an earlier sign or write has
// failed (a *SignError for a sign); the batch is then dead and Close
// returns the first error.
func (b *Batch) Add(s Sign) error {
	if b.closed {
		return errors.New("printables: Add after Close")
	}
	if b.added == b.limit {
		err := fmt.Errorf("printables: a batch holds at most %d signs", b.limit)
		b.fail(err)
		return err
	}
	if err := b.failure(); err != nil {
		return err
	}
	b.added++
	res := make(chan result, 1)
	b.futures <- res
	b.jobs <- job{n: b.added, sign: s, result: res}
	return nil
}

// Close waits for every sign to be drawn and writes what is left: the PDF,
// or the last PDF of the ZIP and the ZIP's directory. It returns the first
// error of the batch: a *SignError for a sign that cannot be printed
// (wrapping a *FieldError, *GlyphError or ErrSelfCheck), a write error, or
// an error for an empty batch. When it returns an error, nothing was
// written if the batch fit in one PDF; a ZIP may have been cut short.
func (b *Batch) Close() error {
	if b.closed {
		return errors.New("printables: batch closed twice")
	}
	b.closed = true
	close(b.jobs)
	close(b.futures)
	b.wg.Wait()
	return <-b.done
}

func (b *Batch) failure() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *Batch) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err = err
	}
}

// work prepares signs until the jobs run out.
func (b *Batch) work() {
	defer b.wg.Done()
	for j := range b.jobs {
		p, err := b.r.prepare(j.sign, b.opt.Options)
		if err != nil {
			err = &SignError{N: j.n, Stall: j.sign.Stall, Err: err}
		}
		j.result <- result{p, err}
	}
}

// write draws the prepared signs in the order they were added. After a
// failure it keeps draining, so Add never blocks on a dead batch.
func (b *Batch) write() error {
	var (
		doc   *document
		zw    *zip.Writer
		first int // position of the first sign in doc
	)
	begin := func(f Format) {
		if b.opt.Begin != nil {
			b.opt.Begin(f)
		}
	}
	for future := range b.futures {
		res := <-future
		if b.failure() != nil {
			continue
		}
		if res.err != nil {
			b.fail(res.err)
			continue
		}
		if doc != nil && doc.signs == b.opt.PerFile {
			// More signs than one PDF holds: this batch is a ZIP.
			if zw == nil {
				begin(FormatZIP)
				zw = zip.NewWriter(b.w)
			}
			if err := writeEntry(zw, doc, first); err != nil {
				b.fail(err)
				continue
			}
			first += doc.signs
			doc = nil
		}
		if doc == nil {
			doc = b.r.newDocument(b.opt.Options)
		}
		doc.add(res.p)
	}
	if err := b.failure(); err != nil {
		return err
	}
	if doc == nil {
		return errors.New("printables: empty batch: no signs were added")
	}
	if zw == nil {
		begin(FormatPDF)
		return doc.output(b.w)
	}
	if err := writeEntry(zw, doc, first); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("printables: finishing ZIP: %w", err)
	}
	return nil
}

// writeEntry writes doc into the ZIP as signs-FIRST-LAST.pdf (1-based
// positions), stored: the PDF's streams are already compressed.
func writeEntry(zw *zip.Writer, doc *document, first int) error {
	h := &zip.FileHeader{
		Name:     fmt.Sprintf("signs-%04d-%04d.pdf", first+1, first+doc.signs),
		Method:   zip.Store,
		Modified: doc.created,
	}
	f, err := zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("printables: ZIP entry %s: %w", h.Name, err)
	}
	return doc.output(f)
}
