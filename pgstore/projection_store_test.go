package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/projection"
	"github.com/pgevents/pgevents/storetest"
)

// ProjectionStore implements the contract at compile time.
var _ projection.Store = (*ProjectionStore)(nil)

// forEachModeProjections runs fn as a parallel subtest per exec mode with a
// fresh database and ProjectionStore.
func forEachModeProjections(t *testing.T, fn func(t *testing.T, pool *pgxpool.Pool, s *ProjectionStore)) {
	t.Helper()
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			pool := newPool(t, mode, 4)
			fn(t, pool, NewProjectionStore(pool))
		})
	}
}

func saveProjection(t *testing.T, s *ProjectionStore, p projection.Stored) *projection.Stored {
	t.Helper()
	got, err := s.SaveProjection(context.Background(), &p)
	require.NoError(t, err)
	return got
}

func TestNewProjectionStore(t *testing.T) {
	t.Parallel()
	require.Panics(t, func() { NewProjectionStore(nil) })
}

func TestProjectionStore_SaveLoadLocate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	forEachModeProjections(t, func(t *testing.T, pool *pgxpool.Pool, s *ProjectionStore) {
		first := saveProjection(t, s, projection.Stored{Name: "profile", ID: "ada", Source: pgevents.StreamID("user", "ada"),
			State: json.RawMessage(`{"age": 36}`), Metadata: json.RawMessage(`{"v": 1}`)})
		require.Equal(t, pgevents.StreamID("user", "ada"), first.Source)
		require.JSONEq(t, `{"age": 36}`, string(first.State))
		require.Equal(t, first.CreatedAt, first.UpdatedAt)

		// Upsert: the first source and created_at stay.
		second := saveProjection(t, s, projection.Stored{Name: "profile", ID: "ada", Source: pgevents.LogID(),
			State: json.RawMessage(`{"age": 37}`)})
		require.Equal(t, pgevents.StreamID("user", "ada"), second.Source)
		require.Equal(t, first.CreatedAt, second.CreatedAt)
		require.True(t, second.UpdatedAt.After(first.UpdatedAt))
		require.JSONEq(t, `{"age": 37}`, string(second.State))
		require.JSONEq(t, `null`, string(second.Metadata), "nil metadata is JSON null")

		loaded, err := s.LoadProjection(ctx, "profile", "ada")
		require.NoError(t, err)
		require.Equal(t, second, loaded)

		_, err = s.LoadProjection(ctx, "profile", "bob")
		require.ErrorIs(t, err, pgevents.ErrNotFound)
		_, err = s.LoadProjection(ctx, "", "ada")
		requireInvalid(t, err, pgevents.CodeInvalidName, "name")
		_, err = s.LoadProjection(ctx, "profile", "a\x00b")
		requireInvalid(t, err, pgevents.CodeInvalidName, "id")

		located, err := s.LocateProjection(ctx, "profile", pgevents.StreamID("user", "ada"))
		require.NoError(t, err)
		require.Equal(t, second, located)
		_, err = s.LocateProjection(ctx, "profile", pgevents.StreamID("user", "bob"))
		require.ErrorIs(t, err, pgevents.ErrNotFound)
		_, err = s.LocateProjection(ctx, "other", pgevents.StreamID("user", "ada"))
		require.ErrorIs(t, err, pgevents.ErrNotFound)

		saveProjection(t, s, projection.Stored{Name: "profile", ID: "ada-2", Source: pgevents.StreamID("user", "ada")})
		_, err = s.LocateProjection(ctx, "profile", pgevents.StreamID("user", "ada"))
		require.ErrorIs(t, err, pgevents.ErrAmbiguous)
		require.NotErrorIs(t, err, pgevents.ErrInvalidInput)

		_, err = s.LocateProjection(ctx, "profile", pgevents.Identifier{Stream: "s"})
		requireInvalid(t, err, pgevents.CodeInvalidIdentifier, "category")
	})
}

