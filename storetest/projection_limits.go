package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/projection"
)

// projectionLimitQueries are queries beyond the limits of the query
// language (docs/query-language.md, "Limits"): each store refuses them with
// PE110 naming the field, quickly and without allocating in proportion to
// what the limit bounds. InvalidProjectionQueries includes them.
func projectionLimitQueries() []InvalidProjectionQuery {
	c := func(name, field, query string) InvalidProjectionQuery {
		return InvalidProjectionQuery{Name: name, Field: field, Query: json.RawMessage(query)}
	}
	f := func(filters ...string) string {
		return `{"name": "profile", "filters": [` + strings.Join(filters, ", ") + `]}`
	}
	s := func(sorts ...string) string {
		return `{"name": "profile", "sort": [` + strings.Join(sorts, ", ") + `]}`
	}
	return []InvalidProjectionQuery{
		c("Limits/InOf100000Values", "query", f(inFilter(100000))),
		c("Limits/InOf1001Values", "filters[0].value", f(inFilter(1001))),
		c("Limits/DocumentOver256KiB", "query", f(`{"path": ["state", "name"], "op": "equal", "value": "`+strings.Repeat("x", 300000)+`"}`)),
		c("Limits/Document262145Bytes", "query", string(documentOfSize(projection.MaxQueryBytes+1))),
		c("Limits/DocumentNested70Levels", "query", f(`{"path": ["state"], "op": "contains", "value": `+nestedJSON(70)+`}`)),
		c("Limits/65Filters", "filters", f(repeatJSON(65, func(i int) string {
			return fmt.Sprintf(`{"path": ["state", "age"], "op": "not_equal", "value": %d}`, i)
		})...)),
		c("Limits/PathOf10000Steps", "filters[0].path", f(`{"path": `+longPath(10000)+`, "op": "equal", "value": 1}`)),
		c("Limits/PathOf33Steps", "filters[0].path", f(`{"path": `+longPath(33)+`, "op": "equal", "value": 1}`)),
		c("Limits/PathKeyOf260Bytes", "filters[0].path[1]", f(`{"path": ["state", "`+strings.Repeat("😀", 65)+`"], "op": "equal", "value": 1}`)),
		c("Limits/SortPathOf10000Steps", "sort[0].path", s(`{"path": `+longPath(10000)+`}`)),
		c("Limits/ValueNested33Levels", "filters[0].value", f(`{"path": ["state"], "op": "contains", "value": `+nestedJSON(33)+`}`)),
		c("Limits/9SortKeys", "sort", s(repeatJSON(9, func(i int) string { return fmt.Sprintf(`{"path": ["state", "k%d"]}`, i) })...)),
		c("Limits/1000SortKeys", "sort", s(repeatJSON(1000, func(i int) string { return fmt.Sprintf(`{"path": ["state", "k%d"]}`, i) })...)),
		c("Limits/RegexOf1025Bytes", "filters[0].value", f(regexFilter(strings.Repeat("a", 1025)))),
		c("Limits/RegexBackReference", "filters[0].value", f(regexFilter(`(a*)*\\1`))),
		c("Limits/RegexLookahead", "filters[0].value", f(regexFilter(`^(?=a)`))),
		c("Limits/RegexNegativeLookahead", "filters[0].value", f(regexFilter(`^(?!a)`))),
		c("Limits/RegexLookbehind", "filters[0].value", f(regexFilter(`(?<=a)b`))),
		c("Limits/NotRegexBackReference", "filters[0].value",
			f(`{"path": ["state", "name"], "op": "not_regex_matches", "value": "(x)\\9"}`)),
		c("Limits/SimilarityOf1025Bytes", "sort[0].similarity", s(`{"path": ["state", "name"], "similarity": "`+strings.Repeat("a", 1025)+`"}`)),
		c("Limits/AfterIDOf256Characters", "page.after", `{"name": "profile", "page": {"after": "`+strings.Repeat("p", 256)+`"}}`),
		c("Limits/BeforeIDOf256Characters", "page.before", `{"name": "profile", "page": {"before": "`+strings.Repeat("é", 256)+`"}}`),
		// With several problems, every store names the one PostgreSQL's
		// compiler finds first.
		c("Order/FilterCountBeforeFilters", "filters", f(repeatJSON(65, func(int) string { return `{"op": "like"}` })...)),
		c("Order/PathLengthBeforeField", "filters[0].path", f(`{"path": ["body"`+strings.Repeat(`, 1`, 33)+`], "op": "equal"}`)),
		c("Order/FilterBeforeNextFilterAndSort", "filters[0].value",
			`{"name": "profile", "filters": [{"path": ["state"], "op": "regex_matches", "value": "(?=x)"}, {"op": 1}], "sort": 1}`),
		c("Order/SortOrderBeforeSimilarity", "sort[0].order", s(`{"path": ["id"], "order": "up", "similarity": 1}`)),
	}
}

