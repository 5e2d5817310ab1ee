package pgeventstest

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

// draw calls every generator method once, in a fixed order.
func draw(g *Generator) []any {
	return []any{
		g.EventName(), g.CategoryName(), g.StreamName(), g.Word(), g.UUID(), g.Time(),
		g.TimeBetween(DefaultTime, DefaultTime.Add(time.Hour)), string(g.JSONObject(3)),
		g.NewEvent(nil), g.Events(3, &EventOpts{Names: []string{"A", "B"}, PayloadDepth: 4, MetadataDepth: -1}),
		g.Rand().Int64(),
	}
}

func TestGenerator_Reproducible(t *testing.T) {
	t.Parallel()
	a, b := draw(NewGenerator(42)), draw(NewGenerator(42))
	require.Equal(t, a, b, "the same seed gives the same values")
	c := draw(NewGenerator(43))
	for i := range a {
		require.NotEqual(t, a[i], c[i], "value %d: a different seed gives different values", i)
	}
}

func TestGenerator_Golden(t *testing.T) {
	t.Parallel()
	// Pinned values: if this changes, recorded seeds no longer replay old
	// failures, so it is a breaking change.
	g := NewGenerator(1)
	got := []string{g.EventName(), g.CategoryName(), g.StreamName(), g.UUID().String(),
		g.Time().Format(time.RFC3339Nano), string(g.JSONObject(2))}
	require.Equal(t, []string{"UserReopened", "ticket_39e7b6", "554a33773c03", "94dd136a-40b5-40c2-9f30-03083d8a8532",
		"2021-10-31T12:42:28.854599Z",
		`{"source":{"owner":-325568,"reason":["reference","owner"],"reference":57678.49,"source":"total code","status":"quantity title"}}`,
	}, got)
}

var (
	eventNameRe = regexp.MustCompile(`^[A-Z][a-z]+[A-Z][a-z]+$`)
	categoryRe  = regexp.MustCompile(`^[a-z]+_[0-9a-f]{6}$`)
	streamRe    = regexp.MustCompile(`^[0-9a-f]{12}$`)
)

func TestGenerator_Names(t *testing.T) {
	t.Parallel()
	g := NewGenerator(7)
	seen := map[string]bool{}
	for range 200 {
		name, cat, stream := g.EventName(), g.CategoryName(), g.StreamName()
		require.Regexp(t, eventNameRe, name)
		require.Regexp(t, categoryRe, cat)
		require.Regexp(t, streamRe, stream)
		for _, n := range []string{name, cat, stream} {
			require.NoError(t, pgevents.CheckName("name", n))
		}
		seen[name] = true
	}
	require.Greater(t, len(seen), 50, "names vary")
}

func TestGenerator_UUID(t *testing.T) {
	t.Parallel()
	g := NewGenerator(7)
	seen := map[uuid.UUID]bool{}
	for range 1000 {
		u := g.UUID()
		require.Equal(t, uuid.Version(4), u.Version())
		require.Equal(t, uuid.RFC4122, u.Variant())
		require.False(t, seen[u])
		seen[u] = true
	}
}

func TestGenerator_Time(t *testing.T) {
	t.Parallel()
	g := NewGenerator(7)
	for range 1000 {
		ts := g.Time()
		require.Equal(t, time.UTC, ts.Location())
		require.Equal(t, ts, ts.Truncate(time.Microsecond))
		require.False(t, ts.Before(DefaultTimeMin))
		require.True(t, ts.Before(DefaultTimeMax))
	}

	from := time.Date(2024, 1, 1, 0, 0, 0, 500, time.FixedZone("x", -3600))
	to := from.Add(3 * time.Microsecond)
	seen := map[time.Time]bool{}
	for range 200 {
		ts := g.TimeBetween(from, to)
		require.Equal(t, time.UTC, ts.Location())
		require.Equal(t, ts, ts.Truncate(time.Microsecond))
		require.False(t, ts.Before(from), "%v before %v", ts, from)
		require.True(t, ts.Before(to), "%v not before %v", ts, to)
		seen[ts] = true
	}
	require.Len(t, seen, 3, "every whole microsecond in [from, to) is drawn")

	require.Equal(t, from.Add(500*time.Nanosecond).UTC(), g.TimeBetween(from, from.Add(100*time.Nanosecond)),
		"a range without a whole microsecond gives from rounded up")
	require.Equal(t, DefaultTime, g.TimeBetween(DefaultTime, DefaultTime.Add(-time.Hour)))
}

func depth(v any) int {
	switch v := v.(type) {
	case map[string]any:
		d := 0
		for _, x := range v {
			d = max(d, depth(x))
		}
		return d + 1
	case []any:
		d := 0
		for _, x := range v {
			d = max(d, depth(x))
		}
		return d // arrays hold scalars; they add no object level
	}
	return 0
}

func TestGenerator_JSONObject(t *testing.T) {
	t.Parallel()
	g := NewGenerator(7)
	for want := 0; want <= 6; want++ {
		for range 50 {
			raw := g.JSONObject(want)
			var v any
			require.NoError(t, json.Unmarshal(raw, &v))
			obj, ok := v.(map[string]any)
			require.True(t, ok, "an object: %s", raw)
			require.NotEmpty(t, obj)
			require.LessOrEqual(t, len(obj), 5)
			require.Equal(t, max(want, 1), depth(v), "%s", raw)
		}
	}
}

func TestGenerator_NewEvent(t *testing.T) {
	t.Parallel()
	g := NewGenerator(7)

	e := g.NewEvent(nil)
	require.Regexp(t, eventNameRe, e.Name)
	require.NotEqual(t, uuid.Nil, e.ID)
	require.True(t, e.ObservedAt.IsZero())
	require.False(t, e.OccurredAt.Before(DefaultTimeMin))
	var payload, metadata any
	require.NoError(t, json.Unmarshal(e.Payload, &payload))
	require.NoError(t, json.Unmarshal(e.Metadata, &metadata))
	require.Equal(t, 2, depth(payload))
	require.Equal(t, 1, depth(metadata))

	from, to := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 6, 2, 0, 0, 0, 0, time.UTC)
	events := g.Events(50, &EventOpts{Names: []string{"A", "B"}, PayloadDepth: 3, MetadataDepth: -1, TimeMin: from, TimeMax: to})
	require.Len(t, events, 50)
	names := map[string]int{}
	for _, e := range events {
		names[e.Name]++
		require.Equal(t, "null", string(e.Metadata))
		require.NoError(t, json.Unmarshal(e.Payload, &payload))
		require.Equal(t, 3, depth(payload))
		require.False(t, e.OccurredAt.Before(from))
		require.True(t, e.OccurredAt.Before(to))
	}
	require.Equal(t, 2, len(names))
	require.Empty(t, g.Events(0, nil))

	events = g.Events(2, &EventOpts{MetadataDepth: 3})
	require.NoError(t, json.Unmarshal(events[0].Metadata, &metadata))
	require.Equal(t, 3, depth(metadata))
}