func TestProjectionStore_SaveInvalid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	forEachModeProjections(t, func(t *testing.T, pool *pgxpool.Pool, s *ProjectionStore) {
		cases := []struct {
			code, field string
			p           *projection.Stored
		}{
			{pgevents.CodeInvalidName, "projection", nil},
			{pgevents.CodeInvalidName, "name", &projection.Stored{ID: "x"}},
			{pgevents.CodeInvalidName, "id", &projection.Stored{Name: "profile"}},
			{pgevents.CodeInvalidName, "id", &projection.Stored{Name: "profile", ID: strings.Repeat("x", 256)}},
			{pgevents.CodeInvalidName, "id", &projection.Stored{Name: "profile", ID: "a\nb"}},
			{pgevents.CodeInvalidName, "name", &projection.Stored{Name: "a\x00", ID: "x"}},
			{pgevents.CodeInvalidIdentifier, "category", &projection.Stored{Name: "profile", ID: "x", Source: pgevents.Identifier{Stream: "s"}}},
			{pgevents.CodeInvalidName, "category", &projection.Stored{Name: "profile", ID: "x", Source: pgevents.CategoryID("a\tb")}},
			{projection.CodeInvalidQuery, "state", &projection.Stored{Name: "profile", ID: "x", State: json.RawMessage(`{`)}},
			{projection.CodeInvalidQuery, "state", &projection.Stored{Name: "profile", ID: "x", State: json.RawMessage(`{"a": "\u0000"}`)}},
			{projection.CodeInvalidQuery, "metadata", &projection.Stored{Name: "profile", ID: "x", Metadata: json.RawMessage(`[1e131072]`)}},
		}
		for _, c := range cases {
			_, err := s.SaveProjection(ctx, c.p)
			requireInvalid(t, err, c.code, c.field)
		}
		n, err := s.CountProjections(ctx, json.RawMessage(`{"name": "profile"}`))
		require.NoError(t, err)
		require.Zero(t, n, "nothing saved")

		// What numeric can hold is accepted.
		saveProjection(t, s, projection.Stored{Name: "profile", ID: "big", State: json.RawMessage(`[1e131071, 1e-16383, 0e999999, "\\u0000"]`)})
	})
}

func TestProjectionStore_WithTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	forEachModeProjections(t, func(t *testing.T, pool *pgxpool.Pool, s *ProjectionStore) {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		saveProjection(t, s.WithTx(tx), projection.Stored{Name: "profile", ID: "ada"})
		_, err = s.LoadProjection(ctx, "profile", "ada")
		require.ErrorIs(t, err, pgevents.ErrNotFound, "not visible before commit")
		require.NoError(t, tx.Rollback(ctx))
		_, err = s.LoadProjection(ctx, "profile", "ada")
		require.ErrorIs(t, err, pgevents.ErrNotFound, "rolled back")
	})
}

// TestProjectionStore_Queries runs the shared query comparison data
// (storetest.ProjectionQueryCases, which the in-memory store passes too).
func TestProjectionStore_Queries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	forEachModeProjections(t, func(t *testing.T, pool *pgxpool.Pool, s *ProjectionStore) {
		for _, p := range storetest.ProjectionFixtures() {
			saveProjection(t, s, p)
		}
		for _, c := range storetest.ProjectionQueryCases() {
			t.Run(c.Name, func(t *testing.T) {
				got, err := s.SearchProjections(ctx, c.Query)
				require.NoError(t, err)
				ids := make([]string, len(got))
				for i, p := range got {
					ids[i] = p.ID
				}
				require.Equal(t, c.WantIDs, ids)
				n, err := s.CountProjections(ctx, c.Query)
				require.NoError(t, err)
				require.Equal(t, c.WantCount, n)
			})
		}
		for _, c := range storetest.InvalidProjectionQueries() {
			t.Run("Invalid/"+c.Name, func(t *testing.T) {
				_, err := s.SearchProjections(ctx, c.Query)
				requireInvalid(t, err, projection.CodeInvalidQuery, c.Field)
				_, err = s.CountProjections(ctx, c.Query)
				requireInvalid(t, err, projection.CodeInvalidQuery, c.Field)
			})
		}
		t.Run("Invalid/NotJSON", func(t *testing.T) {
			_, err := s.SearchProjections(ctx, json.RawMessage(`{"name": `))
			requireInvalid(t, err, projection.CodeInvalidQuery, "query")
		})
		t.Run("Invalid/NumberOutOfRange", func(t *testing.T) {
			_, err := s.CountProjections(ctx, json.RawMessage(`{"name": "profile", "filters": [{"path": ["state", "age"], "op": "equal", "value": 1e-20000}]}`))
			requireInvalid(t, err, projection.CodeInvalidQuery, "query")
		})
	})
}