// projectionQueriesAtTheLimits are queries exactly at the limits of the
// query language: every store accepts them.
func projectionQueriesAtTheLimits() map[string]json.RawMessage {
	f := func(filters ...string) json.RawMessage {
		return json.RawMessage(`{"name": "profile", "filters": [` + strings.Join(filters, ", ") + `]}`)
	}
	return map[string]json.RawMessage{
		"InOf1000Values": f(inFilter(1000)),
		"64Filters": f(repeatJSON(64, func(i int) string {
			return fmt.Sprintf(`{"path": ["state", "age"], "op": "not_equal", "value": %d}`, i)
		})...),
		"PathOf32Steps":             f(`{"path": ` + longPath(32) + `, "op": "equal", "value": null}`),
		"PathKeyOf256Bytes":         f(`{"path": ["state", "` + strings.Repeat("😀", 64) + `"], "op": "equal", "value": null}`),
		"ValueNested32Levels":       f(`{"path": ["state"], "op": "contains", "value": ` + nestedJSON(32) + `}`),
		"RegexOf1024Bytes":          f(regexFilter(strings.Repeat("a", 1024))),
		"EscapedBackslashThenDigit": f(regexFilter(`\\\\1|^Ada`)),
		"8SortKeysWithKeySetPage": json.RawMessage(`{"name": "profile", "sort": [` + strings.Join(repeatJSON(8, func(i int) string {
			return fmt.Sprintf(`{"path": ["state", "k%d"], "order": "desc"}`, i)
		}), ", ") + `], "page": {"after": "p01"}}`),
		"SimilarityOf1024Bytes": json.RawMessage(`{"name": "profile", "sort": [{"path": ["state", "name"], "similarity": "` +
			strings.Repeat("a", 1024) + `"}]}`),
		"AfterIDOf255Characters": json.RawMessage(`{"name": "profile", "page": {"after": "` + strings.Repeat("é", 255) + `"}}`),
		"Document262144Bytes":    documentOfSize(projection.MaxQueryBytes),
	}
}

// documentOfSize is a query whose text is exactly n bytes in the form
// PostgreSQL's jsonb prints (keys by length, ": " and ", "), so that its
// size is n for every store.
func documentOfSize(n int) json.RawMessage {
	const prefix = `{"name": "profile", "filters": [{"op": "equal", "path": ["state", "name"], "value": "`
	const suffix = `"}]}`
	return json.RawMessage(prefix + strings.Repeat("x", n-len(prefix)-len(suffix)) + suffix)
}

// inFilter is an "in" filter on state.name with n string values.
func inFilter(n int) string {
	return `{"path": ["state", "name"], "op": "in", "value": [` + strings.Join(repeatJSON(n, func(i int) string {
		return fmt.Sprintf(`"value-%d"`, i)
	}), ", ") + `]}`
}

func regexFilter(pattern string) string {
	return `{"path": ["state", "name"], "op": "regex_matches", "value": "` + pattern + `"}`
}

// longPath is a path of "state" then n keys.
func longPath(n int) string {
	return `["state"` + strings.Repeat(`, "k"`, n) + `]`
}

