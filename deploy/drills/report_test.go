package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestReportVerdicts(t *testing.T) {
	tests := []struct {
		name  string
		build func(r *Report)
		want  []string
	}{
		{"all checks hold", func(r *Report) {
			r.Figure("registrations", "%d acknowledged", 10)
			r.Check(true, "nothing lost (%d)", 0)
		}, []string{"registrations  10 acknowledged", "ok   nothing lost (0)", "result: PASS (1 checks)"}},
		{"a check fails", func(r *Report) {
			r.Check(true, "fine")
			r.Check(false, "counters equal the database (drift %d)", 3)
		}, []string{"FAIL counters equal the database (drift 3)", "result: FAIL (1 of 2 checks)"}},
		{"could not run", func(r *Report) {
			r.Fail(context.DeadlineExceeded)
		}, []string{"could not continue: context deadline exceeded", "result: COULD NOT RUN (context deadline exceeded)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			r := newReport(options{out: &out}, "drill-x", "a test")
			tt.build(r)
			r.Print(&out)
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