// explainSearch returns the plan of the statement search_projections runs
// for query, as EXPLAIN (FORMAT JSON) text. The statement is compiled by
// pgevents.compile_projection_query and planned with its parameters, the
// query's values (pgevents.projection_query_params; a custom plan, as
// EXECUTE ... USING gets).
func explainSearch(t *testing.T, pool *pgxpool.Pool, query string, mode string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	var sql, types, args string
	require.NoError(t, conn.QueryRow(ctx, "SELECT pgevents.compile_projection_query($1, $2)", query, mode).Scan(&sql))
	// EXPLAIN takes no parameters: quote the values as literals (a test of
	// the plan only; search_projections passes them with EXECUTE ... USING).
	require.NoError(t, conn.QueryRow(ctx, `
		SELECT string_agg('jsonb', ', '), string_agg(COALESCE(quote_literal(u.v::text) || '::jsonb', 'NULL'), ', ' ORDER BY u.o)
		  FROM unnest(pgevents.projection_query_params($1)) WITH ORDINALITY AS u(v, o)`, query).Scan(&types, &args))
	_, err = conn.Exec(ctx, "PREPARE explained("+types+") AS "+sql)
	require.NoError(t, err)
	defer func() { _, _ = conn.Exec(ctx, "DEALLOCATE explained") }()
	var plan string
	require.NoError(t, conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) EXECUTE explained("+args+")").Scan(&plan))
	return plan
}

