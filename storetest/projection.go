package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/projection"
)

// RunProjectionStore runs the contract suite of projection.Store against
// the stores newStore returns. newStore must return an empty store for each
// call (each subtest group calls it once). Subtests are named
// Method/Behaviour; they never call t.Parallel, so a store backed by one
// database may run them in sequence.
//
// The suite covers upserts (first source and created_at kept), loads and
// lookups (pgevents.ErrNotFound, pgevents.ErrAmbiguous), every case of
// ProjectionQueryCases for SearchProjections and CountProjections, key-set
// walks in both directions, queries built with projection.Query, every
// case of InvalidProjectionQueries (PE110, including queries beyond the
// query language's limits), queries at those limits, names of 255 four-byte
// characters, and states and metadata beyond the size and nesting limits
// (PE115).
func RunProjectionStore(t *testing.T, newStore func(t *testing.T) projection.Store) {
	t.Helper()
	ctx := context.Background()

	save := func(t *testing.T, store projection.Store, p projection.Stored) *projection.Stored {
		t.Helper()
		saved, err := store.SaveProjection(ctx, &p)
		require.NoError(t, err)
		return saved
	}
	stored := func(name, id string, source pgevents.Identifier, state string) projection.Stored {
		return projection.Stored{Name: name, ID: id, Source: source, State: json.RawMessage(state),
			Metadata: json.RawMessage(`{"v": 1}`)}
	}
	ada := pgevents.StreamID("profile", "ada")

	t.Run("SaveProjection/ReturnsStoredRow", func(t *testing.T) {
		store := newStore(t)
		before := time.Now().Add(-time.Minute)
		saved := save(t, store, stored("profile", "ada", ada, `{"name": "Ada", "tags": ["a"]}`))
		require.Equal(t, "profile", saved.Name)
		require.Equal(t, "ada", saved.ID)
		require.Equal(t, ada, saved.Source)
		require.JSONEq(t, `{"name": "Ada", "tags": ["a"]}`, string(saved.State))
		require.JSONEq(t, `{"v": 1}`, string(saved.Metadata))
		require.True(t, saved.CreatedAt.After(before), "CreatedAt %s is not recent", saved.CreatedAt)
		require.Equal(t, saved.CreatedAt, saved.UpdatedAt)
		require.Equal(t, saved.CreatedAt, saved.CreatedAt.Truncate(time.Microsecond), "timestamps have microsecond precision")
	})

	t.Run("SaveProjection/UpsertsByNameAndID", func(t *testing.T) {
		store := newStore(t)
		first := save(t, store, stored("profile", "ada", ada, `{"name": "Ada"}`))
		time.Sleep(2 * time.Millisecond)
		second := save(t, store, projection.Stored{Name: "profile", ID: "ada", Source: ada,
			State: json.RawMessage(`{"name": "Ada Lovelace"}`), Metadata: json.RawMessage(`{"v": 2}`)})
		require.JSONEq(t, `{"name": "Ada Lovelace"}`, string(second.State))
		require.JSONEq(t, `{"v": 2}`, string(second.Metadata))
		require.True(t, second.UpdatedAt.After(first.UpdatedAt), "UpdatedAt %s not after %s", second.UpdatedAt, first.UpdatedAt)

		loaded, err := store.LoadProjection(ctx, "profile", "ada")
		require.NoError(t, err)
		require.JSONEq(t, `{"name": "Ada Lovelace"}`, string(loaded.State))
		require.Equal(t, int64(1), countAll(t, store, "profile"))
	})

	t.Run("SaveProjection/KeepsFirstSourceAndCreatedAt", func(t *testing.T) {
		store := newStore(t)
		first := save(t, store, stored("profile", "ada", ada, `{"n": 1}`))
		time.Sleep(2 * time.Millisecond)
		second := save(t, store, stored("profile", "ada", pgevents.CategoryID("other"), `{"n": 2}`))
		require.Equal(t, ada, second.Source)
		require.Equal(t, first.CreatedAt, second.CreatedAt)
		require.True(t, second.UpdatedAt.After(second.CreatedAt))
		loaded, err := store.LoadProjection(ctx, "profile", "ada")
		require.NoError(t, err)
		require.Equal(t, ada, loaded.Source)
		require.Equal(t, first.CreatedAt, loaded.CreatedAt)
		require.Equal(t, second.UpdatedAt, loaded.UpdatedAt)
		require.JSONEq(t, `{"n": 2}`, string(loaded.State))
	})

	t.Run("SaveProjection/SameIDUnderOtherNameIsSeparate", func(t *testing.T) {
		store := newStore(t)
		save(t, store, stored("profile", "ada", ada, `{"n": 1}`))
		save(t, store, stored("audit", "ada", pgevents.LogID(), `{"n": 2}`))
		p, err := store.LoadProjection(ctx, "profile", "ada")
		require.NoError(t, err)
		require.JSONEq(t, `{"n": 1}`, string(p.State))
		a, err := store.LoadProjection(ctx, "audit", "ada")
		require.NoError(t, err)
		require.JSONEq(t, `{"n": 2}`, string(a.State))
		require.Equal(t, pgevents.LogID(), a.Source)
	})

	t.Run("SaveProjection/NilJSONIsNull", func(t *testing.T) {
		store := newStore(t)
		saved, err := store.SaveProjection(ctx, &projection.Stored{Name: "profile", ID: "ada", Source: ada})
		require.NoError(t, err)
		require.JSONEq(t, `null`, string(saved.State))
		require.JSONEq(t, `null`, string(saved.Metadata))
	})

	t.Run("SaveProjection/RoundTripsJSON", func(t *testing.T) {
		store := newStore(t)
		state := `{"text": "Zoë ☃ \"quoted\" \\ back", "big": 12345678901234567890.123456789, "neg": -0.5,
			"nested": {"a": [1, [2, {"b": null}]], "t": true}, "empty": {}, "none": []}`
		save(t, store, stored("profile", "ada", ada, state))
		loaded, err := store.LoadProjection(ctx, "profile", "ada")
		require.NoError(t, err)
		require.JSONEq(t, state, string(loaded.State))
		var v struct {
			Big json.Number `json:"big"`
		}
		require.NoError(t, json.Unmarshal(loaded.State, &v))
		require.Equal(t, "12345678901234567890.123456789", v.Big.String(), "numbers keep every digit")
	})

	t.Run("SaveProjection/RejectsInvalidInput", func(t *testing.T) {
		store := newStore(t)
		for _, p := range []projection.Stored{
			stored("", "ada", ada, `{}`),
			stored("profile", "", ada, `{}`),
			stored("profile", "ada", pgevents.Identifier{Stream: "ada"}, `{}`),
		} {
			_, err := store.SaveProjection(ctx, &p)
			require.ErrorIs(t, err, pgevents.ErrInvalidInput, "saving %+v", p)
			var invalid *pgevents.InvalidInputError
			require.ErrorAs(t, err, &invalid)
		}
		require.Equal(t, int64(0), countAll(t, store, "profile"))
	})

	t.Run("LoadProjection/ReturnsSaved", func(t *testing.T) {
		store := newStore(t)
		saved := save(t, store, stored("profile", "ada", ada, `{"name": "Ada"}`))
		loaded, err := store.LoadProjection(ctx, "profile", "ada")
		require.NoError(t, err)
		requireSameStored(t, saved, loaded)
	})

	t.Run("LoadProjection/ReturnsErrNotFoundIfMissing", func(t *testing.T) {
		store := newStore(t)
		save(t, store, stored("profile", "ada", ada, `{}`))
		_, err := store.LoadProjection(ctx, "profile", "bob")
		require.ErrorIs(t, err, pgevents.ErrNotFound)
		_, err = store.LoadProjection(ctx, "audit", "ada")
		require.ErrorIs(t, err, pgevents.ErrNotFound)
	})

	t.Run("LocateProjection/FindsBySource", func(t *testing.T) {
		store := newStore(t)
		save(t, store, stored("profile", "ada", ada, `{"n": 1}`))
		save(t, store, stored("profile", "bob", pgevents.StreamID("profile", "bob"), `{"n": 2}`))
		save(t, store, stored("profile", "all", pgevents.CategoryID("profile"), `{"n": 3}`))
		save(t, store, stored("profile", "log", pgevents.LogID(), `{"n": 4}`))
		for source, id := range map[pgevents.Identifier]string{
			ada: "ada", pgevents.CategoryID("profile"): "all", pgevents.LogID(): "log",
		} {
			p, err := store.LocateProjection(ctx, "profile", source)
			require.NoError(t, err, "locating %s", source)
			require.Equal(t, id, p.ID)
			require.Equal(t, source, p.Source)
		}
	})

	t.Run("LocateProjection/ReturnsErrNotFoundIfNoSourceMatches", func(t *testing.T) {
		store := newStore(t)
		save(t, store, stored("profile", "ada", ada, `{}`))
		for _, source := range []pgevents.Identifier{
			pgevents.StreamID("profile", "bob"), pgevents.StreamID("other", "ada"), pgevents.CategoryID("profile"), pgevents.LogID(),
		} {
			_, err := store.LocateProjection(ctx, "profile", source)
			require.ErrorIs(t, err, pgevents.ErrNotFound, "locating %s", source)
		}
	})

	t.Run("LocateProjection/ReturnsErrAmbiguousIfSeveralMatch", func(t *testing.T) {
		store := newStore(t)
		save(t, store, stored("profile", "ada", ada, `{}`))
		save(t, store, stored("profile", "ada-2", ada, `{}`))
		_, err := store.LocateProjection(ctx, "profile", ada)
		require.ErrorIs(t, err, pgevents.ErrAmbiguous)
		require.NotErrorIs(t, err, pgevents.ErrNotFound)
	})

	t.Run("LocateProjection/ScopedToName", func(t *testing.T) {
		store := newStore(t)
		save(t, store, stored("profile", "ada", ada, `{"n": 1}`))
		save(t, store, stored("audit", "ada", ada, `{"n": 2}`))
		p, err := store.LocateProjection(ctx, "audit", ada)
		require.NoError(t, err)
		require.Equal(t, "audit", p.Name)
		require.JSONEq(t, `{"n": 2}`, string(p.State))
		_, err = store.LocateProjection(ctx, "nobody", ada)
		require.ErrorIs(t, err, pgevents.ErrNotFound)
	})

	t.Run("SearchProjections", func(t *testing.T) {
		store := newStore(t)
		LoadProjectionFixtures(t, store)
		for _, c := range ProjectionQueryCases() {
			t.Run(c.Name, func(t *testing.T) {
				got, err := store.SearchProjections(ctx, c.Query)
				require.NoError(t, err, "query %s", c.Query)
				require.Equal(t, c.WantIDs, storedIDs(got), "query %s", c.Query)
			})
		}
	})

	t.Run("CountProjections", func(t *testing.T) {
		store := newStore(t)
		LoadProjectionFixtures(t, store)
		for _, c := range ProjectionQueryCases() {
			t.Run(c.Name, func(t *testing.T) {
				got, err := store.CountProjections(ctx, c.Query)
				require.NoError(t, err, "query %s", c.Query)
				require.Equal(t, c.WantCount, got, "query %s", c.Query)
			})
		}
	})

	t.Run("SearchProjections/ReturnsFullRows", func(t *testing.T) {
		store := newStore(t)
		fixtures := LoadProjectionFixtures(t, store)
		got, err := store.SearchProjections(ctx, json.RawMessage(`{"name": "profile", "filters": [{"path": ["id"], "op": "in", "value": ["p05", "p08"]}]}`))
		require.NoError(t, err)
		require.Len(t, got, 2)
		for i, id := range []string{"p05", "p08"} {
			want := fixtures[id]
			requireSameStored(t, &want, &got[i])
		}
	})

	t.Run("SearchProjections/SeesLatestSave", func(t *testing.T) {
		store := newStore(t)
		LoadProjectionFixtures(t, store)
		q := json.RawMessage(`{"name": "profile", "filters": [{"path": ["state", "age"], "op": "greater_than", "value": 1000}]}`)
		got, err := store.SearchProjections(ctx, q)
		require.NoError(t, err)
		require.Empty(t, got)
		save(t, store, stored("profile", "p04", pgevents.StreamID("profile", "p04"), `{"age": 1001}`))
		got, err = store.SearchProjections(ctx, q)
		require.NoError(t, err)
		require.Equal(t, []string{"p04"}, storedIDs(got))
	})

	t.Run("SearchProjections/KeySetWalks", func(t *testing.T) {
		store := newStore(t)
		LoadProjectionFixtures(t, store)
		for _, s := range []struct{ name, sort string }{
			{"ByID", `[]`},
			{"MultiKey", `[{"path": ["metadata", "version"], "order": "desc"}, {"path": ["state", "name"], "order": "asc"}]`},
			{"Ties", `[{"path": ["state", "active"], "order": "desc"}]`},
			{"NullsAndMixed", `[{"path": ["state", "score"], "order": "asc"}, {"path": ["state", "age"], "order": "desc"}]`},
			{"Similarity", `[{"similarity": "ada", "path": ["state", "name"], "order": "desc"}]`},
			{"SimilarityAsc", `[{"similarity": "ada", "path": ["state", "name"], "order": "asc"}, {"path": ["id"], "order": "desc"}]`},
			{"SourceAndNested", `[{"path": ["source", "type"]}, {"path": ["state", "address", "city"], "order": "desc"}]`},
		} {
			name, sort := s.name, s.sort
			t.Run(name, func(t *testing.T) {
				full, err := store.SearchProjections(ctx, json.RawMessage(`{"name": "profile", "sort": `+sort+`}`))
				require.NoError(t, err)
				all := storedIDs(full)
				require.Len(t, all, 8)
				for _, limit := range []int{1, 3} {
					// Forwards: the first page by offset, then after the last id.
					var walked []string
					page := fmt.Sprintf(`{"offset": 0, "limit": %d}`, limit)
					for range 10 {
						got, err := store.SearchProjections(ctx, json.RawMessage(`{"name": "profile", "sort": `+sort+`, "page": `+page+`}`))
						require.NoError(t, err)
						if len(got) == 0 {
							break
						}
						require.LessOrEqual(t, len(got), limit)
						walked = append(walked, storedIDs(got)...)
						page = fmt.Sprintf(`{"after": %q, "limit": %d}`, got[len(got)-1].ID, limit)
					}
					require.Equal(t, all, walked, "forwards, limit %d", limit)

					// Backwards: before the last item, then before the first id of each page.
					walked = []string{all[len(all)-1]}
					for range 10 {
						page = fmt.Sprintf(`{"before": %q, "limit": %d}`, walked[0], limit)
						got, err := store.SearchProjections(ctx, json.RawMessage(`{"name": "profile", "sort": `+sort+`, "page": `+page+`}`))
						require.NoError(t, err)
						if len(got) == 0 {
							break
						}
						require.LessOrEqual(t, len(got), limit)
						walked = append(storedIDs(got), walked...)
					}
					require.Equal(t, all, walked, "backwards, limit %d", limit)
				}
			})
		}
	})

	t.Run("SearchProjections/BuiltQueries", func(t *testing.T) {
		store := newStore(t)
		LoadProjectionFixtures(t, store)
		for name, c := range builtQueryCases() {
			t.Run(name, func(t *testing.T) {
				raw, err := c.query.Build()
				require.NoError(t, err)
				got, err := store.SearchProjections(ctx, raw)
				require.NoError(t, err, "query %s", raw)
				require.Equal(t, c.want, storedIDs(got), "query %s", raw)
				n, err := store.CountProjections(ctx, raw)
				require.NoError(t, err)
				require.Equal(t, c.count, n, "query %s", raw)
			})
		}
	})

	t.Run("SearchProjections/RejectsInvalidQuery", func(t *testing.T) {
		store := newStore(t)
		LoadProjectionFixtures(t, store)
		for _, c := range InvalidProjectionQueries() {
			t.Run(c.Name, func(t *testing.T) {
				_, err := store.SearchProjections(ctx, c.Query)
				RequireInvalidQuery(t, err, c.Field)
			})
		}
	})

	t.Run("CountProjections/RejectsInvalidQuery", func(t *testing.T) {
		store := newStore(t)
		LoadProjectionFixtures(t, store)
		for _, c := range InvalidProjectionQueries() {
			t.Run(c.Name, func(t *testing.T) {
				_, err := store.CountProjections(ctx, c.Query)
				RequireInvalidQuery(t, err, c.Field)
			})
		}
	})

	t.Run("SearchProjections/ConcurrentSavesAndSearches", func(t *testing.T) {
		store := newStore(t)
		const writers, saves = 4, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers*saves*2)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range saves {
					id := fmt.Sprintf("w%d-%02d", w, i)
					p := stored("profile", id, pgevents.StreamID("profile", id), fmt.Sprintf(`{"writer": %d, "i": %d}`, w, i))
					if _, err := store.SaveProjection(ctx, &p); err != nil {
						errs <- err
					}
					q := json.RawMessage(fmt.Sprintf(`{"name": "profile", "filters": [{"path": ["state", "writer"], "op": "equal", "value": %d}]}`, w))
					got, err := store.SearchProjections(ctx, q)
					if err != nil {
						errs <- err
					} else if len(got) != i+1 {
						errs <- fmt.Errorf("writer %d saw %d of its projections after %d saves", w, len(got), i+1)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Equal(t, int64(writers*saves), countAll(t, store, "profile"))
	})

	runProjectionLimits(t, newStore)
}

// LoadProjectionFixtures saves ProjectionFixtures into store and returns
// them as saved, keyed by id (the "profile" ones).
func LoadProjectionFixtures(t testing.TB, store projection.Store) map[string]projection.Stored {
	t.Helper()
	out := map[string]projection.Stored{}
	for _, p := range ProjectionFixtures() {
		saved, err := store.SaveProjection(context.Background(), &p)
		require.NoError(t, err, "saving fixture %s/%s", p.Name, p.ID)
		if p.Name == ProjectionFixtureName {
			out[p.ID] = *saved
		}
	}
	return out
}

// RequireInvalidQuery asserts that err is a *pgevents.InvalidInputError
// with code projection.CodeInvalidQuery naming field (any field when field
// is empty).
func RequireInvalidQuery(t testing.TB, err error, field string) {
	t.Helper()
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)
	var invalid *pgevents.InvalidInputError
	require.ErrorAs(t, err, &invalid)
	require.Equal(t, projection.CodeInvalidQuery, invalid.Code, "error %v", err)
	if field != "" {
		require.Equal(t, field, invalid.Field, "error %v", err)
	}
}

