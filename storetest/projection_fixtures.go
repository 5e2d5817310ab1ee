package storetest

import (
	"encoding/json"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/projection"
)

// ProjectionFixtureName is the projection name of ProjectionFixtures' main
// set; ProjectionQueryCases query it.
const ProjectionFixtureName = "profile"

// ProjectionFixtures returns a fixed set of projections for comparing
// projection stores: eight "profile" projections, p01 to p08, whose states
// mix types (numbers written as 10.0 and 1e2, a string "90" among numbers, a
// string "true" among booleans, nulls, missing keys, nested objects and
// arrays, non-ASCII text, a state that is a bare string), plus one "audit"
// projection with the id p01 that no "profile" query may return. Every store
// loaded with them must give ProjectionQueryCases' results.
func ProjectionFixtures() []projection.Stored {
	stream := func(id string) pgevents.Identifier { return pgevents.StreamID("profile", id) }
	p := func(id string, source pgevents.Identifier, state, metadata string) projection.Stored {
		return projection.Stored{Name: ProjectionFixtureName, ID: id, Source: source,
			State: json.RawMessage(state), Metadata: json.RawMessage(metadata)}
	}
	return []projection.Stored{
		p("p01", stream("p01"),
			`{"name": "Ada Lovelace", "email": "ada@example.com", "age": 36, "tags": ["admin", "math"],
			  "address": {"city": "London", "zip": "W1"}, "active": true, "score": 90.5, "lines": ["a", "b"]}`,
			`{"version": 3}`),
		p("p02", stream("p02"),
			`{"name": "Grace Hopper", "email": "grace@navy.mil", "age": 85, "tags": ["navy", "cobol"],
			  "address": {"city": "New York", "zip": "10001"}, "active": false, "score": "90"}`,
			`{"version": 1, "deleted_at": null}`),
		p("p03", stream("p03"),
			`{"name": "Alan Turing", "email": "alan@example.com", "age": 41, "tags": ["math", "crypto"],
			  "address": {"city": "London"}, "active": true, "score": 99}`,
			`{"version": 2, "deleted_at": "2020-01-01T00:00:00Z"}`),
		p("p04", stream("p04"),
			`{"name": "ada", "age": 9, "tags": [], "active": "true", "score": null, "bio": "line one\nline two"}`,
			`{"version": 1}`),
		p("p05", stream("p05"),
			`{"name": "Adam Smith", "email": "ADAM@example.com", "age": 10.0, "tags": ["economics"],
			  "address": {"city": "Kirkcaldy", "zip": null}, "active": true, "score": 10}`,
			`null`),
		p("p06", stream("p06"),
			`{"name": "Bob", "email": "bob@example.org", "age": 1e2, "tags": ["admin"],
			  "address": {"city": "london"}, "active": false}`,
			`{"version": 2}`),
		p("p07", stream("p07"),
			`{"name": "Zoë Ångström", "email": "zoe@example.com", "age": -3, "tags": ["physics", ["nested"]],
			  "address": {"city": "Uppsala", "geo": {"lat": 59.86, "lon": 17.64}}, "active": true, "score": 99.0}`,
			`{}`),
		p("p08", pgevents.CategoryID("profile"), `"text state"`, `{"version": 4}`),
		{Name: "audit", ID: "p01", Source: stream("p01"),
			State: json.RawMessage(`{"name": "Ada Lovelace", "age": 36}`), Metadata: json.RawMessage(`{"version": 3}`)},
	}
}

// ProjectionQueryCase is a query over ProjectionFixtures with its expected
// result.
type ProjectionQueryCase struct {
	// Name names the case (a subtest name).
	Name string
	// Query is the query's JSON wire form.
	Query json.RawMessage
	// WantCount is what CountProjections returns.
	WantCount int64
	// WantIDs are the ids SearchProjections returns, in order.
	WantIDs []string
}