// TestProjectionStore_Indexes proves with EXPLAIN that searches use the
// indexes: an expression index added with pgevents.add_projection_index for
// equality, ranges, sorts and key-set paging on its path, and the GIN index
// over state for containment.
func TestProjectionStore_Indexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, pgx.QueryExecModeCacheStatement, 4)
	_, err := pool.Exec(ctx, `
		INSERT INTO pgevents.projections (name, id, source, state, metadata, created_at, updated_at)
		SELECT CASE WHEN g % 10 = 0 THEN 'other' ELSE 'profile' END, 'p' || g, '{"type": "log"}',
		       jsonb_build_object('email', 'user' || g || '@example.com', 'age', g % 90,
		                          'tags', jsonb_build_array('t' || (g % 500))),
		       '{}', now(), now()
		  FROM generate_series(1, 20000) g`)
	require.NoError(t, err)
	var email, age string
	require.NoError(t, pool.QueryRow(ctx, "SELECT pgevents.add_projection_index('profile', '{state,email}')").Scan(&email))
	require.NoError(t, pool.QueryRow(ctx, "SELECT pgevents.add_projection_index('profile', '{state,age}')").Scan(&age))
	require.True(t, strings.HasPrefix(email, "projections_profile_state_email_"), email)
	_, err = pool.Exec(ctx, "VACUUM ANALYZE pgevents.projections")
	require.NoError(t, err)

	// Adding the same index again is a no-op that returns the same name.
	var again string
	require.NoError(t, pool.QueryRow(ctx, "SELECT pgevents.add_projection_index('profile', '{state,email}')").Scan(&again))
	require.Equal(t, email, again)

	cases := []struct {
		name, query, mode, index string
	}{
		{"EqualUsesExpressionIndex", `{"name": "profile", "filters": [{"path": ["state", "email"], "op": "equal", "value": "user7@example.com"}]}`, "search", email},
		{"EqualCountUsesExpressionIndex", `{"name": "profile", "filters": [{"path": ["state", "email"], "op": "equal", "value": "user7@example.com"}]}`, "count", email},
		{"InUsesExpressionIndex", `{"name": "profile", "filters": [{"path": ["state", "email"], "op": "in", "value": ["user7@example.com", "user8@example.com"]}]}`, "search", email},
		{"RangeSortAfterUsesExpressionIndex", `{"name": "profile", "filters": [{"path": ["state", "age"], "op": "greater_than_or_equal", "value": 30}],
			"sort": [{"path": ["state", "age"]}], "page": {"after": "p1234", "limit": 20}}`, "search", age},
		{"SortUsesExpressionIndex", `{"name": "profile", "sort": [{"path": ["state", "age"], "order": "asc"}], "page": {"limit": 10}}`, "search", age},
		{"ContainsUsesGINIndex", `{"name": "profile", "filters": [{"path": ["state", "tags"], "op": "contains", "value": "t42"}]}`, "search", "projections_state_idx"},
		{"ContainsCountUsesGINIndex", `{"name": "profile", "filters": [{"path": ["state"], "op": "contains", "value": {"tags": ["t42"]}}]}`, "count", "projections_state_idx"},
		{"EqualWithoutExpressionIndexUsesGIN", `{"name": "other", "filters": [{"path": ["state", "email"], "op": "equal", "value": "user70@example.com"}]}`, "search", "projections_state_idx"},
		{"IDUsesPrimaryKey", `{"name": "profile", "filters": [{"path": ["id"], "op": "equal", "value": "p77"}]}`, "search", "projections_pkey"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan := explainSearch(t, pool, c.query, c.mode)
			require.Contains(t, plan, fmt.Sprintf(`"Index Name": %q`, c.index), plan)
		})
	}

	t.Run("UnindexedPathScans", func(t *testing.T) {
		plan := explainSearch(t, pool, `{"name": "profile", "filters": [{"path": ["metadata", "x"], "op": "equal", "value": 1}]}`, "count")
		require.NotContains(t, plan, email)
		require.NotContains(t, plan, age)
	})

	t.Run("ResultsAgreeWithAndWithoutIndex", func(t *testing.T) {
		s := NewProjectionStore(pool)
		q := json.RawMessage(`{"name": "profile", "filters": [{"path": ["state", "age"], "op": "greater_than_or_equal", "value": 30}],
			"sort": [{"path": ["state", "age"], "order": "desc"}], "page": {"after": "p1234", "limit": 50}}`)
		indexed, err := s.SearchProjections(ctx, q)
		require.NoError(t, err)
		require.Len(t, indexed, 50)
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(ctx) }()
		_, err = tx.Exec(ctx, "SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_indexonlyscan = off")
		require.NoError(t, err)
		scanned, err := s.WithTx(tx).SearchProjections(ctx, q)
		require.NoError(t, err)
		require.Equal(t, indexed, scanned)
	})

	t.Run("InvalidIndexPath", func(t *testing.T) {
		for path, field := range map[string]string{"{id}": "path", "{}": "path", "{body,x}": "path[0]"} {
			_, err := pool.Exec(ctx, "SELECT pgevents.add_projection_index('profile', $1)", path)
			requireInvalid(t, interpretError("add index", err), projection.CodeInvalidQuery, field)
		}
	})
}

// TestProjectionStore_Privileges checks the least-privilege roles: a reader
// may search but not save; a writer may save through the function but not
// write the table; neither may add indexes.
func TestProjectionStore_Privileges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, pgx.QueryExecModeCacheStatement, 2)
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	exec := func(role, sql string) error {
		tx, err := conn.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(ctx) }()
		_, err = tx.Exec(ctx, "SET LOCAL ROLE "+role)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, sql)
		return err
	}
	save := `SELECT * FROM pgevents.save_projection('profile', 'x', '{"type": "log"}', '{}')`
	require.NoError(t, exec("pgevents_writer", save))
	require.NoError(t, exec("pgevents_writer", `SELECT * FROM pgevents.search_projections('{"name": "profile"}')`))
	require.NoError(t, exec("pgevents_reader", `SELECT * FROM pgevents.search_projections('{"name": "profile", "sort": [{"similarity": "x", "path": ["id"]}]}')`))
	require.NoError(t, exec("pgevents_reader", `SELECT pgevents.count_projections('{"name": "profile"}')`))
	require.NoError(t, exec("pgevents_reader", `SELECT * FROM pgevents.projections`))
	for _, c := range []struct{ role, sql string }{
		{"pgevents_reader", save},
		{"pgevents_writer", `INSERT INTO pgevents.projections VALUES ('p', 'x', '{"type": "log"}', '{}', '{}', now(), now())`},
		{"pgevents_writer", `UPDATE pgevents.projections SET state = '{}'`},
		{"pgevents_writer", `DELETE FROM pgevents.projections`},
		{"pgevents_reader", `DELETE FROM pgevents.projections`},
		{"pgevents_writer", `SELECT pgevents.add_projection_index('profile', '{state,x}')`},
		{"pgevents_writer", `SELECT pgevents.compile_projection_query('{"name": "profile"}')`},
	} {
		err := exec(c.role, c.sql)
		var pgErr interface{ SQLState() string }
		require.True(t, errors.As(err, &pgErr), "%s: %s: %v", c.role, c.sql, err)
		require.Equal(t, "42501", pgErr.SQLState(), "%s: %s", c.role, c.sql)
	}
}

