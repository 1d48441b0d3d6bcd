package printables

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/jung-kurt/gofpdf"
	"testing"
)

// The benchmarks compare the shipped paths with a plain baseline measured
// in the same run:
//
//   - baseline: the plain gofpdf way, the whole Noto Sans files added with
//     AddUTF8FontFromBytes to every document (gofpdf parses and subsets
//     them each time), signs prepared one after another on the drawing
//     goroutine; same layout, same QR drawing;
//   - shipped: one Renderer shared by every call (faces cut down and
//     encoded once, embedded as simple fonts), and in a batch the QR
//     matrices (with validation, self-check and layout) computed on every
//     core while the document is drawn in order.
//
// Run: go test -run '^$' -bench 'SignA6|MarketBatch1000' -benchmem -count 5 ./printables/
//
// peak-RSS-MB and batch-CPU-ms are measured in a fresh helper process per
// variant.

func BenchmarkSignA6(b *testing.B) {
	s := vendorSign()
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := plainBatch(b, io.Discard, []Sign{s}, Options{}); err != nil {
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
			if err := plainBatch(b, io.Discard, signs, opt); err != nil {
				b.Fatal(err)
			}
		}
		childRun(b, "baseline")
	})
	for _, perFile := range []int{1000, DefaultPerFile} {
		b.Run(fmt.Sprintf("pipeline-%d-per-file", perFile), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := pipelineBatch(b, io.Discard, signs, opt, perFile); err != nil {
					b.Fatal(err)
				}
			}
			childRun(b, fmt.Sprintf("pipeline-%d", perFile))
		})
	}
}

// pipelineBatch is the shipped path: a Batch over a shared Renderer.
func pipelineBatch(tb testing.TB, w io.Writer, signs []Sign, opt Options, perFile int) error {
	batch, err := renderer(tb).NewBatch(w, BatchOptions{Options: opt, PerFile: perFile})
	if err != nil {
		return err
	}
	for _, s := range signs {
		if err := batch.Add(s); err != nil {
			break
		}
	}
	return batch.Close()
}

// childEnv names the batch a helper process renders for childPeakRSS.
const childEnv = "SAPQR_PRINTABLES_BATCH_CHILD"

// childRun renders one 1,000-sign batch in a fresh process (this test
// binary running TestHelperBatchProcess) and reports that process's peak
// resident set, and the CPU time the batch took, so the figures are the
// batch's own and not the benchmark process's running maximum. CPU time
// is reported because wall time means little on a shared machine. The
// child reads its own VmHWM: the rusage a parent gets counts the parent's
// pages shared at spawn.
func childRun(b *testing.B, mode string) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperBatchProcess$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("helper process: %v\n%s", err, out)
	}
	rss := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(out)
	cpu := regexp.MustCompile(`batch CPU (\d+) µs`).FindSubmatch(out)
	if rss == nil || cpu == nil {
		b.Skipf("helper process reported no VmHWM or CPU time (not Linux?):\n%s", out)
	}
	kb, _ := strconv.Atoi(string(rss[1]))
	us, _ := strconv.Atoi(string(cpu[1]))
	b.ReportMetric(float64(kb)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(us)/1000, "batch-CPU-ms")
}

// TestHelperBatchProcess is the process childPeakRSS measures; run
// directly, it skips.
func TestHelperBatchProcess(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("helper process for BenchmarkMarketBatch1000's peak RSS")
	}
	signs := marketSigns(1000)
	opt := Options{Sheet: SheetA4x4}
	renderer(t) // fonts ready, as in a server, before the clock starts
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	var err error
	switch mode {
	case "baseline":
		err = plainBatch(t, io.Discard, signs, opt)
	case "pipeline-1000":
		err = pipelineBatch(t, io.Discard, signs, opt, 1000)
	case fmt.Sprintf("pipeline-%d", DefaultPerFile):
		err = pipelineBatch(t, io.Discard, signs, opt, DefaultPerFile)
	default:
		t.Fatalf("unknown mode %q", mode)
	}
	if err != nil {
		t.Fatal(err)
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := func(r syscall.Rusage) int64 { return r.Utime.Nano()/1000 + r.Stime.Nano()/1000 }
	t.Logf("batch CPU %d µs", cpu(after)-cpu(before))
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			t.Log(line)
		}
	}
}

// plainBatch is the baseline: the full fonts added to the document with
// gofpdf's Unicode font path, every sign prepared and drawn in turn on one
// goroutine, one PDF.
func plainBatch(b testing.TB, w io.Writer, signs []Sign, opt Options) error {
	r := renderer(b) // only for validation and layout metrics
	opt, err := opt.normalized()
	if err != nil {
		return err
	}
	regular, err := fontFiles.ReadFile("fonts/NotoSans-Regular.ttf")
	if err != nil {
		return err
	}
	bold, err := fontFiles.ReadFile("fonts/NotoSans-Bold.ttf")
	if err != nil {
		return err
	}
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddUTF8FontFromBytes("plain", "", regular)
	pdf.AddUTF8FontFromBytes("plain", "B", bold)
	d := &document{pdf: pdf, fonts: r.fonts, opt: opt}
	w6, h6 := opt.Size.dims()
	for i, s := range signs {
		p, err := r.prepare(s, opt)
		if err != nil {
			return err
		}
		x, y := 0.0, 0.0
		if opt.Sheet == SheetA4x4 {
			if i%4 == 0 {
				pdf.AddPage()
			}
			x, y = float64(i%2)*105, float64(i%4/2)*148.5
		} else {
			pdf.AddPageFormat("P", gofpdf.SizeType{Wd: w6, Ht: h6})
		}
		for _, blk := range p.layout.blocks {
			f, style := r.fonts.regular, ""
			if blk.bold {
				f, style = r.fonts.bold, "B"
			}
			pdf.SetFont("plain", style, blk.pt)
			for k, line := range blk.lines {
				lx := x + blk.box.x + (blk.box.w-f.width(line, blk.pt))/2
				ly := y + blk.box.y + (float64(k)*lineHeightEm+baselineEm)*blk.pt*mmPerPt
				pdf.Text(lx, ly, line)
			}
		}
		d.drawQR(p.matrix, x+p.layout.qr.x, y+p.layout.qr.y, p.layout.qr.w)
	}
	return pdf.Output(w)
}
