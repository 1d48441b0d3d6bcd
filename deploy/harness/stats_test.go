package harness

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTallyPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		var out []time.Duration
		for _, n := range ns {
			out = append(out, time.Duration(n)*time.Millisecond)
		}
		return out
	}
	tests := []struct {
		name string
		obs  []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one observation is every percentile", ms(7), 0.99, 7 * time.Millisecond},
		{"median of ten, unsorted", ms(10, 1, 9, 2, 8, 3, 7, 4, 6, 5), 0.5, 5 * time.Millisecond},
		{"p90 of ten is the ninth", ms(10, 1, 9, 2, 8, 3, 7, 4, 6, 5), 0.9, 9 * time.Millisecond},
		{"p99 of ten is the largest", ms(10, 1, 9, 2, 8, 3, 7, 4, 6, 5), 0.99, 10 * time.Millisecond},
		{"max", ms(3, 1, 2), 1, 3 * time.Millisecond},
		{"tiny p is the smallest", ms(3, 1, 2), 0.001, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tl Tally
			for _, d := range tt.obs {
				tl.Observe("201", d)
			}
			if got := tl.Percentile(tt.p); got != tt.want {
				t.Errorf("Percentile(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestTallyMergeAndKinds(t *testing.T) {
	var a, b Tally
	a.Observe("201", time.Millisecond)
	a.Observe("503 unavailable", 2*time.Millisecond)
	b.Observe("201", 3*time.Millisecond)
	b.Observe("connection refused", 4*time.Millisecond)
	b.Observe("201", 5*time.Millisecond)
	var all Tally
	all.Merge(&a)
	all.Merge(&b)

	if got := all.Count(); got != 5 {
		t.Errorf("Count = %d, want 5", got)
	}
	want := map[string]int{"201": 3, "503 unavailable": 1, "connection refused": 1}
	if diff := cmp.Diff(want, all.Kinds()); diff != "" {
		t.Errorf("Kinds (-want +got):\n%s", diff)
	}
	if got := all.CountIf(func(k string) bool { return k != "201" }); got != 2 {
		t.Errorf("CountIf(not 201) = %d, want 2", got)
	}
	// Most frequent first, ties by name.
	if got, want := FormatKinds(all.Kinds()), "201×3, 503 unavailable×1, connection refused×1"; got != want {
		t.Errorf("FormatKinds = %q, want %q", got, want)
	}
	if got, want := FormatKinds(nil), "none"; got != want {
		t.Errorf("FormatKinds(nil) = %q, want %q", got, want)
	}
	if got := all.Percentile(1); got != 5*time.Millisecond {
		t.Errorf("max after Merge = %v, want 5ms", got)
	}
}