// ProjectionQueryCases returns queries over ProjectionFixtures with the
// results every projection store must give: each filter operator with its
// null semantics and type-aware comparisons, nested paths and array
// indices, every top-level field, multi-key, mixed-type and similarity
// sorts, offset and key-set paging.
func ProjectionQueryCases() []ProjectionQueryCase {
	all := []string{"p01", "p02", "p03", "p04", "p05", "p06", "p07", "p08"}
	c := func(name, query string, count int64, ids ...string) ProjectionQueryCase {
		if ids == nil {
			ids = []string{}
		}
		return ProjectionQueryCase{Name: name, Query: json.RawMessage(query), WantCount: count, WantIDs: ids}
	}
	// f wraps filters (and optional sort/page members) into a query on "profile".
	f := func(rest string) string { return `{"name": "profile", ` + rest + `}` }
	return []ProjectionQueryCase{
		c("NoFilters", `{"name": "profile"}`, 8, all...),
		c("NullFiltersSortAndPage", `{"name": "profile", "filters": null, "sort": null, "page": null}`, 8, all...),
		c("OtherName", `{"name": "audit"}`, 1, "p01"),
		c("UnknownName", `{"name": "nobody"}`, 0),

		// equal / not_equal
		c("Equal/String", f(`"filters": [{"path": ["state", "email"], "op": "equal", "value": "ada@example.com"}]`), 1, "p01"),
		c("Equal/StringIsCaseSensitive", f(`"filters": [{"path": ["state", "email"], "op": "equal", "value": "adam@example.com"}]`), 0),
		c("Equal/NumberIsNumeric", f(`"filters": [{"path": ["state", "age"], "op": "equal", "value": 10}]`), 1, "p05"),
		c("Equal/NumberWithExponent", f(`"filters": [{"path": ["state", "age"], "op": "equal", "value": 100.00}]`), 1, "p06"),
		c("Equal/NumberNeverEqualsString", f(`"filters": [{"path": ["state", "score"], "op": "equal", "value": 90}]`), 0),
		c("Equal/StringNeverEqualsNumber", f(`"filters": [{"path": ["state", "score"], "op": "equal", "value": "90"}]`), 1, "p02"),
		c("Equal/Boolean", f(`"filters": [{"path": ["state", "active"], "op": "equal", "value": true}]`), 4, "p01", "p03", "p05", "p07"),
		c("Equal/NullMatchesMissing", f(`"filters": [{"path": ["state", "email"], "op": "equal", "value": null}]`), 2, "p04", "p08"),
		c("Equal/NullMatchesJSONNullAndMissing", f(`"filters": [{"path": ["state", "score"], "op": "equal", "value": null}]`), 3, "p04", "p06", "p08"),
		c("Equal/MissingValueIsNull", f(`"filters": [{"path": ["state", "score"], "op": "equal"}]`), 3, "p04", "p06", "p08"),
		c("Equal/NullOnMetadata", f(`"filters": [{"path": ["metadata", "deleted_at"], "op": "equal", "value": null}]`), 7,
			"p01", "p02", "p04", "p05", "p06", "p07", "p08"),
		c("Equal/Object", f(`"filters": [{"path": ["state", "address"], "op": "equal", "value": {"zip": "W1", "city": "London"}}]`), 1, "p01"),
		c("Equal/ObjectNeedsEveryKey", f(`"filters": [{"path": ["state", "address"], "op": "equal", "value": {"city": "London"}}]`), 1, "p03"),
		c("Equal/Array", f(`"filters": [{"path": ["state", "tags"], "op": "equal", "value": []}]`), 1, "p04"),
		c("Equal/WholeState", f(`"filters": [{"path": ["state"], "op": "equal", "value": "text state"}]`), 1, "p08"),
		c("NotEqual/Null", f(`"filters": [{"path": ["state", "score"], "op": "not_equal", "value": null}]`), 5, "p01", "p02", "p03", "p05", "p07"),
		c("NotEqual/MatchesOtherTypesAndMissing", f(`"filters": [{"path": ["state", "active"], "op": "not_equal", "value": true}]`), 4,
			"p02", "p04", "p06", "p08"),

		// ordering comparisons
		c("GreaterThan/Number", f(`"filters": [{"path": ["state", "age"], "op": "greater_than", "value": 40}]`), 3, "p02", "p03", "p06"),
		c("GreaterThanOrEqual/Number", f(`"filters": [{"path": ["state", "age"], "op": "greater_than_or_equal", "value": 36}]`), 4,
			"p01", "p02", "p03", "p06"),
		c("LessThan/NumberIsNumericNotText", f(`"filters": [{"path": ["state", "age"], "op": "less_than", "value": 10}]`), 2, "p04", "p07"),
		c("LessThanOrEqual/Number", f(`"filters": [{"path": ["state", "age"], "op": "less_than_or_equal", "value": 10}]`), 3, "p04", "p05", "p07"),
		c("GreaterThan/NumberSkipsStrings", f(`"filters": [{"path": ["state", "score"], "op": "greater_than", "value": 50}]`), 3, "p01", "p03", "p07"),
		c("LessThan/StringSkipsNumbers", f(`"filters": [{"path": ["state", "score"], "op": "less_than", "value": "z"}]`), 1, "p02"),
		c("GreaterThanOrEqual/StringIsByteOrder", f(`"filters": [{"path": ["state", "name"], "op": "greater_than_or_equal", "value": "a"}]`), 1, "p04"),
		c("LessThan/StringIsByteOrder", f(`"filters": [{"path": ["state", "name"], "op": "less_than", "value": "B"}]`), 3, "p01", "p03", "p05"),
		c("GreaterThan/Boolean", f(`"filters": [{"path": ["state", "active"], "op": "greater_than", "value": false}]`), 4, "p01", "p03", "p05", "p07"),
		c("LessThanOrEqual/ID", f(`"filters": [{"path": ["id"], "op": "less_than_or_equal", "value": "p03"}]`), 3, "p01", "p02", "p03"),

		// in
		c("In/Strings", f(`"filters": [{"path": ["state", "address", "city"], "op": "in", "value": ["London", "Uppsala"]}]`), 3, "p01", "p03", "p07"),
		c("In/NullMatchesMissing", f(`"filters": [{"path": ["state", "email"], "op": "in", "value": [null, "bob@example.org"]}]`), 3, "p04", "p06", "p08"),
		c("In/NumbersAreNumeric", f(`"filters": [{"path": ["state", "age"], "op": "in", "value": [10, 100, "36"]}]`), 2, "p05", "p06"),
		c("In/Empty", f(`"filters": [{"path": ["state", "age"], "op": "in", "value": []}]`), 0),

		// contains
		c("Contains/ArrayElement", f(`"filters": [{"path": ["state", "tags"], "op": "contains", "value": "admin"}]`), 2, "p01", "p06"),
		c("Contains/SubArray", f(`"filters": [{"path": ["state", "tags"], "op": "contains", "value": ["math", "admin"]}]`), 1, "p01"),
		c("Contains/SubArraySingle", f(`"filters": [{"path": ["state", "tags"], "op": "contains", "value": ["math"]}]`), 2, "p01", "p03"),
		c("Contains/EmptyArray", f(`"filters": [{"path": ["state", "tags"], "op": "contains", "value": []}]`), 7,
			"p01", "p02", "p03", "p04", "p05", "p06", "p07"),
		c("Contains/NestedArray", f(`"filters": [{"path": ["state", "tags"], "op": "contains", "value": [["nested"]]}]`), 1, "p07"),
		c("Contains/SubObject", f(`"filters": [{"path": ["state", "address"], "op": "contains", "value": {"city": "London"}}]`), 2, "p01", "p03"),
		c("Contains/WholeState", f(`"filters": [{"path": ["state"], "op": "contains", "value": {"address": {"city": "London"}, "active": true}}]`), 2,
			"p01", "p03"),
		c("Contains/NestedScalarIsNotAnElement", f(`"filters": [{"path": ["state"], "op": "contains", "value": {"tags": "admin"}}]`), 0),
		c("Contains/NestedArrayElement", f(`"filters": [{"path": ["state"], "op": "contains", "value": {"tags": ["admin"]}}]`), 2, "p01", "p06"),
		c("Contains/Null", f(`"filters": [{"path": ["state", "address"], "op": "contains", "value": {"zip": null}}]`), 1, "p05"),
		c("Contains/NumberIsNumeric", f(`"filters": [{"path": ["state"], "op": "contains", "value": {"age": 100}}]`), 1, "p06"),
		c("Contains/Scalar", f(`"filters": [{"path": ["state", "age"], "op": "contains", "value": 41}]`), 1, "p03"),
		c("Contains/ObjectDoesNotContainScalar", f(`"filters": [{"path": ["state", "address"], "op": "contains", "value": "London"}]`), 0),
		c("Contains/Metadata", f(`"filters": [{"path": ["metadata"], "op": "contains", "value": {"version": 2}}]`), 2, "p03", "p06"),
		c("Contains/Source", f(`"filters": [{"path": ["source"], "op": "contains", "value": {"type": "category"}}]`), 1, "p08"),
		c("Contains/ThroughIndex", f(`"filters": [{"path": ["state", "tags", 1], "op": "contains", "value": ["nested"]}]`), 1, "p07"),

		// regular expressions
		c("RegexMatches/Unanchored", f(`"filters": [{"path": ["state", "email"], "op": "regex_matches", "value": "@example\\.(com|org)$"}]`), 5,
			"p01", "p03", "p05", "p06", "p07"),
		c("RegexMatches/CaseSensitive", f(`"filters": [{"path": ["state", "name"], "op": "regex_matches", "value": "^ada"}]`), 1, "p04"),
		c("RegexMatches/BracketClass", f(`"filters": [{"path": ["state", "email"], "op": "regex_matches", "value": "^[[:lower:]]+@[[:alpha:]]+\\.mil$"}]`), 1,
			"p02"),
		c("RegexMatches/DotMatchesNewline", f(`"filters": [{"path": ["state", "bio"], "op": "regex_matches", "value": "one.line two$"}]`), 1, "p04"),
		c("RegexMatches/CaretAnchorsAtStartOnly", f(`"filters": [{"path": ["state", "bio"], "op": "regex_matches", "value": "^line two"}]`), 0),
		c("RegexMatches/WholeState", f(`"filters": [{"path": ["state"], "op": "regex_matches", "value": "^text"}]`), 1, "p08"),
		c("RegexMatches/NonStringNeverMatches", f(`"filters": [{"path": ["state", "age"], "op": "regex_matches", "value": "3"}]`), 0),
		c("NotRegexMatches/MatchesMissingAndNonStrings", f(`"filters": [{"path": ["state", "email"], "op": "not_regex_matches", "value": "example"}]`), 3,
			"p02", "p04", "p08"),
		c("RegexMatches/ID", f(`"filters": [{"path": ["id"], "op": "regex_matches", "value": "0[135]$"}]`), 3, "p01", "p03", "p05"),

		// paths
		c("Path/Index", f(`"filters": [{"path": ["state", "tags", 0], "op": "equal", "value": "admin"}]`), 2, "p01", "p06"),
		c("Path/IndexAsDecimal", f(`"filters": [{"path": ["state", "lines", 1.0], "op": "equal", "value": "b"}]`), 1, "p01"),
		c("Path/IndexOutOfRangeIsMissing", f(`"filters": [{"path": ["state", "tags", 5], "op": "not_equal", "value": null}]`), 0),
		c("Path/KeyOnArrayIsMissing", f(`"filters": [{"path": ["state", "tags", "0"], "op": "not_equal", "value": null}]`), 0),
		c("Path/IndexOnObjectIsMissing", f(`"filters": [{"path": ["state", "address", 0], "op": "not_equal", "value": null}]`), 0),
		c("Path/IndexOnScalarIsMissing", f(`"filters": [{"path": ["state", "name", 0], "op": "not_equal", "value": null}]`), 0),
		c("Path/IndexOnBareStringStateIsMissing", f(`"filters": [{"path": ["state", 0], "op": "equal", "value": "text state"}]`), 0),
		c("Path/IndexOnNumberIsNull", f(`"filters": [{"path": ["state", "age", 0], "op": "equal", "value": null}]`), 8, all...),
		c("Path/SortByIndexOnScalar", f(`"sort": [{"path": ["state", "score", 0], "order": "desc"}, {"path": ["state", "lines", 0]}], "page": {"limit": 3}`), 8,
			"p01", "p02", "p03"),
		c("Path/ThroughScalarIsMissing", f(`"filters": [{"path": ["state", "name", "first"], "op": "equal", "value": null}]`), 8, all...),
		c("Path/Deep", f(`"filters": [{"path": ["state", "address", "geo", "lat"], "op": "greater_than", "value": 50}]`), 1, "p07"),
		c("Path/KeyWithQuote", f(`"filters": [{"path": ["state", "it's"], "op": "equal", "value": null}]`), 8, all...),
		c("Path/Name", f(`"filters": [{"path": ["name"], "op": "equal", "value": "profile"}]`), 8, all...),
		c("Path/ID", f(`"filters": [{"path": ["id"], "op": "in", "value": ["p02", "p09"]}]`), 1, "p02"),
		c("Path/SourceKey", f(`"filters": [{"path": ["source", "stream"], "op": "equal", "value": "p05"}]`), 1, "p05"),
		c("Path/SourceType", f(`"filters": [{"path": ["source", "type"], "op": "equal", "value": "category"}]`), 1, "p08"),
		c("Path/Source", f(`"filters": [{"path": ["source"], "op": "equal", "value": {"type": "stream", "category": "profile", "stream": "p03"}}]`), 1, "p03"),
		c("Path/Metadata", f(`"filters": [{"path": ["metadata", "version"], "op": "greater_than_or_equal", "value": 2}]`), 4,
			"p01", "p03", "p06", "p08"),
		c("Filters/AreANDed", f(`"filters": [{"path": ["state", "active"], "op": "equal", "value": true},
			{"path": ["state", "age"], "op": "greater_than", "value": 20}]`), 2, "p01", "p03"),

		// sorting
		c("Sort/Asc", f(`"sort": [{"path": ["state", "age"], "order": "asc"}]`), 8,
			"p07", "p04", "p05", "p01", "p03", "p02", "p06", "p08"),
		c("Sort/DefaultOrderIsAsc", f(`"sort": [{"path": ["state", "age"]}]`), 8,
			"p07", "p04", "p05", "p01", "p03", "p02", "p06", "p08"),
		c("Sort/DescNullsFirst", f(`"sort": [{"path": ["state", "age"], "order": "desc"}]`), 8,
			"p08", "p06", "p02", "p03", "p01", "p05", "p04", "p07"),
		c("Sort/MultiKey", f(`"sort": [{"path": ["metadata", "version"], "order": "desc"}, {"path": ["state", "name"], "order": "asc"}]`), 8,
			"p05", "p07", "p08", "p01", "p03", "p06", "p02", "p04"),
		c("Sort/MixedTypes", f(`"sort": [{"path": ["state", "score"], "order": "asc"}]`), 8,
			"p02", "p05", "p01", "p03", "p07", "p04", "p06", "p08"),
		c("Sort/BooleansAfterStrings", f(`"sort": [{"path": ["state", "active"], "order": "asc"}]`), 8,
			"p04", "p02", "p06", "p01", "p03", "p05", "p07", "p08"),
		c("Sort/IDDesc", f(`"sort": [{"path": ["id"], "order": "desc"}], "page": {"limit": 3}`), 8, "p08", "p07", "p06"),
		c("Sort/WithFilter", f(`"filters": [{"path": ["state", "tags"], "op": "contains", "value": "math"}],
			"sort": [{"path": ["state", "age"], "order": "desc"}]`), 2, "p03", "p01"),
		c("Sort/SimilarityDesc", f(`"filters": [{"path": ["state", "name"], "op": "not_equal", "value": null}],
			"sort": [{"similarity": "ada lovelace", "path": ["state", "name"], "order": "desc"}]`), 7,
			"p01", "p04", "p05", "p02", "p03", "p06", "p07"),
		c("Sort/SimilarityAsc", f(`"filters": [{"path": ["state", "name"], "op": "not_equal", "value": null}],
			"sort": [{"similarity": "ada lovelace", "path": ["state", "name"]}]`), 7,
			"p06", "p07", "p03", "p02", "p05", "p04", "p01"),
		c("Sort/SimilarityNonStringIsNull", f(`"sort": [{"similarity": "ada", "path": ["state", "name"], "order": "desc"}], "page": {"limit": 3}`), 8,
			"p08", "p04", "p01"),

		// paging
		c("Page/Offset", f(`"sort": [{"path": ["state", "age"]}], "page": {"offset": 2, "limit": 3}`), 8, "p05", "p01", "p03"),
		c("Page/OffsetBeyondEnd", f(`"page": {"offset": 8, "limit": 3}`), 8),
		c("Page/LimitOnly", f(`"page": {"limit": 2}`), 8, "p01", "p02"),
		c("Page/After", f(`"sort": [{"path": ["state", "age"]}], "page": {"after": "p05", "limit": 3}`), 8, "p01", "p03", "p02"),
		c("Page/AfterLast", f(`"sort": [{"path": ["state", "age"]}], "page": {"after": "p08", "limit": 3}`), 8),
		c("Page/AfterNullsFirst", f(`"sort": [{"path": ["state", "age"], "order": "desc"}], "page": {"after": "p08", "limit": 2}`), 8, "p06", "p02"),
		c("Page/Before", f(`"sort": [{"path": ["state", "age"]}], "page": {"before": "p03", "limit": 2}`), 8, "p05", "p01"),
		c("Page/BeforeFirst", f(`"sort": [{"path": ["state", "age"]}], "page": {"before": "p07", "limit": 2}`), 8),
		c("Page/BeforeNull", f(`"sort": [{"path": ["state", "age"]}], "page": {"before": "p08", "limit": 2}`), 8, "p02", "p06"),
		c("Page/AfterWithTies", f(`"sort": [{"path": ["state", "active"]}], "page": {"after": "p06", "limit": 3}`), 8, "p01", "p03", "p05"),
		c("Page/BeforeWithTies", f(`"sort": [{"path": ["state", "active"]}], "page": {"before": "p05", "limit": 3}`), 8, "p06", "p01", "p03"),
		c("Page/AfterMixedDirections", f(`"sort": [{"path": ["metadata", "version"], "order": "desc"}, {"path": ["state", "name"], "order": "asc"}],
			"page": {"after": "p01", "limit": 3}`), 8, "p03", "p06", "p02"),
		c("Page/BeforeMixedDirections", f(`"sort": [{"path": ["metadata", "version"], "order": "desc"}, {"path": ["state", "name"], "order": "asc"}],
			"page": {"before": "p06", "limit": 3}`), 8, "p08", "p01", "p03"),
		c("Page/AfterAnchorFilteredOut", f(`"filters": [{"path": ["state", "active"], "op": "equal", "value": true}],
			"sort": [{"path": ["state", "age"]}], "page": {"after": "p04", "limit": 10}`), 4, "p05", "p01", "p03"),
		c("Page/AfterUnknownID", f(`"page": {"after": "p99", "limit": 3}`), 8),
		c("Page/AfterIDOfOtherName", `{"name": "audit", "page": {"after": "p02"}}`, 1),
		c("Page/AfterSimilarity", f(`"filters": [{"path": ["state", "name"], "op": "not_equal", "value": null}],
			"sort": [{"similarity": "ada lovelace", "path": ["state", "name"], "order": "desc"}], "page": {"after": "p04", "limit": 2}`), 7,
			"p05", "p02"),
		c("Page/AfterDefaultSort", f(`"page": {"after": "p06"}`), 8, "p07", "p08"),
	}
}

