package pgeventstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/pgevents/pgevents"
)

// testingT is the part of testing.TB the assertions use, so that their
// failure paths can be tested with a mock.
type testingT interface {
	Errorf(format string, args ...any)
	FailNow()
	Helper()
}

// ExpectedEvent is what an assertion expects of a stored event.
type ExpectedEvent struct {
	// Metadata, unless nil, must equal the event's metadata as JSON. It is
	// encoded like Payload; use json.RawMessage("null") to expect null.
	Metadata any
	// Name must equal the event's name.
	Name string
	// Payload, unless nil, must equal the event's payload as JSON: a
	// json.RawMessage is used as is, anything else is encoded with
	// json.Marshal. The comparison is semantic (key order, whitespace and
	// number spelling do not matter), as PostgreSQL's jsonb normalizes them.
	// Use json.RawMessage("null") to expect null.
	Payload any
}

// Expect returns the expectations that match events exactly as appended:
// each NewEvent's name, payload and metadata (JSON null when nil).
func Expect(events ...pgevents.NewEvent) []ExpectedEvent {
	out := make([]ExpectedEvent, len(events))
	for i, e := range events {
		out[i] = ExpectedEvent{Name: e.Name, Payload: jsonOrNull(e.Payload), Metadata: jsonOrNull(e.Metadata)}
	}
	return out
}

// Names returns expectations that check only event names.
func Names(names ...string) []ExpectedEvent {
	out := make([]ExpectedEvent, len(names))
	for i, n := range names {
		out[i] = ExpectedEvent{Name: n}
	}
	return out
}

// RequireStream reads the whole stream (category, stream) from store and
// fails tb unless it holds exactly the events want describes, in position
// order (no want: the stream must be empty). It returns the events read.
//
// The failure message lists every difference. A read error fails tb too.
// ctx governs the reads.
func RequireStream(ctx context.Context, tb testing.TB, store pgevents.Store, category, stream string, want ...ExpectedEvent) []pgevents.Event {
	tb.Helper()
	return requireStream(ctx, tb, store, category, stream, want)
}

func requireStream(ctx context.Context, t testingT, store pgevents.Store, category, stream string, want []ExpectedEvent) []pgevents.Event {
	t.Helper()
	got, err := pgevents.NewClient(store).Stream(category, stream).Read(ctx, nil)
	if err != nil {
		fail(t, "reading stream %s/%s: %v", category, stream, err)
		return nil
	}
	var diffs []string
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(want):
			diffs = append(diffs, fmt.Sprintf("position %d: unexpected event %q", got[i].Position, got[i].Name))
		case i >= len(got):
			diffs = append(diffs, fmt.Sprintf("position %d: missing event %q", i, want[i].Name))
		default:
			for _, d := range want[i].diff(got[i]) {
				diffs = append(diffs, fmt.Sprintf("position %d: %s", got[i].Position, d))
			}
		}
	}
	if len(diffs) > 0 {
		fail(t, "stream %s/%s differs from what was expected (got %d events %s, want %d %s):\n  %s",
			category, stream, len(got), eventNames(got), len(want), expectedNames(want), strings.Join(diffs, "\n  "))
		return nil
	}
	return got
}

// RequireAppendedOpts are the options of RequireAppended. Nil means defaults.
type RequireAppendedOpts struct {
	// Source is where to look: a stream, a category or the log. Defaults to
	// the log. Categories and the log are read in resumable order, which
	// holds back events of a store's not-yet-fenced transactions (see
	// pgevents.Store.ReadEvents); a stream is read whole.
	Source pgevents.Identifier
}

// RequireAppended fails tb unless exactly one event of opts.Source (the log
// by default) matches want, and returns it. The failure message says what
// was found instead: how many events have the name, and how the closest one
// differs.
//
// A read error fails tb too. ctx governs the reads.
func RequireAppended(ctx context.Context, tb testing.TB, store pgevents.Store, want ExpectedEvent, opts *RequireAppendedOpts) *pgevents.Event {
	tb.Helper()
	return requireAppended(ctx, tb, store, want, opts)
}

