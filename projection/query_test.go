package projection_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/projection"
)

func requireInvalidQuery(t *testing.T, err error, field string) {
	t.Helper()
	var invalid *pgevents.InvalidInputError
	require.ErrorAs(t, err, &invalid)
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)
	require.Equal(t, projection.CodeInvalidQuery, invalid.Code)
	require.Equal(t, field, invalid.Field, "error: %v", err)
}

func TestQuery_Build(t *testing.T) {
	t.Parallel()
	// The example of docs/query-language.md.
	q := projection.NewQuery("profile").
		Where(
			projection.StatePath("email").Equal("ada@example.com"),
			projection.StatePath("age").GreaterThanOrEqual(18),
			projection.StatePath("tags").Contains("admin"),
			projection.MetadataPath("deleted_at").IsNull(),
		).
		OrderBy(
			projection.StatePath("age").Desc(),
			projection.StatePath("name").SimilarityTo("ada lovelace").Desc(),
		).
		Offset(0, 20)
	raw, err := q.Build()
	require.NoError(t, err)
	require.JSONEq(t, `{
	  "name": "profile",
	  "filters": [
	    {"path": ["state", "email"], "op": "equal", "value": "ada@example.com"},
	    {"path": ["state", "age"], "op": "greater_than_or_equal", "value": 18},
	    {"path": ["state", "tags"], "op": "contains", "value": "admin"},
	    {"path": ["metadata", "deleted_at"], "op": "equal", "value": null}
	  ],
	  "sort": [
	    {"path": ["state", "age"], "order": "desc"},
	    {"similarity": "ada lovelace", "path": ["state", "name"], "order": "desc"}
	  ],
	  "page": {"offset": 0, "limit": 20}
	}`, string(raw))
}

func TestQuery_BuildEveryOpAndPath(t *testing.T) {
	t.Parallel()
	p := projection.StatePath("a").Index(2).Key("b")
	q := projection.NewQuery("n").Where(
		p.NotEqual(1), p.IsNotNull(), p.GreaterThan(1.5), p.LessThan("x"), p.LessThanOrEqual(true),
		p.In(1, "a", nil), p.In(), p.RegexMatches("^a"), p.NotRegexMatches("b$"),
		projection.IDPath().Equal("i"), projection.NamePath().Equal("n"), projection.SourcePath("stream").Equal("s"),
		projection.SourcePath().Contains(map[string]string{"type": "log"}),
	).OrderBy(projection.IDPath().Asc(), projection.StatePath("x").SimilarityTo("t")).After("i", 5)
	raw, err := q.Build()
	require.NoError(t, err)
	require.JSONEq(t, `{"name": "n", "filters": [
	  {"path": ["state", "a", 2, "b"], "op": "not_equal", "value": 1},
	  {"path": ["state", "a", 2, "b"], "op": "not_equal", "value": null},
	  {"path": ["state", "a", 2, "b"], "op": "greater_than", "value": 1.5},
	  {"path": ["state", "a", 2, "b"], "op": "less_than", "value": "x"},
	  {"path": ["state", "a", 2, "b"], "op": "less_than_or_equal", "value": true},
	  {"path": ["state", "a", 2, "b"], "op": "in", "value": [1, "a", null]},
	  {"path": ["state", "a", 2, "b"], "op": "in", "value": []},
	  {"path": ["state", "a", 2, "b"], "op": "regex_matches", "value": "^a"},
	  {"path": ["state", "a", 2, "b"], "op": "not_regex_matches", "value": "b$"},
	  {"path": ["id"], "op": "equal", "value": "i"},
	  {"path": ["name"], "op": "equal", "value": "n"},
	  {"path": ["source", "stream"], "op": "equal", "value": "s"},
	  {"path": ["source"], "op": "contains", "value": {"type": "log"}}],
	  "sort": [{"path": ["id"], "order": "asc"}, {"path": ["state", "x"], "order": "asc", "similarity": "t"}],
	  "page": {"after": "i", "limit": 5}}`, string(raw))

	parsed, err := projection.ParseQuery(raw)
	require.NoError(t, err)
	again, err := parsed.Build()
	require.NoError(t, err)
	require.JSONEq(t, string(raw), string(again))
}