// nestedJSON is a value nested n levels: [[...[1]...]].
func nestedJSON(n int) string { return strings.Repeat("[", n) + "1" + strings.Repeat("]", n) }

func repeatJSON(n int, f func(i int) string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// wideName is a name of 255 four-byte characters (1,020 bytes of UTF-8),
// pseudo-random so that PostgreSQL cannot compress it into an index entry.
func wideName(seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 42))
	var b strings.Builder
	for range 255 {
		b.WriteRune(rune(0x10000 + r.IntN(0x100000)))
	}
	return b.String()
}

// RequireProjectionTooLarge asserts that err is a *pgevents.InvalidInputError
// with code projection.CodeProjectionTooLarge (PE115) naming field.
func RequireProjectionTooLarge(t testing.TB, err error, field string) {
	t.Helper()
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)
	var invalid *pgevents.InvalidInputError
	require.ErrorAs(t, err, &invalid)
	require.Equal(t, projection.CodeProjectionTooLarge, invalid.Code, "error %v", err)
	require.Equal(t, field, invalid.Field, "error %v", err)
}

// ProjectionRegexCases are regular expressions with the reason every store
// gives when it refuses one (the Reason of its *pgevents.InvalidInputError,
// PE110, field filters[0].value), "" for patterns every store accepts (and
// both PostgreSQL and Go's RE2 compile). See docs/query-language.md,
// "Limits".
func ProjectionRegexCases() map[string]string {
	const (
		backref = `back-references (\1 to \9) are not allowed`
		look    = "lookahead and lookbehind constraints ((?=, (?!, (?<=, (?<!) are not allowed"
		group   = "a bounded repetition {m,n} of a group is not allowed"
		reps    = "must repeat at most 256 times in total (each *, + or ? counts 1, {m,n} its largest bound; got %d)"
	)
	return map[string]string{
		`^ada`:                    "",
		`(a)\1`:                   backref,
		`(a*)*\9`:                 backref,
		`\\1`:                     "",
		`\\\1`:                    backref,
		`a(?=b)`:                  look,
		`a(?!b)`:                  look,
		`(?<=a)b`:                 look,
		`(?<!a)b`:                 look,
		`\(?=`:                    "",
		`[(?=]`:                   look,
		`(?:a|b)+`:                "",
		`(?i)ada`:                 "",
		`[0-9]{4}-[0-9]{2}`:       "",
		`\d{3}`:                   "",
		`(ab){3}`:                 group,
		`(a{0,6}){0,6}`:           group,
		`\){3}`:                   "",
		`a{255}`:                  "",
		`a{0,255}b{2}`:            fmt.Sprintf(reps, 257),
		`a{256,}`:                 fmt.Sprintf(reps, 257),
		strings.Repeat("a?", 256): "",
		strings.Repeat("a?", 511): fmt.Sprintf(reps, 511),
		strings.Repeat("é*", 200): "",
		strings.Repeat("é", 513):  "must be at most 1024 bytes (got 1026)",
	}
}