// TestProjectionStore_Contract runs the projection store contract suite
// under each exec mode, a fresh database per store.
func TestProjectionStore_Contract(t *testing.T) {
	t.Parallel()
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			storetest.RunProjectionStore(t, func(t *testing.T) projection.Store {
				return NewProjectionStore(newPool(t, mode, 4))
			})
		})
	}
}

// TestProjectionStore_SameAsMemstore compares answers with the in-memory
// reference: the shared cases, the malformed queries and random queries
// (the seed is logged; replay a failure with PGEVENTS_COMPARE_SEED).
func TestProjectionStore_SameAsMemstore(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("PGEVENTS_COMPARE_SEED"); s != "" {
		var err error
		seed, err = strconv.ParseUint(s, 10, 64)
		require.NoError(t, err)
	}
	pool := newPool(t, pgx.QueryExecModeCacheStatement, 4)
	storetest.CompareProjectionQueries(t, memstore.NewProjectionStore(), NewProjectionStore(pool), seed, 1000)
}

// FuzzSearchProjections throws queries at search_projections and
// count_projections on a real database: raw JSON documents (the seeds are
// the shared valid and malformed queries and injection attempts), and a
// query built from fuzzed parts (a path key, an op, a value, a similarity
// text, an anchor id) so that arbitrary strings reach every place a query
// can carry one. Each call must either succeed or fail with a typed
// *pgevents.InvalidInputError, and nothing in the database may change: the
// events, the projections, a canary table, the set of relations, functions
// and roles are checksummed after every input (relations and functions by
// count and highest oid, pgevents' function bodies by hash).
//
// The seed corpus runs with plain `go test`; fuzz with
//
//	go test -run '^$' -fuzz FuzzSearchProjections -fuzztime 60s ./pgstore
func FuzzSearchProjections(f *testing.F) {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(pgtest.NewDatabase(f))
	require.NoError(f, err)
	cfg.MaxConns = 4
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = "10s"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(f, err)
	f.Cleanup(pool.Close)
	s := NewProjectionStore(pool)
	for _, p := range storetest.ProjectionFixtures() {
		_, err := s.SaveProjection(ctx, &p)
		require.NoError(f, err)
	}
	_, err = pool.Exec(ctx, `
		CREATE TABLE public.fuzz_canary (id int PRIMARY KEY, note text);
		INSERT INTO public.fuzz_canary VALUES (1, 'must survive'), (2, 'unchanged');
		SELECT pgevents.add_projection_index('profile', '{state,email}');
		SELECT count(*) FROM pgevents.append('fuzz', 's1', '[{"name": "created", "payload": {"a": 1}}]');`)
	require.NoError(f, err)
	checksum := func(t testing.TB) string {
		t.Helper()
		var sum string
		require.NoError(t, pool.QueryRow(ctx, `SELECT md5(concat_ws('|',
			(SELECT string_agg(e::text, ',' ORDER BY e.sequence_number) FROM pgevents.events e),
			(SELECT string_agg(c::text, ',' ORDER BY c.id) FROM public.fuzz_canary c),
			(SELECT string_agg(p::text, ',' ORDER BY p.name, p.id) FROM pgevents.projections p),
			(SELECT count(*) || '/' || max(c.oid::bigint) FROM pg_class c),
			(SELECT count(*) || '/' || max(p.oid::bigint) FROM pg_proc p),
			(SELECT string_agg(p.proname || md5(p.prosrc), ',' ORDER BY p.oid) FROM pg_proc p WHERE p.pronamespace = 'pgevents'::regnamespace),
			(SELECT string_agg(r.rolname || r.rolsuper::text, ',' ORDER BY r.rolname) FROM pg_roles r)))`).Scan(&sum))
		return sum
	}
	want := checksum(f)

	for _, c := range storetest.ProjectionQueryCases() {
		f.Add(string(c.Query), "email", "equal", `"ada@example.com"`, "ada", "p01")
	}
	for _, c := range storetest.InvalidProjectionQueries() {
		f.Add(string(c.Query), "age", "greater_than", `40`, "", "")
	}
	injections := []string{
		`'; DELETE FROM pgevents.projections; --`,
		`x') OR 1=1; DROP TABLE public.fuzz_canary; --`,
		`"); TRUNCATE pgevents.events CASCADE; --`,
		`$$; DROP TABLE public.fuzz_canary; $$`,
		`{filters,0,value}'::text[]) OR true --`,
		`\'; UPDATE public.fuzz_canary SET note = 'pwned'; --`,
		`%L %s %I %1$s`,
		"a\x00b",
		`E'\\x27'`,
		`*/ DROP TABLE public.fuzz_canary; /*`,
	}
	for _, inj := range injections {
		q, _ := json.Marshal(map[string]any{"name": inj, "filters": []any{
			map[string]any{"path": []any{"state", inj, 0, inj}, "op": "regex_matches", "value": inj}},
			"sort": []any{map[string]any{"path": []any{"metadata", inj}, "similarity": inj, "order": "desc"}}})
		f.Add(string(q), inj, "equal", `"`+inj+`"`, inj, inj)
		f.Add(`{"name": "profile", "filters": [{"path": ["state", "email"], "op": "in", "value": ["`+inj+`"]}]}`, inj, "contains", inj, inj, inj)
		f.Add(`{"name": "profile", "filters": [{"path": ["state", "`+inj+`"], "op": "equal", "value": 1}]}`, inj, inj, `{"`+inj+`": [1, null]}`, inj, inj)
	}

	f.Fuzz(func(t *testing.T, raw, key, op, value, similarity, anchor string) {
		var v any = value
		if json.Valid([]byte(value)) {
			v = json.RawMessage(value)
		}
		built, err := json.Marshal(map[string]any{
			"name":    "profile",
			"filters": []any{map[string]any{"path": []any{"state", key}, "op": op, "value": v}},
			"sort":    []any{map[string]any{"path": []any{"state", key, 0}, "similarity": similarity}, map[string]any{"path": []any{"metadata", key}, "order": "desc"}},
			"page":    map[string]any{"after": anchor, "limit": 7},
		})
		require.NoError(t, err)
		for _, q := range []json.RawMessage{json.RawMessage(raw), built} {
			_, err := s.SearchProjections(ctx, q)
			requireTypedOrNil(t, q, err)
			_, err = s.CountProjections(ctx, q)
			requireTypedOrNil(t, q, err)
		}
		require.Equal(t, want, checksum(t), "the database changed after %q / %s", raw, built)
	})
}