// InvalidProjectionQuery is a malformed query with the field its
// *pgevents.InvalidInputError must name.
type InvalidProjectionQuery struct {
	// Field is the error's Field.
	Field string
	// Name names the case (a subtest name).
	Name string
	// Query is the malformed query.
	Query json.RawMessage
}

// InvalidProjectionQueries returns malformed queries, and queries beyond the
// limits of the query language (docs/query-language.md, "Limits": an "in"
// list of 100,000 values, a path of 10,000 steps, 1,000 sort keys, regexes
// with back-references, ...): every store rejects each with a
// *pgevents.InvalidInputError of code projection.CodeInvalidQuery (PE110)
// naming Field, from SearchProjections and CountProjections alike.
func InvalidProjectionQueries() []InvalidProjectionQuery {
	c := func(name, field, query string) InvalidProjectionQuery {
		return InvalidProjectionQuery{Name: name, Field: field, Query: json.RawMessage(query)}
	}
	f := func(filter string) string { return `{"name": "profile", "filters": [` + filter + `]}` }
	s := func(sort string) string { return `{"name": "profile", "sort": [` + sort + `]}` }
	p := func(page string) string { return `{"name": "profile", "page": ` + page + `}` }
	return append([]InvalidProjectionQuery{
		c("NotAnObject", "query", `["profile"]`),
		c("MissingName", "name", `{"filters": []}`),
		c("EmptyName", "name", `{"name": ""}`),
		c("NameNotAString", "name", `{"name": 1}`),
		c("UnknownKey", "filter", `{"name": "profile", "filter": []}`),
		c("FiltersNotAnArray", "filters", `{"name": "profile", "filters": {}}`),
		c("FilterNotAnObject", "filters[0]", f(`"equal"`)),
		c("FilterUnknownKey", "filters[0].values", f(`{"path": ["id"], "op": "equal", "value": "x", "values": []}`)),
		c("FilterMissingPath", "filters[0].path", f(`{"op": "equal", "value": 1}`)),
		c("PathEmpty", "filters[0].path", f(`{"path": [], "op": "equal", "value": 1}`)),
		c("PathNotAnArray", "filters[0].path", f(`{"path": "state.age", "op": "equal", "value": 1}`)),
		c("PathUnknownField", "filters[0].path[0]", f(`{"path": ["body", "age"], "op": "equal", "value": 1}`)),
		c("PathIDWithKey", "filters[0].path", f(`{"path": ["id", "x"], "op": "equal", "value": 1}`)),
		c("PathBooleanElement", "filters[0].path[1]", f(`{"path": ["state", true], "op": "equal", "value": 1}`)),
		c("PathFractionalIndex", "filters[0].path[1]", f(`{"path": ["state", 1.5], "op": "equal", "value": 1}`)),
		c("PathNegativeIndex", "filters[0].path[2]", f(`{"path": ["state", "tags", -1], "op": "equal", "value": 1}`)),
		c("UnknownOp", "filters[0].op", f(`{"path": ["id"], "op": "like", "value": "x"}`)),
		c("MissingOp", "filters[0].op", f(`{"path": ["id"], "value": "x"}`)),
		c("MissingValue", "filters[0].value", f(`{"path": ["state", "age"], "op": "greater_than"}`)),
		c("OrderingWithNull", "filters[0].value", f(`{"path": ["state", "age"], "op": "less_than", "value": null}`)),
		c("OrderingWithArray", "filters[0].value", f(`{"path": ["state", "age"], "op": "greater_than", "value": [1]}`)),
		c("InWithoutArray", "filters[0].value", f(`{"path": ["state", "age"], "op": "in", "value": 1}`)),
		c("RegexNotAString", "filters[0].value", f(`{"path": ["state", "name"], "op": "regex_matches", "value": 1}`)),
		c("InvalidRegex", "filters[0].value", f(`{"path": ["state", "name"], "op": "regex_matches", "value": "(unclosed"}`)),
		c("InvalidNotRegex", "filters[0].value", f(`{"path": ["state", "name"], "op": "not_regex_matches", "value": "[z-a]"}`)),
		c("SortNotAnArray", "sort", `{"name": "profile", "sort": {"path": ["id"]}}`),
		c("SortMissingPath", "sort[0].path", s(`{"order": "asc"}`)),
		c("SortUnknownOrder", "sort[0].order", s(`{"path": ["id"], "order": "up"}`)),
		c("SortUnknownKey", "sort[0].direction", s(`{"path": ["id"], "direction": "asc"}`)),
		c("SimilarityNotAString", "sort[0].similarity", s(`{"path": ["state", "name"], "similarity": 1}`)),
		c("SimilarityNull", "sort[0].similarity", s(`{"path": ["state", "name"], "similarity": null}`)),
		c("PageNotAnObject", "page", p(`10`)),
		c("PageUnknownKey", "page.size", p(`{"size": 10}`)),
		c("LimitZero", "page.limit", p(`{"limit": 0}`)),
		c("LimitTooLarge", "page.limit", p(`{"limit": 10001}`)),
		c("LimitNegative", "page.limit", p(`{"limit": -1}`)),
		c("LimitNotANumber", "page.limit", p(`{"limit": "10"}`)),
		c("LimitFraction", "page.limit", p(`{"limit": 2.5}`)),
		c("OffsetNegative", "page.offset", p(`{"offset": -1}`)),
		c("AfterEmpty", "page.after", p(`{"after": ""}`)),
		c("BeforeNotAString", "page.before", p(`{"before": 3}`)),
		c("AfterAndBefore", "page", p(`{"after": "p01", "before": "p03"}`)),
		c("OffsetAndAfter", "page", p(`{"offset": 0, "after": "p01"}`)),
	}, projectionLimitQueries()...)
}