func requireAppended(ctx context.Context, t testingT, store pgevents.Store, want ExpectedEvent, opts *RequireAppendedOpts) *pgevents.Event {
	t.Helper()
	if opts == nil {
		opts = &RequireAppendedOpts{}
	}
	if err := opts.Source.Validate(); err != nil {
		fail(t, "RequireAppendedOpts.Source: %v", err)
		return nil
	}
	client := pgevents.NewClient(store)
	var seq iter.Seq2[pgevents.Event, error]
	switch opts.Source.Kind() {
	case "stream":
		seq = client.Stream(opts.Source.Category, opts.Source.Stream).Events(ctx, nil)
	case "category":
		seq = client.Category(opts.Source.Category).Scan(ctx, nil)
	default:
		seq = client.Log().Scan(ctx, nil)
	}
	var (
		matches    []pgevents.Event
		sameName   []pgevents.Event
		totalCount int
	)
	for e, err := range seq {
		if err != nil {
			fail(t, "reading %s: %v", opts.Source, err)
			return nil
		}
		totalCount++
		if e.Name != want.Name {
			continue
		}
		if len(want.diff(e)) == 0 {
			matches = append(matches, e)
		} else {
			sameName = append(sameName, e)
		}
	}
	switch {
	case len(matches) == 1:
		return &matches[0]
	case len(matches) > 1:
		ids := make([]string, len(matches))
		for i, m := range matches {
			ids[i] = fmt.Sprintf("%s/%s@%d", m.Category, m.Stream, m.Position)
		}
		fail(t, "%d events of %s match %s, want exactly one: %s", len(matches), opts.Source, want, strings.Join(ids, ", "))
	case len(sameName) > 0:
		e := sameName[0]
		fail(t, "no event of %s matches %s; %d named %q differ, the first (%s/%s@%d): %s",
			opts.Source, want, len(sameName), want.Name, e.Category, e.Stream, e.Position, strings.Join(want.diff(e), "; "))
	default:
		fail(t, "no event of %s matches %s: none of its %d events is named %q", opts.Source, want, totalCount, want.Name)
	}
	return nil
}

// String describes the expectation.
func (w ExpectedEvent) String() string {
	s := fmt.Sprintf("name %q", w.Name)
	if w.Payload != nil {
		s += fmt.Sprintf(", payload %s", describeJSON(w.Payload))
	}
	if w.Metadata != nil {
		s += fmt.Sprintf(", metadata %s", describeJSON(w.Metadata))
	}
	return s
}

// diff returns how e differs from w, or nothing when it matches.
func (w ExpectedEvent) diff(e pgevents.Event) []string {
	var out []string
	if e.Name != w.Name {
		out = append(out, fmt.Sprintf("name %q, want %q", e.Name, w.Name))
	}
	for _, part := range []struct {
		label string
		got   json.RawMessage
		want  any
	}{{"payload", e.Payload, w.Payload}, {"metadata", e.Metadata, w.Metadata}} {
		if part.want == nil {
			continue
		}
		want, err := toJSON(part.want)
		if err != nil {
			out = append(out, fmt.Sprintf("expected %s does not encode as JSON: %v", part.label, err))
			continue
		}
		if !JSONEqual(jsonOrNull(part.got), want) {
			out = append(out, fmt.Sprintf("%s %s, want %s", part.label, jsonOrNull(part.got), want))
		}
	}
	return out
}

func toJSON(v any) (json.RawMessage, error) {
	if raw, ok := v.(json.RawMessage); ok {
		return jsonOrNull(raw), nil
	}
	return json.Marshal(v)
}

func describeJSON(v any) string {
	b, err := toJSON(v)
	if err != nil {
		return fmt.Sprintf("(does not encode: %v)", err)
	}
	return string(b)
}

// JSONEqual reports whether a and b are the same JSON value: object key
// order, whitespace and number spelling (1, 1.0, 1e0) do not matter, as
// after a round trip through PostgreSQL's jsonb. Invalid JSON equals
// nothing.
func JSONEqual(a, b json.RawMessage) bool {
	va, errA := normalizeJSON(a)
	vb, errB := normalizeJSON(b)
	return errA == nil && errB == nil && reflect.DeepEqual(va, vb)
}

func normalizeJSON(b json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data")
	}
	return canonical(v), nil
}

// number is a JSON number in canonical spelling, distinct from a string.
type number string

// canonical replaces numbers by an exact canonical spelling.
func canonical(v any) any {
	switch v := v.(type) {
	case json.Number:
		if r, ok := new(big.Rat).SetString(string(v)); ok {
			return number(r.RatString())
		}
		return number(v)
	case []any:
		for i := range v {
			v[i] = canonical(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = canonical(v[k])
		}
	}
	return v
}

func eventNames(events []pgevents.Event) string {
	names := make([]string, len(events))
	for i, e := range events {
		names[i] = e.Name
	}
	return fmt.Sprintf("%q", names)
}

func expectedNames(want []ExpectedEvent) string {
	names := make([]string, len(want))
	for i, w := range want {
		names[i] = w.Name
	}
	return fmt.Sprintf("%q", names)
}

func fail(t testingT, format string, args ...any) {
	t.Helper()
	t.Errorf("pgeventstest: "+format, args...)
	t.FailNow()
}
