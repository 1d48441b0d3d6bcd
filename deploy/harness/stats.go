package harness

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Tally records the outcome and latency of requests. One worker owns one
// Tally (no locking); Merge combines them at the end.
type Tally struct {
	latencies []time.Duration
	kinds     map[string]int
}

// Observe records one request of the given outcome kind ("201",
// "503 unavailable", "connection refused"…) that took d.
func (t *Tally) Observe(kind string, d time.Duration) {
	if t.kinds == nil {
		t.kinds = map[string]int{}
	}
	t.kinds[kind]++
	t.latencies = append(t.latencies, d)
}

// Merge adds the observations of o to t.
func (t *Tally) Merge(o *Tally) {
	t.latencies = append(t.latencies, o.latencies...)
	for k, n := range o.kinds {
		if t.kinds == nil {
			t.kinds = map[string]int{}
		}
		t.kinds[k] += n
	}
}

// Count returns the number of observations.
func (t *Tally) Count() int { return len(t.latencies) }

// Kinds returns the count of each outcome kind.
func (t *Tally) Kinds() map[string]int { return maps.Clone(t.kinds) }

// CountIf returns the number of observations whose kind satisfies f.
func (t *Tally) CountIf(f func(kind string) bool) int {
	n := 0
	for k, c := range t.kinds {
		if f(k) {
			n += c
		}
	}
	return n
}

// Percentile returns the latency below which a fraction p (0 < p ≤ 1) of
// the observations fall (nearest rank), or 0 with no observations.
func (t *Tally) Percentile(p float64) time.Duration {
	if len(t.latencies) == 0 {
		return 0
	}
	s := slices.Clone(t.latencies)
	slices.Sort(s)
	rank := int(p*float64(len(s)) + 0.999999)
	rank = min(max(rank, 1), len(s))
	return s[rank-1]
}

// Summary formats count, rate over elapsed, p50/p99/max and the outcome
// kinds on one line.
func (t *Tally) Summary(elapsed time.Duration) string {
	return fmt.Sprintf("%d requests, %.0f/s, p50 %s, p99 %s, max %s; %s",
		t.Count(), float64(t.Count())/elapsed.Seconds(),
		Round(t.Percentile(0.50)), Round(t.Percentile(0.99)), Round(t.Percentile(1)), FormatKinds(t.kinds))
}

// FormatKinds writes outcome counts as "201×1200 503 unavailable×3",
// most frequent first.
func FormatKinds(kinds map[string]int) string {
	if len(kinds) == 0 {
		return "none"
	}
	keys := slices.Collect(maps.Keys(kinds))
	slices.SortFunc(keys, func(a, b string) int {
		if kinds[a] != kinds[b] {
			return kinds[b] - kinds[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, kinds[k])
	}
	return strings.Join(parts, ", ")
}

// Round rounds a latency for printing: µs below 1 ms, 0.1 ms below 100 ms.
func Round(d time.Duration) time.Duration {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond)
	case d < 100*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	default:
		return d.Round(time.Millisecond)
	}
}

// MiB formats a byte count in MiB with one decimal.
func MiB(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
