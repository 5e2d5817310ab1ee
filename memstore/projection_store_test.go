package memstore

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/projection"
	"github.com/pgevents/pgevents/storetest"
)

var _ projection.Store = (*ProjectionStore)(nil)

func TestProjectionStore_Contract(t *testing.T) {
	t.Parallel()
	storetest.RunProjectionStore(t, func(t *testing.T) projection.Store { return NewProjectionStore() })
}

// TestProjectionStore_CompareProjectionQueries runs the comparison helper
// on two memstores: they must agree, so this checks the helper and the
// random query generator (every random query either runs or fails with
// PE110 in both).
func TestProjectionStore_CompareProjectionQueries(t *testing.T) {
	t.Parallel()
	storetest.CompareProjectionQueries(t, NewProjectionStore(), NewProjectionStore(), 42, 500)
}

func TestProjectionStore_SaveCopiesInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := NewProjectionStore()
	state := []byte(`{"n": 1}`)
	saved, err := store.SaveProjection(ctx, &projection.Stored{Name: "p", ID: "a", State: state})
	require.NoError(t, err)
	state[6] = '2'
	saved.State[6] = '3'
	loaded, err := store.LoadProjection(ctx, "p", "a")
	require.NoError(t, err)
	require.JSONEq(t, `{"n":1}`, string(loaded.State))
}

func TestProjectionStore_ContextCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	store := NewProjectionStore()
	_, err := store.SaveProjection(ctx, &projection.Stored{Name: "p", ID: "a"})
	require.ErrorIs(t, err, context.Canceled)
	_, err = store.SearchProjections(ctx, json.RawMessage(`{"name": "p"}`))
	require.ErrorIs(t, err, context.Canceled)
}

func TestProjectionStore_SaveRejectsInvalidJSON(t *testing.T) {
	t.Parallel()
	store := NewProjectionStore()
	_, err := store.SaveProjection(context.Background(), &projection.Stored{Name: "p", ID: "a", State: json.RawMessage(`{"n": }`)})
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)
}

// Values from PostgreSQL 15 with pg_trgm: show_trgm and similarity.
func TestTrigramSimilarity(t *testing.T) {
	t.Parallel()
	require.Len(t, trigrams("cat"), 4) // {"  c"," ca","at ","cat"}
	require.Equal(t, trigrams("Cat!"), trigrams("cat"))
	require.Len(t, trigrams("foo bar"), 8)
	require.Empty(t, trigrams(" !? "))

	for _, c := range []struct {
		a, b string
		want float32
	}{
		{"word", "two words", 4.0 / 11},
		{"word", "word", 1},
		{"Word", "wORD", 1},
		{"ada lovelace", "Ada Lovelace", 1},
		{"ada", "ada lovelace", 4.0 / 13},
		{"adam smith", "ada lovelace", 3.0 / 21},
		{"abc", "xyz", 0},
		{"", "", 0},
		{"", "abc", 0},
		{"a-b", "a b", 1}, // punctuation separates words
	} {
		require.InDelta(t, c.want, trigramSimilarity(c.a, c.b), 1e-7, "similarity(%q, %q)", c.a, c.b)
		require.Equal(t, trigramSimilarity(c.a, c.b), trigramSimilarity(c.b, c.a))
	}
}

