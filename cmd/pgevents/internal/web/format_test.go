package web

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPretty(t *testing.T) {
	t.Parallel()
	p := pretty([]byte(`{"a":[1,2],"b":"é"}`), 1000)
	require.Equal(t, "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": \"é\"\n}", p.Text)
	require.False(t, p.Truncated)

	// Cut on a rune boundary, the original size reported.
	p = pretty([]byte(`"ééééé"`), 4)
	require.True(t, p.Truncated)
	require.Equal(t, `"é`, p.Text)
	require.Equal(t, 12, p.Bytes)

	// Nested beyond encoding/json's depth limit: shown as stored.
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	p = pretty([]byte(deep), 1<<20)
	require.Equal(t, deep, p.Text)

	require.Equal(t, `{"a":1}`, compact([]byte("{\n \"a\" : 1 }"), 100))
	require.Equal(t, `{"a":…`, compact([]byte(`{"a": 12345}`), 5))
}

func TestFormat(t *testing.T) {
	t.Parallel()
	require.Equal(t, "0", formatInt(0))
	require.Equal(t, "999", formatInt(999))
	require.Equal(t, "1,000", formatInt(1000))
	require.Equal(t, "-1,234,567", formatInt(-1234567))
	require.Equal(t, "0.8 s", formatDuration(800*time.Millisecond))
	require.Equal(t, "3 min 4 s", formatDuration(184*time.Second))
	require.Equal(t, "2 h 5 min", formatDuration(125*time.Minute))
	require.Equal(t, `/stream?category=a%2Fb&from=3&name=..`, streamURL("a/b", "..", 3))
	require.Equal(t, `/category?name=a+b`, categoryURL("a b", ""))
}

func TestValidName(t *testing.T) {
	t.Parallel()
	require.True(t, validName("order"))
	require.True(t, validName("ünïcødé/..?#"))
	require.True(t, validName(strings.Repeat("é", 255)))
	require.False(t, validName(""))
	require.False(t, validName(strings.Repeat("x", 256)))
	require.False(t, validName("a\nb"))
	require.False(t, validName("a\u0085b"), "C1 control characters")
	require.False(t, validName("\xff"))
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"/category?name=a":       "/category?name=a",
		"/":                      "/",
		"":                       "/",
		"//evil.example/":        "/",
		"/\\evil.example":        "/",
		"https://evil.example/":  "/",
		"javascript:alert(1)":    "/",
		"evil":                   "/",
		"/a\r\nSet-Cookie: x=1":  "/",
		"/%2F%2Fevil.example/ok": "/%2F%2Fevil.example/ok",
	} {
		require.Equal(t, want, safeNext(next), next)
	}
}

func TestPageQuery(t *testing.T) {
	t.Parallel()
	sent, limit, ok := pageQuery([]byte(`{"name": "p"}`))
	require.True(t, ok)
	require.Equal(t, projectionsPerPage, limit)
	require.JSONEq(t, `{"name": "p", "page": {"limit": 51}}`, string(sent))

	sent, limit, ok = pageQuery([]byte(`{"name": "p", "page": {"offset": 3, "limit": 5000}, "filters": [{"path": ["state", "n"], "op": "equal", "value": 12345678901234567890}]}`))
	require.True(t, ok)
	require.Equal(t, maxProjectionsPage, limit)
	require.JSONEq(t, `{"name": "p", "page": {"offset": 3, "limit": 201}, "filters": [{"path": ["state", "n"], "op": "equal", "value": 12345678901234567890}]}`, string(sent),
		"numbers are kept exactly")

	for _, q := range []string{`[]`, `{"name": "p", "page": 1}`, `{"name": "p", "page": {"limit": "x"}}`, `{"name": "p", "page": {"limit": 0}}`, `{"name": "p", "page": {"limit": 1.5}}`} {
		sent, _, ok = pageQuery([]byte(q))
		require.False(t, ok, q)
		require.Equal(t, q, string(sent), "left for the server to refuse")
	}
	require.JSONEq(t, `{"name": "p", "page": {"after": "u9", "limit": 10}}`, nextQuery([]byte(`{"name": "p", "page": {"before": "x"}}`), "u9", 10))
}

func TestActivityPlot(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 30, 0, time.UTC)
	minute := now.Truncate(time.Minute)
	var rows []activityRow
	for i, c := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		rows = append(rows, activityRow{Category: c, Minute: minute, Events: int64(100 - i)})
	}
	rows = append(rows, activityRow{Category: "a", Minute: minute.Add(-2 * time.Hour), Events: 1000}) // outside: ignored
	p := activityPlot(rows, 60, now, false)
	require.Empty(t, p.Empty)
	require.Len(t, p.Series, maxSeries+1)
	require.Equal(t, "a", p.Series[0].Name, "busiest first")
	require.Equal(t, "2 other categories", p.Series[maxSeries].Name)
	require.Equal(t, "187 in 60 min", p.Series[maxSeries].Total, "g and h summed")
	require.Equal(t, "200/min", p.YTicks[2].Label, "nice maximum above the peak (187)")
	require.Contains(t, p.Note, "undercounted")
	require.True(t, strings.HasSuffix(p.Series[0].Points, " 708.0,102.0"), p.Series[0].Points)

	require.Equal(t, "No events observed in the last 60 minutes.", activityPlot(nil, 60, now, true).Empty)
	require.NotEmpty(t, fencePlot([]fenceSample{{At: now}}, now).Empty)
	f := fencePlot([]fenceSample{{At: now.Add(-time.Minute)}, {At: now, Lag: 3 * time.Second, HeldBack: 2}}, now)
	require.Equal(t, "max 3.0 s", f.Series[0].Total)
}