func TestQuery_ValuesAreCopies(t *testing.T) {
	t.Parallel()
	base := projection.NewQuery("n").Where(projection.IDPath().Equal("a"))
	a := base.Where(projection.IDPath().Equal("b"))
	b := base.Where(projection.IDPath().Equal("c"))
	require.Len(t, base.Filters, 1)
	require.Equal(t, json.RawMessage(`"b"`), a.Filters[1].Value)
	require.Equal(t, json.RawMessage(`"c"`), b.Filters[1].Value)
	p := projection.StatePath("x")
	p1, p2 := p.Key("y"), p.Key("z")
	require.Equal(t, "y", p1.Steps[1].Key)
	require.Equal(t, "z", p2.Steps[1].Key)
}

func TestQuery_PageNumber(t *testing.T) {
	t.Parallel()
	q := projection.NewQuery("n").PageNumber(3, 25)
	require.Equal(t, projection.Page{Offset: 50, Limit: 25}, q.Page)
	raw, err := projection.NewQuery("n").Build()
	require.NoError(t, err)
	require.JSONEq(t, `{"name": "n", "filters": [], "sort": [], "page": {"offset": 0, "limit": 100}}`, string(raw))
}

func TestQuery_ValidateRejects(t *testing.T) {
	t.Parallel()
	q := projection.NewQuery("n")
	for field, bad := range map[string]projection.Query{
		"name":               projection.NewQuery(""),
		"filters[0].value":   q.Where(projection.StatePath("x").Equal(math.Inf(1))),
		"filters[1].op":      q.Where(projection.IDPath().Equal("a"), projection.Filter{Op: "like", Path: projection.IDPath()}),
		"filters[0].path":    q.Where(projection.Path{Field: projection.FieldID, Steps: []projection.Step{{Key: "x"}}}.Equal(1)),
		"filters[0].path[0]": q.Where(projection.Path{Field: "body"}.Equal(1)),
		"filters[0].path[1]": q.Where(projection.StatePath().Index(-1).Equal(1)),
		"sort[0].order":      q.OrderBy(projection.Sort{Order: "up", Path: projection.IDPath()}),
		"page.limit":         q.Limit(projection.MaxLimit + 1),
		"page.offset":        q.Offset(-1, 10),
		"page":               projection.Query{Name: "n", Page: projection.Page{After: "a", Before: "b"}},
	} {
		_, err := bad.Build()
		requireInvalidQuery(t, err, field)
	}
	for _, op := range []projection.Op{projection.OpGreaterThan, projection.OpLessThanOrEqual} {
		_, err := q.Where(projection.Filter{Op: op, Path: projection.IDPath(), Value: json.RawMessage(`null`)}).Build()
		requireInvalidQuery(t, err, "filters[0].value")
	}
	_, err := q.Where(projection.Filter{Op: projection.OpIn, Path: projection.IDPath(), Value: json.RawMessage(`1`)}).Build()
	requireInvalidQuery(t, err, "filters[0].value")
	_, err = q.Where(projection.Filter{Op: projection.OpRegexMatches, Path: projection.IDPath(), Value: json.RawMessage(`1`)}).Build()
	requireInvalidQuery(t, err, "filters[0].value")
	_, err = json.Marshal(projection.NewQuery(""))
	require.True(t, errors.Is(err, pgevents.ErrInvalidInput), "json.Marshal surfaces the error: %v", err)
}

func TestParseQuery(t *testing.T) {
	t.Parallel()
	q, err := projection.ParseQuery(json.RawMessage(`{"name": "n",
	  "filters": [{"path": ["state", "a", 1e0], "op": "equal"}],
	  "sort": [{"path": ["id"], "order": null}],
	  "page": {"limit": 5.0, "offset": null, "after": "x"}}`))
	require.NoError(t, err)
	require.Equal(t, "n", q.Name)
	require.Equal(t, projection.StatePath("a").Index(1), q.Filters[0].Path)
	require.Equal(t, json.RawMessage(`null`), q.Filters[0].Value, "a missing equal value is null")
	require.Equal(t, projection.Asc, q.Sort[0].Order)
	require.Equal(t, projection.Page{After: "x", Limit: 5}, q.Page)

	for field, raw := range map[string]string{
		"query":              `"x"`,
		"name":               `{"name": null}`,
		"filter":             `{"name": "n", "filter": []}`,
		"filters[0].value":   `{"name": "n", "filters": [{"path": ["id"], "op": "contains"}]}`,
		"filters[0].path[1]": `{"name": "n", "filters": [{"path": ["state", 2147483648], "op": "equal"}]}`,
		"sort[0].similarity": `{"name": "n", "sort": [{"path": ["id"], "similarity": null}]}`,
		"page.offset":        `{"name": "n", "page": {"offset": 1e30}}`,
		"page":               `{"name": "n", "page": {"offset": 0, "before": "x"}}`,
	} {
		_, err := projection.ParseQuery(json.RawMessage(raw))
		requireInvalidQuery(t, err, field)
	}
	var q2 projection.Query
	requireInvalidQuery(t, json.Unmarshal([]byte(`{"name": ""}`), &q2), "name")
}