type builtQueryCase struct {
	count int64
	query projection.Query
	want  []string
}

// builtQueryCases are queries built with projection.Query over
// ProjectionFixtures, so the builder's wire form is checked against a store.
func builtQueryCases() map[string]builtQueryCase {
	q := projection.NewQuery(ProjectionFixtureName)
	return map[string]builtQueryCase{
		"Equal":       {1, q.Where(projection.StatePath("email").Equal("ada@example.com")), []string{"p01"}},
		"IsNull":      {2, q.Where(projection.StatePath("email").IsNull()), []string{"p04", "p08"}},
		"IsNotNull":   {5, q.Where(projection.StatePath("score").IsNotNull()), []string{"p01", "p02", "p03", "p05", "p07"}},
		"NotEqual":    {4, q.Where(projection.StatePath("active").NotEqual(true)), []string{"p02", "p04", "p06", "p08"}},
		"Range":       {2, q.Where(projection.StatePath("age").GreaterThan(9), projection.StatePath("age").LessThanOrEqual(36)), []string{"p01", "p05"}},
		"RangeLower":  {4, q.Where(projection.StatePath("age").GreaterThanOrEqual(36)), []string{"p01", "p02", "p03", "p06"}},
		"LessThan":    {2, q.Where(projection.StatePath("age").LessThan(10)), []string{"p04", "p07"}},
		"In":          {3, q.Where(projection.StatePath("address", "city").In("London", "Uppsala")), []string{"p01", "p03", "p07"}},
		"InNothing":   {0, q.Where(projection.StatePath("age").In()), []string{}},
		"Contains":    {2, q.Where(projection.StatePath("tags").Contains("admin")), []string{"p01", "p06"}},
		"ContainsMap": {2, q.Where(projection.StatePath().Contains(map[string]any{"address": map[string]any{"city": "London"}})), []string{"p01", "p03"}},
		"Regex":       {1, q.Where(projection.StatePath("name").RegexMatches("^ada")), []string{"p04"}},
		"NotRegex":    {3, q.Where(projection.StatePath("email").NotRegexMatches("example")), []string{"p02", "p04", "p08"}},
		"Index":       {2, q.Where(projection.StatePath("tags").Index(0).Equal("admin")), []string{"p01", "p06"}},
		"DeepKey":     {1, q.Where(projection.StatePath("address").Key("geo", "lat").GreaterThan(50)), []string{"p07"}},
		"Source":      {1, q.Where(projection.SourcePath("type").Equal("category")), []string{"p08"}},
		"ID":          {1, q.Where(projection.IDPath().In("p02", "p09")), []string{"p02"}},
		"Name":        {8, q.Where(projection.NamePath().Equal("profile")).Limit(1), []string{"p01"}},
		"Metadata":    {4, q.Where(projection.MetadataPath("version").GreaterThanOrEqual(2)), []string{"p01", "p03", "p06", "p08"}},
		"SortMulti": {8, q.OrderBy(projection.MetadataPath("version").Desc(), projection.StatePath("name").Asc()),
			[]string{"p05", "p07", "p08", "p01", "p03", "p06", "p02", "p04"}},
		"Similarity": {7, q.Where(projection.StatePath("name").IsNotNull()).OrderBy(projection.StatePath("name").SimilarityTo("ada lovelace").Desc()),
			[]string{"p01", "p04", "p05", "p02", "p03", "p06", "p07"}},
		"Offset":     {8, q.OrderBy(projection.StatePath("age").Asc()).Offset(2, 3), []string{"p05", "p01", "p03"}},
		"PageNumber": {8, q.OrderBy(projection.StatePath("age").Asc()).PageNumber(2, 3), []string{"p01", "p03", "p02"}},
		"After":      {8, q.OrderBy(projection.StatePath("age").Asc()).After("p05", 3), []string{"p01", "p03", "p02"}},
		"Before":     {8, q.OrderBy(projection.StatePath("age").Asc()).Before("p03", 2), []string{"p05", "p01"}},
	}
}

func countAll(t *testing.T, store projection.Store, name string) int64 {
	t.Helper()
	n, err := store.CountProjections(context.Background(), json.RawMessage(fmt.Sprintf(`{"name": %q}`, name)))
	require.NoError(t, err)
	return n
}

func storedIDs(ps []projection.Stored) []string {
	ids := make([]string, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}

func requireSameStored(t *testing.T, want, got *projection.Stored) {
	t.Helper()
	require.Equal(t, want.Name, got.Name)
	require.Equal(t, want.ID, got.ID)
	require.Equal(t, want.Source, got.Source)
	require.JSONEq(t, string(want.State), string(got.State))
	require.JSONEq(t, string(want.Metadata), string(got.Metadata))
	require.True(t, want.CreatedAt.Equal(got.CreatedAt), "CreatedAt %s != %s", want.CreatedAt, got.CreatedAt)
	require.True(t, want.UpdatedAt.Equal(got.UpdatedAt), "UpdatedAt %s != %s", want.UpdatedAt, got.UpdatedAt)
}
