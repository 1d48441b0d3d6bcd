package printables

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var pageObject = regexp.MustCompile(`/Type /Page\b[^s]`)

func pages(pdf []byte) int { return len(pageObject.FindAll(pdf, -1)) }

// runBatch adds signs to a new batch writing to w and closes it; it
// returns the formats Begin saw and Close's error.
func runBatch(t *testing.T, w io.Writer, signs []Sign, opt BatchOptions) ([]Format, error) {
	t.Helper()
	var formats []Format
	opt.Begin = func(f Format) { formats = append(formats, f) }
	b, err := renderer(t).NewBatch(w, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range signs {
		if err := b.Add(s); err != nil {
			break // Close reports it
		}
	}
	return formats, b.Close()
}

func TestBatchOnePDF(t *testing.T) {
	var out bytes.Buffer
	formats, err := runBatch(t, &out, marketSigns(9), BatchOptions{Options: Options{Sheet: SheetA4x4}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Format{FormatPDF}, formats); diff != "" {
		t.Errorf("Begin formats (-want +got):\n%s", diff)
	}
	if !bytes.HasPrefix(out.Bytes(), []byte("%PDF-")) {
		t.Fatalf("output starts %q, want a PDF", out.Bytes()[:min(8, out.Len())])
	}
	if got := pages(out.Bytes()); got != 3 {
		t.Errorf("%d pages for 9 signs 4-up, want 3", got)
	}
}

func TestBatchSplitsIntoZIP(t *testing.T) {
	signs := marketSigns(7)
	var out bytes.Buffer
	formats, err := runBatch(t, &out, signs, BatchOptions{PerFile: 3})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Format{FormatZIP}, formats); diff != "" {
		t.Errorf("Begin formats (-want +got):\n%s", diff)
	}
	zr, err := zip.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i, f := range zr.File {
		names = append(names, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		pdf, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		// Each file is the same document a batch of just its signs gives.
		var alone bytes.Buffer
		if _, err := runBatch(t, &alone, signs[3*i:min(3*i+3, len(signs))], BatchOptions{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pdf, alone.Bytes()) {
			t.Errorf("%s differs from rendering its signs on their own", f.Name)
		}
	}
	if diff := cmp.Diff([]string{"signs-0001-0003.pdf", "signs-0004-0006.pdf", "signs-0007-0007.pdf"}, names); diff != "" {
		t.Errorf("ZIP entries (-want +got):\n%s", diff)
	}
}

// signalWriter closes first on its first write.
type signalWriter struct {
	once  sync.Once
	first chan struct{}
	mu    sync.Mutex
	buf   bytes.Buffer
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.first) })
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// TestBatchStreams shows that a long batch is written as it goes: the
// first PDF of the ZIP reaches the writer before Close, so a batch holds
// one file's signs at a time, not the whole market.
func TestBatchStreams(t *testing.T) {
	w := &signalWriter{first: make(chan struct{})}
	b, err := renderer(t).NewBatch(w, BatchOptions{PerFile: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range marketSigns(5) {
		if err := b.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-w.first:
	case <-time.After(time.Minute):
		t.Fatal("nothing was written before Close")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := zip.NewReader(bytes.NewReader(w.buf.Bytes()), int64(w.buf.Len())); err != nil {
		t.Errorf("streamed ZIP does not read back: %v", err)
	}
}

func TestBatchFailures(t *testing.T) {
	bad := marketSigns(5)
	bad[3].Holder = "Trần Văn Đức"
	tests := []struct {
		name     string
		signs    []Sign
		opt      BatchOptions
		w        io.Writer
		wantErr  string
		wantType any
	}{
		{"a bad sign names its position and stall", bad, BatchOptions{}, nil, `sign 4 (stall "A-004"): printables: Holder:`, new(*SignError)},
		{"an empty batch", nil, BatchOptions{}, nil, "empty batch", nil},
		{"a failing writer", marketSigns(2), BatchOptions{}, failWriter{}, "disk full", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			w := tt.w
			if w == nil {
				w = &out
			}
			formats, err := runBatch(t, w, tt.signs, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Close = %v, want an error containing %q", err, tt.wantErr)
			}
			if se, ok := tt.wantType.(**SignError); ok {
				if !errors.As(err, se) {
					t.Errorf("error %T is not a *SignError", err)
				}
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != "Holder" {
					t.Errorf("error does not unwrap to the Holder *FieldError: %v", err)
				}
			}
			if tt.w == nil && (out.Len() != 0 || len(formats) != 0) {
				t.Errorf("wrote %d bytes, Begin %v, despite the error", out.Len(), formats)
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestBatchLimitAndMisuse(t *testing.T) {
	r := renderer(t)
	b, err := r.NewBatch(io.Discard, BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.limit = 2
	signs := marketSigns(3)
	for _, s := range signs[:2] {
		if err := b.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Add(signs[2]); err == nil || !strings.Contains(err.Error(), "at most 2 signs") {
		t.Errorf("Add past the limit = %v", err)
	}
	if err := b.Close(); err == nil || !strings.Contains(err.Error(), "at most 2 signs") {
		t.Errorf("Close after the limit = %v, want the limit error", err)
	}
	if err := b.Add(signs[0]); err == nil {
		t.Error("Add after Close succeeded")
	}
	if err := b.Close(); err == nil {
		t.Error("second Close succeeded")
	}

	for _, opt := range []BatchOptions{{PerFile: -1}, {PerFile: MaxBatch + 1}, {Workers: -2}, {Options: Options{Size: SizeA4, Sheet: SheetA4x4}}} {
		if _, err := r.NewBatch(io.Discard, opt); err == nil {
			t.Errorf("NewBatch(%+v) accepted bad options", opt)
		}
	}
}
