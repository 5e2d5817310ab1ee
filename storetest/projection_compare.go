package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/projection"
)

// CompareProjectionQueries loads ProjectionFixtures into two empty stores
// and asserts that they answer alike: the same ids in the same order from
// SearchProjections, the same CountProjections, and the same
// *pgevents.InvalidInputError code and field for malformed queries. It runs
// every ProjectionQueryCases and InvalidProjectionQueries case, then n
// random queries from RandomProjectionQuery seeded with seed (logged, so a
// failure can be replayed). Use it to check an adapter against the in-memory
// reference, or the reverse.
func CompareProjectionQueries(t *testing.T, want, got projection.Store, seed uint64, n int) {
	t.Helper()
	LoadProjectionFixtures(t, want)
	LoadProjectionFixtures(t, got)
	var queries []json.RawMessage
	for _, c := range ProjectionQueryCases() {
		queries = append(queries, c.Query)
	}
	for _, c := range InvalidProjectionQueries() {
		queries = append(queries, c.Query)
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for range n {
		queries = append(queries, RandomProjectionQuery(r))
	}
	t.Logf("comparing %d queries (random seed %d)", len(queries), seed)
	ctx := context.Background()
	for i, q := range queries {
		wantRows, wantErr := want.SearchProjections(ctx, q)
		gotRows, gotErr := got.SearchProjections(ctx, q)
		requireSameOutcome(t, i, q, "SearchProjections", wantErr, gotErr)
		if wantErr == nil {
			require.Equal(t, storedIDs(wantRows), storedIDs(gotRows), "query #%d %s: SearchProjections", i, q)
		}
		wantN, wantErr := want.CountProjections(ctx, q)
		gotN, gotErr := got.CountProjections(ctx, q)
		requireSameOutcome(t, i, q, "CountProjections", wantErr, gotErr)
		require.Equal(t, wantN, gotN, "query #%d %s: CountProjections", i, q)
	}
}

func requireSameOutcome(t *testing.T, i int, q json.RawMessage, method string, want, got error) {
	t.Helper()
	if want == nil || got == nil {
		require.Equal(t, want == nil, got == nil, "query #%d %s: %s: want error %v, got %v", i, q, method, want, got)
		return
	}
	var wantInvalid, gotInvalid *pgevents.InvalidInputError
	require.True(t, errors.As(want, &wantInvalid), "query #%d %s: %s: reference error %v is not an InvalidInputError", i, q, method, want)
	require.True(t, errors.As(got, &gotInvalid), "query #%d %s: %s: error %v is not an InvalidInputError", i, q, method, got)
	require.Equal(t, wantInvalid.Code, gotInvalid.Code, "query #%d %s: %s: %v vs %v", i, q, method, want, got)
	require.Equal(t, wantInvalid.Field, gotInvalid.Field, "query #%d %s: %s: %v vs %v", i, q, method, want, got)
}

// RandomProjectionQuery returns a random query over ProjectionFixtures'
// paths and values: filters with every operator (occasionally with an
// operand of the wrong type, which must fail with PE110), sorts including
// similarity, and offset or key-set pages. The same r state gives the same
// query.
func RandomProjectionQuery(r *rand.Rand) json.RawMessage {
	paths := []string{
		`["id"]`, `["name"]`, `["source"]`, `["source", "type"]`, `["source", "stream"]`,
		`["state"]`, `["state", "name"]`, `["state", "email"]`, `["state", "age"]`, `["state", "score"]`,
		`["state", "active"]`, `["state", "tags"]`, `["state", "tags", 0]`, `["state", "tags", 1]`,
		`["state", "address"]`, `["state", "address", "city"]`, `["state", "address", "zip"]`,
		`["state", "address", "geo", "lat"]`, `["state", "lines", 1]`, `["state", "bio"]`, `["state", "missing"]`,
		`["metadata"]`, `["metadata", "version"]`, `["metadata", "deleted_at"]`,
	}
	scalars := []string{`true`, `false`, `0`, `9`, `10`, `10.0`, `36`, `1e2`, `99`, `-3`, `90.5`, `59.86`,
		`"90"`, `"a"`, `"B"`, `"ada"`, `"Ada Lovelace"`, `"London"`, `"admin"`, `"p03"`, `"profile"`, `"stream"`, `"W1"`}
	containers := []string{`null`, `[]`, `{}`, `["admin"]`, `["math", "admin"]`, `[["nested"]]`, `{"city": "London"}`,
		`{"type": "stream"}`, `{"zip": null}`, `{"tags": ["admin"]}`, `{"address": {"city": "London"}}`, `[36]`}
	regexes := []string{`^a`, `ada`, `(?i)ADA`, `o`, `^p0[1-4]$`, `example\\.com$`, `[[:digit:]]`, `^$`, `n.l`}
	texts := []string{`ada`, `ada lovelace`, `london`, `bob`, ``, `grace hopper`}
	ops := projection.Ops()
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	value := func() string {
		if r.IntN(3) == 0 {
			return pick(containers)
		}
		return pick(scalars)
	}

	var filters []string
	for range r.IntN(4) {
		op := ops[r.IntN(len(ops))]
		var v string
		switch op {
		case projection.OpIn:
			items := []string{}
			for range r.IntN(4) {
				items = append(items, value())
			}
			v = "[" + join(items) + "]"
		case projection.OpRegexMatches, projection.OpNotRegexMatches:
			v = fmt.Sprintf("%q", pick(regexes))
		case projection.OpGreaterThan, projection.OpGreaterThanOrEqual, projection.OpLessThan, projection.OpLessThanOrEqual:
			v = pick(scalars)
		default:
			v = value()
		}
		if r.IntN(25) == 0 { // an operand of the wrong type, for some operators
			v = pick(containers)
		}
		filters = append(filters, fmt.Sprintf(`{"path": %s, "op": %q, "value": %s}`, pick(paths), op, v))
	}
	var sorts []string
	for range r.IntN(4) {
		order := []string{`"asc"`, `"desc"`}[r.IntN(2)]
		if r.IntN(4) == 0 {
			sorts = append(sorts, fmt.Sprintf(`{"similarity": %q, "path": %s, "order": %s}`, pick(texts), pick(paths), order))
		} else {
			sorts = append(sorts, fmt.Sprintf(`{"path": %s, "order": %s}`, pick(paths), order))
		}
	}
	q := fmt.Sprintf(`{"name": %q, "filters": [%s], "sort": [%s]`,
		[]string{"profile", "profile", "profile", "audit"}[r.IntN(4)], join(filters), join(sorts))
	limit := 1 + r.IntN(5)
	id := fmt.Sprintf("p%02d", 1+r.IntN(9))
	switch r.IntN(3) {
	case 0:
		q += fmt.Sprintf(`, "page": {"offset": %d, "limit": %d}`, r.IntN(9), limit)
	case 1:
		q += fmt.Sprintf(`, "page": {"%s": %q, "limit": %d}`, []string{"after", "before"}[r.IntN(2)], id, limit)
	}
	return json.RawMessage(q + "}")
}

func join(items []string) string {
	out := ""
	for i, s := range items {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}
