package api

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"
)

// chartPoint is one day's value of a series.
type chartPoint struct {
	Day   time.Time
	Value int64
}

// chartSeries is one line of a chart. Dash is an SVG stroke-dasharray so
// the lines stay apart when printed in black and white.
type chartSeries struct {
	Label  string
	Colour string
	Dash   string
	Points []chartPoint
}

// chartSize is the SVG's coordinate system; the page scales it to its width.
const (
	chartW      = 640
	chartH      = 280
	chartLeft   = 56
	chartRight  = 16
	chartTop    = 16
	chartBottom = 64
)

// renderLineChart draws series as an accessible SVG line chart: a title
// and description for screen readers, round y ticks, the first, middle and
// last days on the x axis and a legend. Every series must share the same
// days, oldest first; an empty chart shows the empty text. The output
// depends only on its arguments (golden-tested).
func renderLineChart(title, empty string, series []chartSeries) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-svg-title chart-svg-desc">`, chartW, chartH)
	fmt.Fprintf(&b, `<title id="chart-svg-title">%s</title>`, html.EscapeString(title))
	days := 0
	if len(series) > 0 {
		days = len(series[0].Points)
	}
	if days == 0 {
		fmt.Fprintf(&b, `<desc id="chart-svg-desc">%s</desc>`, html.EscapeString(empty))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="16" fill="#1b1f24">%s</text></svg>`, chartW/2, chartH/2, html.EscapeString(empty))
		return template.HTML(b.String())
	}
	var maxV int64
	var desc []string
	for _, s := range series {
		for _, p := range s.Points {
			maxV = max(maxV, p.Value)
		}
		last := s.Points[len(s.Points)-1]
		desc = append(desc, fmt.Sprintf("%s: %d (%s)", s.Label, last.Value, last.Day.Format("02/01/2006")))
	}
	fmt.Fprintf(&b, `<desc id="chart-svg-desc">%s</desc>`, html.EscapeString(strings.Join(desc, "; ")))

	pl := newChartPlot(days, maxV)
	pl.axes(&b, series[0].Points)
	for si, s := range series {
		pl.line(&b, si, s)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// chartPlot maps days and values to the chart's coordinates.
type chartPlot struct {
	days         int
	step, top    int64
	plotW, plotH float64
}

// newChartPlot fits days and values up to maxV in the plot area, the y
// axis topped at a round number.
func newChartPlot(days int, maxV int64) chartPlot {
	step := niceStep(maxV)
	top := step * 4
	for top-step >= maxV && top > step {
		top -= step
	}
	return chartPlot{days: days, step: step, top: top,
		plotW: float64(chartW - chartLeft - chartRight), plotH: float64(chartH - chartTop - chartBottom)}
}

func (pl chartPlot) x(i int) float64 {
	if pl.days == 1 {
		return chartLeft + pl.plotW/2
	}
	return chartLeft + pl.plotW*float64(i)/float64(pl.days-1)
}

func (pl chartPlot) y(v int64) float64 {
	return chartTop + pl.plotH - pl.plotH*float64(v)/float64(pl.top)
}

// axes draws the value grid and the first, middle and last days.
func (pl chartPlot) axes(b *strings.Builder, points []chartPoint) {
	b.WriteString(`<g font-size="13" fill="#1b1f24">`)
	for v := int64(0); v <= pl.top; v += pl.step {
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#c9d1d9"/>`, chartLeft, chartW-chartRight, pl.y(v), pl.y(v))
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%d</text>`, chartLeft-8, pl.y(v)+4, v)
	}
	ticks := []int{0, pl.days / 2, pl.days - 1}
	if pl.days < 3 {
		ticks = ticks[len(ticks)-pl.days:]
	}
	seen := map[int]bool{}
	for _, i := range ticks {
		if seen[i] {
			continue
		}
		seen[i] = true
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, pl.x(i), chartH-chartBottom+20, points[i].Day.Format("02/01"))
	}
	b.WriteString(`</g>`)
	fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#1b1f24"/>`, chartLeft, chartW-chartRight, pl.y(0), pl.y(0))
}

// line draws series s, the si-th, with its legend entry.
func (pl chartPlot) line(b *strings.Builder, si int, s chartSeries) {
	var pts []string
	for i, p := range s.Points {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", pl.x(i), pl.y(p.Value)))
	}
	dash := ""
	if s.Dash != "" {
		dash = fmt.Sprintf(` stroke-dasharray="%s"`, html.EscapeString(s.Dash))
	}
	fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="3"%s points="%s"/>`, html.EscapeString(s.Colour), dash, strings.Join(pts, " "))
	// A dot on every day, so a single day (or a flat line on the axis)
	// still shows.
	for i, p := range s.Points {
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>`, pl.x(i), pl.y(p.Value), html.EscapeString(s.Colour))
	}
	// Legend, one entry per series under the x labels.
	lx := chartLeft + si*200
	ly := chartH - 16
	fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="3"%s/>`, lx, lx+28, ly-4, ly-4, html.EscapeString(s.Colour), dash)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="13" fill="#1b1f24">%s</text>`, lx+34, ly, html.EscapeString(s.Label))
}

// niceStep returns a round y-axis step (1, 2 or 5 × 10ⁿ) that splits
// 0…maxV into at most four intervals.
func niceStep(maxV int64) int64 {
	if maxV <= 4 {
		return 1
	}
	raw := (maxV + 3) / 4
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*p >= raw {
				return m * p
			}
		}
	}
}
