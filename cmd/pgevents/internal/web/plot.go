package web

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A plot is an inline SVG line chart, built here and drawn by the "plot"
// template (html/template escapes every label; no script, no external
// library, nothing fetched).
type plot struct {
	// Bottom, Left, Right and Top bound the plotting area in SVG units.
	Bottom, Left, Right, Top float64
	// Empty, when set, is shown instead of the chart.
	Empty string
	// Height and Width are the SVG's viewBox size.
	Height, Width int
	// ID prefixes the element ids (title, description) of this plot.
	ID string
	// Note is a caption line under the legend (e.g. what is estimated).
	Note string
	// Series are the lines, in legend order.
	Series []plotSeries
	// Summary describes the plot for screen readers.
	Summary string
	// Title is the plot's title.
	Title string
	// XTicks and YTicks are the axis labels.
	XTicks, YTicks []plotTick
}

// plotSeries is one line of a plot.
type plotSeries struct {
	Color  string
	Name   string
	Points string
	Total  string
}

// plotTick is an axis label at X (x axis) or Y (y axis). Anchor is the x
// labels' SVG text-anchor: start, middle or end.
type plotTick struct {
	Anchor string
	Label  string
	X, Y   float64
}

// palette is the series colours (colour-blind safe, Okabe–Ito).
var palette = []string{"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7f7f7f"}

// maxSeries is how many categories get a line of their own; the others are
// summed as "other".
const maxSeries = 6

func newPlot(id, title string) *plot {
	return &plot{ID: id, Title: title, Width: 720, Height: 220, Left: 56, Right: 708, Top: 12, Bottom: 192}
}

// niceMax rounds v up to 1, 2 or 5 times a power of ten (at least 1).
func niceMax(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func (p *plot) x(frac float64) float64 { return round1(p.Left + frac*(p.Right-p.Left)) }
func (p *plot) y(frac float64) float64 { return round1(p.Bottom - frac*(p.Bottom-p.Top)) }

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func (p *plot) yTicks(max float64, format func(float64) string) {
	for _, f := range []float64{0, 0.5, 1} {
		p.YTicks = append(p.YTicks, plotTick{Y: p.y(f), Label: format(f * max)})
	}
}

func point(b *strings.Builder, x, y float64) {
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	b.WriteString(strconv.FormatFloat(x, 'f', 1, 64))
	b.WriteByte(',')
	b.WriteString(strconv.FormatFloat(y, 'f', 1, 64))
}

// activityPlot draws events per minute per category over the minutes
// ending at now (browse_activity's rows): the busiest categories get a line
// each, the rest one "other" line.
func activityPlot(rows []activityRow, minutes int, now time.Time, complete bool) *plot {
	p := newPlot("activity", "Events per minute, by category")
	end := now.Truncate(time.Minute)
	start := end.Add(-time.Duration(minutes-1) * time.Minute)
	totals := map[string]int64{}
	for _, r := range rows {
		totals[r.Category] += r.Events
	}
	if len(totals) == 0 {
		p.Empty = fmt.Sprintf("No events observed in the last %d minutes.", minutes)
		return p
	}
	names := make([]string, 0, len(totals))
	for n := range totals {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if totals[names[i]] != totals[names[j]] {
			return totals[names[i]] > totals[names[j]]
		}
		return names[i] < names[j]
	})
	const other = "\x00other"
	line := map[string]string{}
	shown := names
	if len(names) > maxSeries {
		shown = append(append([]string(nil), names[:maxSeries]...), other)
		for _, n := range names[maxSeries:] {
			line[n] = other
		}
	}
	buckets := map[string][]float64{}
	for _, n := range shown {
		buckets[n] = make([]float64, minutes)
	}
	peak := 0.0
	for _, r := range rows {
		i := int(r.Minute.Sub(start) / time.Minute)
		if i < 0 || i >= minutes {
			continue
		}
		n := r.Category
		if l, ok := line[n]; ok {
			n = l
		}
		buckets[n][i] += float64(r.Events)
		peak = math.Max(peak, buckets[n][i])
	}
	max := niceMax(peak)
	p.yTicks(max, func(v float64) string { return formatInt(int64(math.Round(v))) + "/min" })
	for i, m := range []int{minutes - 1, (minutes - 1) / 2, 0} {
		label := "now"
		if i < 2 {
			label = fmt.Sprintf("−%d min", m)
		}
		p.XTicks = append(p.XTicks, plotTick{X: p.x(float64(minutes-1-m) / float64(max1(minutes-1))), Label: label,
			Anchor: []string{"start", "middle", "end"}[i]})
	}
	for i, n := range shown {
		var b strings.Builder
		var total float64
		for j, v := range buckets[n] {
			point(&b, p.x(float64(j)/float64(max1(minutes-1))), p.y(v/max))
			total += v
		}
		name := n
		if n == other {
			name = fmt.Sprintf("%d other categories", len(names)-maxSeries)
		}
		p.Series = append(p.Series, plotSeries{Name: name, Color: palette[i%len(palette)], Points: b.String(),
			Total: formatInt(int64(total)) + " in " + strconv.Itoa(minutes) + " min"})
	}
	p.Summary = fmt.Sprintf("Line chart of events per minute over the last %d minutes for %d categories; the busiest is %s with %s events.",
		minutes, len(names), names[0], formatInt(totals[names[0]]))
	p.Note = "From the events' observed_at (recording time)."
	if !complete {
		p.Note += " Busy store: only the most recent events were counted, so the earliest minutes are undercounted."
	}
	return p
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// fenceSample is one reading of pgevents.fence_lag().
type fenceSample struct {
	At       time.Time
	HeldBack int64
	Lag      time.Duration
}

// fencePlot draws the fence lag over the samples taken since the browser
// started (at most the last hour).
func fencePlot(samples []fenceSample, now time.Time) *plot {
	p := newPlot("fence", "Fence lag over time")
	if len(samples) < 2 {
		p.Empty = "Not enough samples yet: the browser samples the fence lag every few seconds while it runs."
		return p
	}
	start := samples[0].At
	span := now.Sub(start)
	if span <= 0 {
		span = time.Second
	}
	peak := 0.0
	for _, s := range samples {
		peak = math.Max(peak, s.Lag.Seconds())
	}
	max := niceMax(peak)
	p.yTicks(max, func(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) + " s" })
	p.XTicks = []plotTick{
		{X: p.x(0), Label: "−" + formatDuration(span.Round(time.Second)), Anchor: "start"},
		{X: p.x(1), Label: "now", Anchor: "end"},
	}
	var b strings.Builder
	worst := samples[0]
	for _, s := range samples {
		point(&b, p.x(float64(s.At.Sub(start))/float64(span)), p.y(s.Lag.Seconds()/max))
		if s.Lag > worst.Lag {
			worst = s
		}
	}
	p.Series = []plotSeries{{Name: "lag of the oldest held-back event", Color: palette[5], Points: b.String(),
		Total: "max " + formatDuration(worst.Lag)}}
	p.Summary = fmt.Sprintf("Line chart of the fence lag over the last %s; the maximum was %s.", formatDuration(span.Round(time.Second)), formatDuration(worst.Lag))
	p.Note = "Sampled by this browser process (pgevents.fence_lag())."
	return p
}