func TestCompareNumbers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1", "1.0", 0}, {"100", "1e2", 0}, {"1E+2", "100.000", 0}, {"0", "-0", 0}, {"0.0", "0e10", 0},
		{"9", "10", -1}, {"-3", "9", -1}, {"-10", "-9", -1}, {"0.1", "0.09", 1}, {"1e-5", "0", 1},
		{"-1e-5", "0", -1}, {"12345678901234567890.123456789", "12345678901234567890.12345678", 1},
		{"1e999999999999999999999", "1e10", 1}, {"0.5", "0.50000000000000000001", -1},
	} {
		require.Equal(t, c.want, sign(compareNumbers(c.a, c.b)), "compare(%s, %s)", c.a, c.b)
		require.Equal(t, -c.want, sign(compareNumbers(c.b, c.a)), "compare(%s, %s)", c.b, c.a)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// Examples from PostgreSQL's documentation of jsonb containment (8.14.3).
func TestJSONBContains(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{`"foo"`, `"foo"`, true},
		{`[1, 2, 3]`, `[1, 3]`, true},
		{`[1, 2, 3]`, `[3, 1]`, true},
		{`[1, 2, 3]`, `[1, 2, 2]`, true},
		{`{"product": "PostgreSQL", "version": 9.4, "jsonb": true}`, `{"version": 9.4}`, true},
		{`[1, 2, [1, 3]]`, `[1, 3]`, false},
		{`[1, 2, [1, 3]]`, `[[1, 3]]`, true},
		{`{"foo": {"bar": "baz"}}`, `{"bar": "baz"}`, false},
		{`{"foo": {"bar": "baz"}}`, `{"foo": {}}`, true},
		{`["foo", "bar"]`, `"bar"`, true},
		{`"bar"`, `["bar"]`, false},
		{`{"a": ["x"]}`, `{"a": "x"}`, false},
		{`{"a": 1.0}`, `{"a": 1}`, true},
		{`[]`, `{}`, false},
		{`{}`, `[]`, false},
		{`[{"a": 1, "b": 2}]`, `[{"a": 1}]`, true},
		{`[1]`, `[[]]`, false},
		{`[null]`, `null`, true},
		{`{"a": null}`, `{"a": null}`, true},
		{`1`, `1.00`, true},
	} {
		a, err := decodeJSON([]byte(c.a))
		require.NoError(t, err)
		b, err := decodeJSON([]byte(c.b))
		require.NoError(t, err)
		require.Equal(t, c.want, jsonbContains(a, b), "%s @> %s", c.a, c.b)
	}
}

func TestCompareJSON(t *testing.T) {
	t.Parallel()
	ordered := []string{`null`, `"B"`, `"a"`, `"ab"`, `-1`, `2`, `10`, `false`, `true`, `[]`, `[3]`, `[1, 2]`, `{}`, `{"aa": 0}`, `{"b": 1}`, `{"a": 1, "b": 0}`}
	for i := range ordered {
		for j := range ordered {
			a, err := decodeJSON([]byte(ordered[i]))
			require.NoError(t, err)
			b, err := decodeJSON([]byte(ordered[j]))
			require.NoError(t, err)
			want := sign(i - j)
			require.Equal(t, want, sign(compareJSON(a, b)), "compare(%s, %s)", ordered[i], ordered[j])
		}
	}
}

// FuzzProjectionQuery throws arbitrary documents at the parser and the
// in-memory store: each must either fail with a PE110
// *pgevents.InvalidInputError or run, returning at most the page's limit of
// distinct rows of the queried name that Count agrees with; and a query that
// parses must survive a round trip through the builder's wire form.
func FuzzProjectionQuery(f *testing.F) {
	for _, c := range storetest.ProjectionQueryCases() {
		f.Add([]byte(c.Query))
	}
	for _, c := range storetest.InvalidProjectionQueries() {
		f.Add([]byte(c.Query))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		f.Add([]byte(storetest.RandomProjectionQuery(r)))
	}
	store := NewProjectionStore()
	storetest.LoadProjectionFixtures(f, store)
	ctx := context.Background()

	f.Fuzz(func(t *testing.T, raw []byte) {
		q, parseErr := projection.ParseQuery(raw)
		rows, err := store.SearchProjections(ctx, raw)
		n, countErr := store.CountProjections(ctx, raw)
		if err != nil {
			var invalid *pgevents.InvalidInputError
			require.True(t, errors.As(err, &invalid), "untyped error %v for %s", err, raw)
			require.Equal(t, projection.CodeInvalidQuery, invalid.Code)
			require.Error(t, countErr, "search failed with %v but count did not", err)
			// The store checks the document's size (on its jsonb text) before
			// parsing; every other error is ParseQuery's.
			if parseErr != nil && !(invalid.Field == "query" && strings.Contains(invalid.Reason, "bytes as JSON text")) {
				require.Equal(t, parseErr.Error(), err.Error())
			}
			return
		}
		require.NoError(t, parseErr)
		require.NoError(t, countErr)
		require.LessOrEqual(t, len(rows), q.Page.LimitOrDefault())
		require.LessOrEqual(t, int64(len(rows)), n)
		seen := map[string]bool{}
		for _, row := range rows {
			require.Equal(t, q.Name, row.Name)
			require.False(t, seen[row.ID], "duplicate id %s", row.ID)
			seen[row.ID] = true
		}

		built, err := q.Build()
		require.NoError(t, err, "a parsed query must build: %s", raw)
		again, err := projection.ParseQuery(built)
		require.NoError(t, err, "built query %s must parse", built)
		rebuilt, err := again.Build()
		require.NoError(t, err)
		require.JSONEq(t, string(built), string(rebuilt))
		rows2, err := store.SearchProjections(ctx, built)
		require.NoError(t, err)
		require.Equal(t, len(rows), len(rows2), "the built form %s of %s answers differently", built, raw)
	})
}