// runProjectionLimits is the part of RunProjectionStore about limits:
// queries at the limits are served, long multibyte names are stored, and
// state or metadata beyond the size and nesting limits is refused with
// PE115, writing nothing.
func runProjectionLimits(t *testing.T, newStore func(t *testing.T) projection.Store) {
	t.Helper()
	ctx := context.Background()

	t.Run("SearchProjections/AcceptsQueriesAtTheLimits", func(t *testing.T) {
		store := newStore(t)
		LoadProjectionFixtures(t, store)
		for name, q := range projectionQueriesAtTheLimits() {
			t.Run(name, func(t *testing.T) {
				_, err := store.SearchProjections(ctx, q)
				require.NoError(t, err)
				_, err = store.CountProjections(ctx, q)
				require.NoError(t, err)
			})
		}
	})

	t.Run("SearchProjections/RegexRules", func(t *testing.T) {
		store := newStore(t)
		LoadProjectionFixtures(t, store)
		for pattern, reason := range ProjectionRegexCases() {
			q, err := json.Marshal(map[string]any{"name": "profile", "filters": []any{
				map[string]any{"path": []string{"state", "name"}, "op": "regex_matches", "value": pattern}}})
			require.NoError(t, err)
			_, err = store.SearchProjections(ctx, q)
			if reason == "" {
				require.NoError(t, err, "pattern %q", pattern)
				continue
			}
			RequireInvalidQuery(t, err, "filters[0].value")
			var invalid *pgevents.InvalidInputError
			require.ErrorAs(t, err, &invalid)
			require.Equal(t, reason, invalid.Reason, "pattern %q", pattern)
		}
	})

	t.Run("SaveProjection/LongMultibyteNames", func(t *testing.T) {
		store := newStore(t)
		name, id := wideName(1), wideName(2)
		source := pgevents.StreamID(wideName(3), wideName(4))
		_, err := store.SaveProjection(ctx, &projection.Stored{Name: name, ID: id, Source: source, State: json.RawMessage(`{"n": 1}`)})
		require.NoError(t, err, "255 four-byte characters in name, id, category and stream")
		got, err := store.LocateProjection(ctx, name, source)
		require.NoError(t, err)
		require.Equal(t, id, got.ID)
		got, err = store.LoadProjection(ctx, name, id)
		require.NoError(t, err)
		require.Equal(t, source, got.Source)
	})

	t.Run("SaveProjection/RejectsJSONOverTheLimits", func(t *testing.T) {
		store := newStore(t)
		ada := pgevents.StreamID("profile", "ada")
		_, err := store.SaveProjection(ctx, &projection.Stored{Name: "profile", ID: "ada", Source: ada, State: json.RawMessage(`{"name": "Ada"}`)})
		require.NoError(t, err)
		big := json.RawMessage(`{"s": "` + strings.Repeat("x", projection.DefaultMaxJSONBytes) + `"}`)
		for _, c := range []struct {
			name, field, id string
			state, metadata json.RawMessage
		}{
			{"StateOver1MiB", "state", "big", big, nil},
			{"MetadataOver1MiB", "metadata", "big", json.RawMessage(`{}`), big},
			{"StateNested257Levels", "state", "deep", json.RawMessage(nestedJSON(projection.DefaultMaxJSONDepth + 1)), nil},
			{"MetadataNested10001Levels", "metadata", "deep", json.RawMessage(`{}`), json.RawMessage(nestedJSON(10001))},
			{"UpdateToStateNested10001Levels", "state", "ada", json.RawMessage(nestedJSON(10001)), nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := store.SaveProjection(ctx, &projection.Stored{Name: "profile", ID: c.id, Source: ada, State: c.state, Metadata: c.metadata})
				RequireProjectionTooLarge(t, err, c.field)
			})
		}
		require.Equal(t, int64(1), countAll(t, store, "profile"), "the refused saves wrote nothing")
		loaded, err := store.LoadProjection(ctx, "profile", "ada")
		require.NoError(t, err)
		require.JSONEq(t, `{"name": "Ada"}`, string(loaded.State), "the refused update left the state")

		// At the limits: saved, and found by a search.
		deep := json.RawMessage(nestedJSON(projection.DefaultMaxJSONDepth))
		_, err = store.SaveProjection(ctx, &projection.Stored{Name: "profile", ID: "deep", Source: ada, State: deep, Metadata: deep})
		require.NoError(t, err)
		atSize := json.RawMessage(`"` + strings.Repeat("x", projection.DefaultMaxJSONBytes-2) + `"`)
		_, err = store.SaveProjection(ctx, &projection.Stored{Name: "profile", ID: "big", Source: ada, State: atSize})
		require.NoError(t, err)
		got, err := store.SearchProjections(ctx, json.RawMessage(`{"name": "profile", "filters": [{"path": ["state", 0], "op": "not_equal", "value": null}]}`))
		require.NoError(t, err)
		require.Equal(t, []string{"deep"}, storedIDs(got))
	})
}