// FuzzParseQuery checks that the parser never panics, fails only with a
// PE110 *pgevents.InvalidInputError, and that what it accepts builds to a
// wire form it parses back to the same query.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`{"name": "n"}`, `{"name": "n", "filters": [{"path": ["state", "a", 0], "op": "in", "value": [1]}]}`,
		`{"name": "n", "sort": [{"path": ["id"], "similarity": "x", "order": "desc"}], "page": {"before": "a", "limit": 3}}`,
		`{"name": "n", "page": {"offset": 10, "limit": 10000}}`, `[]`, `{"name": "n", "filters": [{"path": [], "op": "x"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		q, err := projection.ParseQuery(raw)
		if err != nil {
			var invalid *pgevents.InvalidInputError
			require.True(t, errors.As(err, &invalid), "untyped error %v", err)
			require.Equal(t, projection.CodeInvalidQuery, invalid.Code)
			return
		}
		built, err := q.Build()
		require.NoError(t, err)
		again, err := projection.ParseQuery(built)
		require.NoError(t, err)
		require.Equal(t, q.Name, again.Name)
		require.Equal(t, len(q.Filters), len(again.Filters))
		require.Equal(t, q.Sort, again.Sort)
		require.Equal(t, q.Page.LimitOrDefault(), again.Page.LimitOrDefault())
		rebuilt, err := again.Build()
		require.NoError(t, err)
		require.JSONEq(t, string(built), string(rebuilt))
	})
}

// TestQuery_BuildRefusesQueriesBeyondTheLimits: the builder checks the
// limits of docs/query-language.md ("Limits") with the fields the stores
// name, and accepts queries exactly at them.
func TestQuery_BuildRefusesQueriesBeyondTheLimits(t *testing.T) {
	t.Parallel()
	q := projection.NewQuery("profile")
	name := projection.StatePath("name")
	values := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = fmt.Sprint("v", i)
		}
		return out
	}
	filters := func(n int) []projection.Filter {
		out := make([]projection.Filter, n)
		for i := range out {
			out[i] = name.NotEqual(i)
		}
		return out
	}
	sorts := func(n int) []projection.Sort {
		out := make([]projection.Sort, n)
		for i := range out {
			out[i] = projection.StatePath(fmt.Sprint("k", i)).Desc()
		}
		return out
	}
	keys := func(n int) []string { return strings.Split(strings.Repeat("k", n), "") }
	nested := func(n int) any {
		var v any = 1
		for range n {
			v = []any{v}
		}
		return v
	}
	for label, c := range map[string]struct {
		query projection.Query
		field string // "" when it is within the limits
	}{
		"In1000":              {q.Where(name.In(values(1000)...)), ""},
		"In1001":              {q.Where(name.In(values(1001)...)), "filters[0].value"},
		"In100000":            {q.Where(name.In(values(100000)...)), "filters[0].value"},
		"Filters64":           {q.Where(filters(64)...), ""},
		"Filters65":           {q.Where(filters(65)...), "filters"},
		"PathSteps32":         {q.Where(projection.StatePath(keys(32)...).IsNull()), ""},
		"PathSteps33":         {q.Where(projection.StatePath(keys(33)...).IsNull()), "filters[0].path"},
		"PathSteps10000":      {q.Where(projection.StatePath(keys(10000)...).IsNull()), "filters[0].path"},
		"SortPathSteps33":     {q.OrderBy(projection.StatePath(keys(33)...).Asc()), "sort[0].path"},
		"Key256Bytes":         {q.Where(projection.StatePath(strings.Repeat("😀", 64)).IsNull()), ""},
		"Key260Bytes":         {q.Where(projection.StatePath("a", strings.Repeat("😀", 65)).IsNull()), "filters[0].path[2]"},
		"ValueDepth32":        {q.Where(projection.StatePath().Contains(nested(32))), ""},
		"ValueDepth33":        {q.Where(projection.StatePath().Contains(nested(33))), "filters[0].value"},
		"Sort8":               {q.OrderBy(sorts(8)...), ""},
		"Sort9":               {q.OrderBy(sorts(9)...), "sort"},
		"Regex1024":           {q.Where(name.RegexMatches(strings.Repeat("a", 1024))), ""},
		"Regex1025":           {q.Where(name.RegexMatches(strings.Repeat("a", 1025))), "filters[0].value"},
		"RegexBackReference":  {q.Where(name.RegexMatches(`(a*)*\1`)), "filters[0].value"},
		"NotRegexBackRef":     {q.Where(name.NotRegexMatches(`(a)\9`)), "filters[0].value"},
		"RegexEscapedSlash":   {q.Where(name.RegexMatches(`\\1`)), ""},
		"RegexLookahead":      {q.Where(name.RegexMatches(`a(?=b)`)), "filters[0].value"},
		"RegexNegLookahead":   {q.Where(name.RegexMatches(`a(?!b)`)), "filters[0].value"},
		"RegexLookbehind":     {q.Where(name.RegexMatches(`(?<=a)b`)), "filters[0].value"},
		"RegexNegLookbehind":  {q.Where(name.RegexMatches(`(?<!a)b`)), "filters[0].value"},
		"RegexEscapedParen":   {q.Where(name.RegexMatches(`\(?=`)), ""},
		"RegexGroupOptions":   {q.Where(name.RegexMatches(`(?:a|b)+`)), ""},
		"Similarity1024":      {q.OrderBy(name.SimilarityTo(strings.Repeat("a", 1024))), ""},
		"Similarity1025":      {q.OrderBy(name.SimilarityTo(strings.Repeat("a", 1025))), "sort[0].similarity"},
		"After255Characters":  {q.After(strings.Repeat("é", 255), 10), ""},
		"After256Characters":  {q.After(strings.Repeat("é", 256), 10), "page.after"},
		"Before256Characters": {q.Before(strings.Repeat("p", 256), 10), "page.before"},
	} {
		t.Run(label, func(t *testing.T) {
			t.Parallel()
			raw, err := c.query.Build()
			if c.field == "" {
				require.NoError(t, err)
				_, err = projection.ParseQuery(raw)
				require.NoError(t, err, "the wire form parses back")
				return
			}
			requireInvalidQuery(t, err, c.field)
		})
	}
}

// TestParseQuery_RefusesDocumentsBeyondTheLimits: the wire form is checked
// against the same limits, in the order PostgreSQL's compiler checks them,
// and a document nested deeper than MaxQueryDepth is refused before any
// decoding (encoding/json stops at 10,000 levels).
func TestParseQuery_RefusesDocumentsBeyondTheLimits(t *testing.T) {
	t.Parallel()
	for raw, field := range map[string]string{
		`{"name": "p", "filters": [{"path": ["state"], "op": "contains", "value": ` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}]}`: "query",
		strings.Repeat("[", 20000) + strings.Repeat("]", 20000):                                                                                 "query",
		// The number of filters before any filter's own problems.
		`{"name": "p", "filters": [` + strings.Repeat(`{"op": "like"}, `, 64) + `{"op": "like"}]}`: "filters",
		// A path's length before its field.
		`{"name": "p", "filters": [{"path": ["body"` + strings.Repeat(`, 1`, 33) + `], "op": "equal"}]}`: "filters[0].path",
		// A filter's problems before the next filter's and the sort's.
		`{"name": "p", "filters": [{"path": ["state"], "op": "regex_matches", "value": "(?=x)"}, {"op": 1}], "sort": 1}`: "filters[0].value",
		// A sort's order before its similarity.
		`{"name": "p", "sort": [{"path": ["id"], "order": "up", "similarity": 1}]}`:           "sort[0].order",
		`{"name": "p", "sort": [` + strings.Repeat(`{"path": ["id"]}, `, 8) + `{"path": 1}]}`: "sort",
		`{"name": "p", "page": {"before": "` + strings.Repeat("x", 256) + `"}}`:               "page.before",
	} {
		_, err := projection.ParseQuery(json.RawMessage(raw))
		requireInvalidQuery(t, err, field)
	}
}