type profile struct {
	Age  int    `json:"age"`
	Name string `json:"name"`
}

func TestProjectionRepository(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := NewProjectionStore()
	repo := projection.NewRepository[profile, map[string]int](store, "profile")
	ada := pgevents.StreamID("profile", "ada")

	saved, err := repo.Save(ctx, &projection.Projection[profile, map[string]int]{ID: "ada", Source: ada,
		State: profile{Age: 36, Name: "Ada"}, Metadata: map[string]int{"v": 1}})
	require.NoError(t, err)
	require.Equal(t, "profile", saved.Name, "an empty name is the repository's")
	_, err = repo.Save(ctx, &projection.Projection[profile, map[string]int]{ID: "bob", Name: "profile",
		Source: pgevents.StreamID("profile", "bob"), State: profile{Age: 20, Name: "Bob"}})
	require.NoError(t, err)
	_, err = repo.Save(ctx, &projection.Projection[profile, map[string]int]{ID: "x", Name: "other"})
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)

	loaded, err := repo.Load(ctx, "ada")
	require.NoError(t, err)
	require.Equal(t, profile{Age: 36, Name: "Ada"}, loaded.State)
	require.Equal(t, map[string]int{"v": 1}, loaded.Metadata)
	_, err = repo.Load(ctx, "nobody")
	require.ErrorIs(t, err, pgevents.ErrNotFound)

	located, err := repo.Locate(ctx, ada)
	require.NoError(t, err)
	require.Equal(t, "ada", located.ID)

	// The query's name is replaced by the repository's.
	found, err := repo.Search(ctx, projection.NewQuery("ignored").OrderBy(projection.StatePath("age").Asc()))
	require.NoError(t, err)
	require.Equal(t, []string{"bob", "ada"}, []string{found[0].ID, found[1].ID})
	n, err := repo.Count(ctx, projection.Query{}.Where(projection.StatePath("age").GreaterThan(30)))
	require.NoError(t, err)
	require.Equal(t, int64(1), n)

	one, err := repo.Lookup(ctx, projection.Query{}.Where(projection.StatePath("name").Equal("Bob")))
	require.NoError(t, err)
	require.Equal(t, "bob", one.ID)
	_, err = repo.Lookup(ctx, projection.Query{}.Where(projection.StatePath("name").Equal("Zed")))
	require.ErrorIs(t, err, pgevents.ErrNotFound)
	_, err = repo.Lookup(ctx, projection.Query{})
	require.ErrorIs(t, err, pgevents.ErrAmbiguous)
	_, err = repo.Search(ctx, projection.Query{}.Limit(-1))
	storetest.RequireInvalidQuery(t, err, "page.limit")
}
