package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Report is what a drill did and found. The timeline is printed as it
// happens; figures and checks when the drill ends. A fault runs beside the
// load, so every method may be called from several goroutines.
type Report struct {
	mu      sync.Mutex
	Name    string
	Title   string
	start   time.Time
	out     io.Writer
	figures [][2]string
	checks  []check
	// Failures are the guarantees that did not hold.
	Failures []string
	// Broken is why the drill could not run to the end, if it could not.
	Broken error
}

type check struct {
	ok   bool
	text string
}

func newReport(o options, name, title string) *Report {
	r := &Report{Name: name, Title: title, start: time.Now(), out: o.out}
	fmt.Fprintf(o.out, "\n== %s: %s\n", name, title)
	return r
}

// Logf prints one timeline line, stamped with the time since the start.
func (r *Report) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.out, "  %6.1fs  %s\n", time.Since(r.start).Seconds(), fmt.Sprintf(format, args...))
}

// Figure records a measured value.
func (r *Report) Figure(name, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.figures = append(r.figures, [2]string{name, fmt.Sprintf(format, args...)})
}

// Check records a guarantee and whether it held.
func (r *Report) Check(ok bool, format string, args ...any) bool {
	text := fmt.Sprintf(format, args...)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks = append(r.checks, check{ok, text})
	if !ok {
		r.Failures = append(r.Failures, text)
	}
	return ok
}

// Fail records that the drill could not run to the end.
func (r *Report) Fail(err error) *Report {
	r.mu.Lock()
	r.Broken = err
	r.mu.Unlock()
	r.Logf("could not continue: %v", err)
	return r
}

// Print writes the figures, the checks and the verdict.
func (r *Report) Print(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.figures) > 0 {
		fmt.Fprintln(w, "  figures:")
		width := 0
		for _, f := range r.figures {
			width = max(width, len(f[0]))
		}
		for _, f := range r.figures {
			fmt.Fprintf(w, "    %-*s  %s\n", width, f[0], f[1])
		}
	}
	if len(r.checks) > 0 {
		fmt.Fprintln(w, "  checks:")
		for _, c := range r.checks {
			mark := "ok  "
			if !c.ok {
				mark = "FAIL"
			}
			fmt.Fprintf(w, "    %s %s\n", mark, c.text)
		}
	}
	switch {
	case r.Broken != nil:
		fmt.Fprintf(w, "  result: COULD NOT RUN (%v) after %.0fs\n", firstLine(r.Broken.Error()), time.Since(r.start).Seconds())
	case len(r.Failures) > 0:
		fmt.Fprintf(w, "  result: FAIL (%d of %d checks) in %.0fs\n", len(r.Failures), len(r.checks), time.Since(r.start).Seconds())
	default:
		fmt.Fprintf(w, "  result: PASS (%d checks) in %.0fs\n", len(r.checks), time.Since(r.start).Seconds())
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