func requireTypedOrNil(t *testing.T, q json.RawMessage, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var invalid *pgevents.InvalidInputError
	require.ErrorAs(t, err, &invalid, "query %s", q)
	require.Equal(t, projection.CodeInvalidQuery, invalid.Code, "query %s: %v", q, err)
}

// TestProjectionStore_KeysetOnFilteredSortPath compares key-set pages with
// the in-memory reference when filters pin the first sort path (the
// compiler then also bounds the scan by the anchor's keys): every anchor,
// including ones whose value is null, of another type or missing, in both
// orders and directions.
func TestProjectionStore_KeysetOnFilteredSortPath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pg := NewProjectionStore(newPool(t, pgx.QueryExecModeCacheStatement, 4))
	mem := memstore.NewProjectionStore()
	storetest.LoadProjectionFixtures(t, pg)
	storetest.LoadProjectionFixtures(t, mem)
	filters := map[string]string{
		"age":   `{"path": ["state", "age"], "op": "greater_than_or_equal", "value": 5}`,
		"score": `{"path": ["state", "score"], "op": "less_than", "value": 99}`,
		"name":  `{"path": ["state", "name"], "op": "greater_than", "value": "A"}`,
		"email": `{"path": ["state", "email"], "op": "regex_matches", "value": "e"}`,
		"city":  `{"path": ["state", "address", "city"], "op": "in", "value": ["London", "Uppsala", "london"]}`,
	}
	paths := map[string]string{"age": `["state", "age"]`, "score": `["state", "score"]`, "name": `["state", "name"]`,
		"email": `["state", "email"]`, "city": `["state", "address", "city"]`}
	anchors := []string{"p01", "p02", "p03", "p04", "p05", "p06", "p07", "p08", "p99"}
	for key, filter := range filters {
		for _, order := range []string{"asc", "desc"} {
			for _, dir := range []string{"after", "before"} {
				for _, anchor := range anchors {
					q := json.RawMessage(fmt.Sprintf(`{"name": "profile", "filters": [%s], "sort": [{"path": %s, "order": %q}],
						"page": {%q: %q, "limit": 3}}`, filter, paths[key], order, dir, anchor))
					want, err := mem.SearchProjections(ctx, q)
					require.NoError(t, err)
					got, err := pg.SearchProjections(ctx, q)
					require.NoError(t, err)
					require.Equal(t, storedIDsOf(want), storedIDsOf(got), "%s", q)
				}
			}
		}
	}
}

