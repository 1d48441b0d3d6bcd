package api

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNiceStep(t *testing.T) {
	for _, tc := range []struct {
		max, want int64
	}{{0, 1}, {4, 1}, {5, 2}, {8, 2}, {9, 5}, {20, 5}, {21, 10}, {399, 100}, {401, 200}, {1999, 500}} {
		if got := niceStep(tc.max); got != tc.want {
			t.Errorf("niceStep(%d) = %d, want %d", tc.max, got, tc.want)
		}
	}
}

func TestRenderLineChart(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	series := func(vals ...int64) []chartPoint {
		var ps []chartPoint
		for i, v := range vals {
			ps = append(ps, chartPoint{Day: day(1 + i), Value: v})
		}
		return ps
	}
	for _, tc := range []struct {
		name   string
		series []chartSeries
	}{
		{"empty", nil},
		{"one day", []chartSeries{{Label: "Có mã QR", Colour: "#0b5cad", Points: series(3)}}},
		{"two series over a week", []chartSeries{
			{Label: "Có mã QR", Colour: "#0b5cad", Points: series(0, 2, 5, 9, 12, 12, 17)},
			{Label: "Đang giao dịch", Colour: "#1e6b34", Dash: "8 4", Points: series(0, 0, 1, 3, 4, 6, 8)},
		}},
		{"escapes labels", []chartSeries{{Label: `<b>"x"</b>`, Colour: "#000", Points: series(1, 2)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(renderLineChart("Tiểu thương có QR", "Chưa có dữ liệu", tc.series))
			golden := filepath.Join("web", "testdata", "chart_"+strings.ReplaceAll(tc.name, " ", "_")+".svg")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("chart differs from %s (-want +got):\n%s", golden, diff)
			}
			if strings.Contains(got, "<b>") {
				t.Errorf("a label was not escaped: %s", got)
			}
		})
	}
}

var updateGolden = flag.Bool("update", false, "rewrite the golden files in web/testdata/")
