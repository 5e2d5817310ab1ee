package web

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// Display limits: hostile events may be large or deeply nested; the pages
// show a bounded prefix and link to the full event.
const (
	// listJSONLimit bounds each payload and metadata shown on a stream page.
	listJSONLimit = 16 << 10
	// eventJSONLimit bounds the payload and metadata on an event's own page.
	eventJSONLimit = 1 << 20
	// tailPreviewLimit bounds the payload preview of a live-tail row.
	tailPreviewLimit = 200
)

// prettyJSON is a JSON document indented for display, cut at a limit.
type prettyJSON struct {
	Bytes     int
	Text      string
	Truncated bool
}

// pretty indents raw JSON (raw bytes as they are when they do not parse,
// e.g. nested beyond encoding/json's depth limit) and cuts the result at
// limit bytes, on a UTF-8 boundary.
func pretty(raw []byte, limit int) prettyJSON {
	var b bytes.Buffer
	text := string(raw)
	if len(raw) <= 4*limit && json.Indent(&b, raw, "", "  ") == nil {
		text = b.String()
	}
	p := prettyJSON{Bytes: len(raw), Text: text}
	if len(text) > limit {
		p.Text, p.Truncated = cut(text, limit), true
	}
	return p
}

// compact returns raw JSON on one line, cut at limit bytes with "…".
func compact(raw []byte, limit int) string {
	var b bytes.Buffer
	text := string(raw)
	if len(raw) <= 4*limit && json.Compact(&b, raw) == nil {
		text = b.String()
	}
	if len(text) > limit {
		return cut(text, limit) + "…"
	}
	return text
}

// cut returns the longest prefix of s of at most n bytes that ends on a
// rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// formatInt formats n with thousands separators: 1,234,567.
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(",")
		}
		b.WriteRune(r)
	}
	return b.String()
}

// formatDuration renders a lag for people: 0.8 s, 12 s, 3 min 4 s, 2 h 5 min.
func formatDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "0 s"
	case d < 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
}

// URLs of the pages. Names travel in the query string, where any character
// (a slash, "..", a space) survives the round trip.

func categoryURL(category, after string) string {
	v := url.Values{"name": {category}}
	if after != "" {
		v.Set("after", after)
	}
	return "/category?" + v.Encode()
}

func streamURL(category, stream string, from int64) string {
	v := url.Values{"category": {category}, "name": {stream}}
	if from > 0 {
		v.Set("from", strconv.FormatInt(from, 10))
	}
	return "/stream?" + v.Encode()
}

func eventURL(id fmt.Stringer) string { return "/event?" + url.Values{"id": {id.String()}}.Encode() }

func tailURL(category string) string {
	if category == "" {
		return "/tail"
	}
	return "/tail?" + url.Values{"category": {category}}.Encode()
}

func projectionsURL(query string) string {
	if query == "" {
		return "/projections"
	}
	return "/projections?" + url.Values{"q": {query}}.Encode()
}

// nameQuery is the projection query of every projection of a name.
func nameQuery(name string) string {
	b, _ := json.Marshal(map[string]string{"name": name})
	return string(b)
}

// templateFuncs are the helpers the templates call.
var templateFuncs = template.FuncMap{
	"categoryURL":    categoryURL,
	"compact":        func(raw []byte) string { return compact(raw, tailPreviewLimit) },
	"eventURL":       eventURL,
	"formatDuration": formatDuration,
	"formatInt":      formatInt,
	"prettyList":     func(raw []byte) prettyJSON { return pretty(raw, listJSONLimit) },
	"prettyEvent":    func(raw []byte) prettyJSON { return pretty(raw, eventJSONLimit) },
	"projectionsURL": projectionsURL,
	"nameQuery":      nameQuery,
	"rfc3339":        func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
	"streamURL":      streamURL,
	"tailURL":        tailURL,
	"utc":            func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000 UTC") },
	"deref":          func(p *int64) int64 { return *p },
	"formatN":        func(n int) string { return formatInt(int64(n)) },
	"inc":            func(n int64) int64 { return n + 1 },
	"int64":          func(n int) int64 { return int64(n) },
	"sameTime":       func(a, b time.Time) bool { return a.Equal(b) },
	"cell":           cell,
}

// cell renders a value of a generic table (the consumers page).
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.000000 UTC")
	case time.Duration:
		return formatDuration(x)
	case []byte:
		return compact(x, 500)
	case [16]byte:
		return uuid.UUID(x).String()
	case pgtype.Interval:
		return formatDuration(time.Duration(x.Microseconds)*time.Microsecond +
			time.Duration(x.Days)*24*time.Hour + time.Duration(x.Months)*30*24*time.Hour)
	case string:
		return cut(x, 500)
	case fmt.Stringer:
		return cut(x.String(), 500)
	case driver.Valuer:
		if dv, err := x.Value(); err == nil && dv != nil {
			return cut(fmt.Sprint(dv), 500)
		}
		return "—"
	case map[string]any, []any:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // html/template escapes it
		if enc.Encode(x) != nil {
			return cut(fmt.Sprint(x), 500)
		}
		return compact(b.Bytes(), 500)
	default:
		return cut(fmt.Sprint(x), 500)
	}
}