func storedIDsOf(ps []projection.Stored) []string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

// TestProjectionStore_SortArraysAfterScalars checks the sort order of
// arrays against the in-memory reference: after booleans, by length then
// elements, the empty array first among them (jsonb alone would sort a
// top-level empty array before every other value), and equality/in on arrays.
func TestProjectionStore_SortArraysAfterScalars(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, pgx.QueryExecModeCacheStatement, 4)
	_, err := pool.Exec(ctx, "SELECT pgevents.add_projection_index('mixed', '{state,v}')")
	require.NoError(t, err)
	pg, mem := NewProjectionStore(pool), memstore.NewProjectionStore()
	for i, v := range []string{`[]`, `[1]`, `[0, 0]`, `"s"`, `1`, `true`, `{}`, `null`, `[[]]`, `["a"]`, `false`, `{"a": []}`} {
		p := projection.Stored{Name: "mixed", ID: fmt.Sprintf("m%02d", i), State: json.RawMessage(`{"v": ` + v + `}`)}
		saveProjection(t, pg, p)
		_, err := mem.SaveProjection(ctx, &p)
		require.NoError(t, err)
	}
	for _, q := range []string{
		`{"name": "mixed", "sort": [{"path": ["state", "v"]}]}`,
		`{"name": "mixed", "sort": [{"path": ["state", "v"], "order": "desc"}]}`,
		`{"name": "mixed", "sort": [{"path": ["state", "v"]}], "page": {"after": "m00", "limit": 4}}`,
		`{"name": "mixed", "sort": [{"path": ["state", "v"], "order": "desc"}], "page": {"before": "m02", "limit": 4}}`,
		`{"name": "mixed", "filters": [{"path": ["state", "v"], "op": "equal", "value": []}]}`,
		`{"name": "mixed", "filters": [{"path": ["state", "v"], "op": "in", "value": [[1], [[]], {}, "s"]}]}`,
		`{"name": "mixed", "filters": [{"path": ["state", "v"], "op": "not_equal", "value": [0, 0]}]}`,
	} {
		want, err := mem.SearchProjections(ctx, json.RawMessage(q))
		require.NoError(t, err)
		got, err := pg.SearchProjections(ctx, json.RawMessage(q))
		require.NoError(t, err)
		require.Equal(t, storedIDsOf(want), storedIDsOf(got), q)
	}
}
