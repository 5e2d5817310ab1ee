package projection

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pgevents/pgevents/internal/jsondepth"
)

// Op is a filter operator of the query language.
type Op string

// The filter operators (docs/query-language.md). Each not_ operator matches
// exactly the projections its positive twin does not match.
const (
	// OpEqual matches values equal to the filter's (type-aware: numbers
	// numerically); with null it matches a null or missing value.
	OpEqual Op = "equal"
	// OpNotEqual matches what OpEqual does not: with null, a present non-null
	// value; otherwise also values of another type and missing values.
	OpNotEqual Op = "not_equal"
	// OpGreaterThan matches values of the same JSON type that sort after the
	// filter's, which must be a string, a number or a boolean.
	OpGreaterThan Op = "greater_than"
	// OpGreaterThanOrEqual is OpGreaterThan or OpEqual (for non-null values).
	OpGreaterThanOrEqual Op = "greater_than_or_equal"
	// OpLessThan matches values of the same JSON type that sort before the
	// filter's, which must be a string, a number or a boolean.
	OpLessThan Op = "less_than"
	// OpLessThanOrEqual is OpLessThan or OpEqual (for non-null values).
	OpLessThanOrEqual Op = "less_than_or_equal"
	// OpIn matches values equal (as OpEqual) to one element of the filter's
	// array.
	OpIn Op = "in"
	// OpContains matches values that contain the filter's, as PostgreSQL's
	// jsonb @> defines it: an object contains a sub-object, an array
	// contains the elements of another array or a single scalar.
	OpContains Op = "contains"
	// OpRegexMatches matches string values in which the filter's POSIX
	// regular expression finds a match (unanchored).
	OpRegexMatches Op = "regex_matches"
	// OpNotRegexMatches matches what OpRegexMatches does not, including
	// missing and non-string values.
	OpNotRegexMatches Op = "not_regex_matches"
)

// Ops returns every filter operator.
func Ops() []Op {
	return []Op{OpEqual, OpNotEqual, OpGreaterThan, OpGreaterThanOrEqual, OpLessThan, OpLessThanOrEqual,
		OpIn, OpContains, OpRegexMatches, OpNotRegexMatches}
}

// Filter is one condition of a query: the value at Path compared with Value
// by Op. Build filters with the methods of Path (Equal, In, ...).
type Filter struct {
	// Op is the operator.
	Op Op
	// Path is the compared value's path.
	Path Path
	// Value is the JSON operand: an array for OpIn, a string for the regex
	// operators. Nil is JSON null.
	Value json.RawMessage

	err error // an operand that did not marshal
}

func (p Path) filter(op Op, v any) Filter {
	f := Filter{Op: op, Path: p}
	f.Value, f.err = json.Marshal(v)
	return f
}

// Equal filters on the value at p being equal to v (marshalled to JSON);
// v == nil filters on a null or missing value.
func (p Path) Equal(v any) Filter { return p.filter(OpEqual, v) }

// NotEqual filters on the value at p not being equal to v; v == nil filters
// on a present, non-null value.
func (p Path) NotEqual(v any) Filter { return p.filter(OpNotEqual, v) }

// IsNull filters on the value at p being null or missing (Equal(nil)).
func (p Path) IsNull() Filter { return p.filter(OpEqual, nil) }

// IsNotNull filters on the value at p being present and not null
// (NotEqual(nil)).
func (p Path) IsNotNull() Filter { return p.filter(OpNotEqual, nil) }

// GreaterThan filters on the value at p sorting after v (same JSON type).
func (p Path) GreaterThan(v any) Filter { return p.filter(OpGreaterThan, v) }

// GreaterThanOrEqual filters on the value at p not sorting before v (same
// JSON type).
func (p Path) GreaterThanOrEqual(v any) Filter { return p.filter(OpGreaterThanOrEqual, v) }

// LessThan filters on the value at p sorting before v (same JSON type).
func (p Path) LessThan(v any) Filter { return p.filter(OpLessThan, v) }

// LessThanOrEqual filters on the value at p not sorting after v (same JSON
// type).
func (p Path) LessThanOrEqual(v any) Filter { return p.filter(OpLessThanOrEqual, v) }

// In filters on the value at p being equal to one of vs. No vs matches
// nothing.
func (p Path) In(vs ...any) Filter {
	if vs == nil {
		vs = []any{}
	}
	return p.filter(OpIn, vs)
}

// Contains filters on the value at p containing v (jsonb @>): an array
// containing an element or sub-array, an object containing a sub-object.
func (p Path) Contains(v any) Filter { return p.filter(OpContains, v) }

// RegexMatches filters on the value at p being a string matched by the
// POSIX regular expression re.
func (p Path) RegexMatches(re string) Filter { return p.filter(OpRegexMatches, re) }

// NotRegexMatches filters on the value at p not being a string matched by
// re.
func (p Path) NotRegexMatches(re string) Filter { return p.filter(OpNotRegexMatches, re) }

func (f Filter) validate(field string) error {
	if err := f.Path.validate(field + ".path"); err != nil {
		return err
	}
	if f.err != nil {
		return invalidQuery(field+".value", "does not marshal to JSON: %v", f.err)
	}
	if !slices.Contains(Ops(), f.Op) {
		return invalidQuery(field+".op", "must be one of %s (got %q)", opList(), string(f.Op))
	}
	v := f.Value
	if v == nil {
		v = json.RawMessage("null")
	}
	if !json.Valid(v) {
		return invalidQuery(field+".value", "is not valid JSON")
	}
	switch f.Op {
	case OpIn:
		var list []json.RawMessage
		if kind(v) != '[' || json.Unmarshal(v, &list) != nil {
			return invalidQuery(field+".value", "must be an array for in (got %s)", clip(v))
		}
		if len(list) > MaxInValues {
			return invalidQuery(field+".value", "in takes at most %d values (got %d)", MaxInValues, len(list))
		}
	case OpGreaterThan, OpGreaterThanOrEqual, OpLessThan, OpLessThanOrEqual:
		if k := kind(v); k != '"' && k != '0' && k != 't' {
			return invalidQuery(field+".value", "%s needs a string, number or boolean (got %s)", f.Op, clip(v))
		}
	case OpRegexMatches, OpNotRegexMatches:
		var pattern string
		if kind(v) != '"' || json.Unmarshal(v, &pattern) != nil {
			return invalidQuery(field+".value", "must be a string (a POSIX regular expression) for %s (got %s)", f.Op, clip(v))
		}
		if problem := regexProblem(pattern); problem != "" {
			return invalidQuery(field+".value", "%s", problem)
		}
	}
	if jsondepth.Exceeds(v, MaxValueDepth) {
		return invalidQuery(field+".value", "must be nested at most %d levels deep", MaxValueDepth)
	}
	return nil
}

func opList() string {
	var names []string
	for _, op := range Ops() {
		names = append(names, string(op))
	}
	return strings.Join(names, ", ")
}

// Order is a sort direction.
type Order string

const (
	// Asc sorts ascending, nulls and missing values last.
	Asc Order = "asc"
	// Desc sorts descending, nulls and missing values first.
	Desc Order = "desc"
)

// Sort is one sort key of a query: the value at Path, or its trigram
// similarity to Similarity (pg_trgm's similarity, 0 to 1) when that is set.
type Sort struct {
	// Order is the direction. The empty Order is Asc.
	Order Order
	// Path is the sorted value's path.
	Path Path
	// Similarity, when not nil, sorts by the similarity of the string at
	// Path to it; a non-string or missing value has no score (sorts as null).
	Similarity *string
}

// Asc sorts by the value at p, ascending.
func (p Path) Asc() Sort { return Sort{Order: Asc, Path: p} }

// Desc sorts by the value at p, descending.
func (p Path) Desc() Sort { return Sort{Order: Desc, Path: p} }

// SimilarityTo sorts by the trigram similarity of the string at p to text,
// ascending; call Desc on the result to get the most similar first.
func (p Path) SimilarityTo(text string) Sort { return Sort{Order: Asc, Path: p, Similarity: &text} }

// Asc returns s sorting ascending.
func (s Sort) Asc() Sort { s.Order = Asc; return s }

// Desc returns s sorting descending.
func (s Sort) Desc() Sort { s.Order = Desc; return s }

func (s Sort) validate(field string) error {
	if err := s.Path.validate(field + ".path"); err != nil {
		return err
	}
	if s.Order != "" && s.Order != Asc && s.Order != Desc {
		return invalidQuery(field+".order", "must be asc or desc (got %q)", string(s.Order))
	}
	if s.Similarity != nil && len(*s.Similarity) > MaxSimilarityBytes {
		return invalidQuery(field+".similarity", "must be at most %d bytes (got %d)", MaxSimilarityBytes, len(*s.Similarity))
	}
	return nil
}

// Paging limits.
const (
	// DefaultLimit is the page size of a query without a limit.
	DefaultLimit = 100
	// MaxLimit is the largest page size.
	MaxLimit = 10000
)

// Page selects a page of results: offset paging (Offset), or key-set
// paging after or before the projection with a given id under the query's
// sort (After, Before). The zero Page is the first DefaultLimit results.
type Page struct {
	// After, when set, selects the results that sort after the projection
	// with this id (of the query's name), in sort order.
	After string
	// Before, when set, selects the last Limit results that sort before the
	// projection with this id, in sort order.
	Before string
	// Limit is the page size, 1 to MaxLimit. Zero means DefaultLimit.
	Limit int
	// Offset is the number of results skipped. Not allowed with After or
	// Before.
	Offset int64
}

// LimitOrDefault returns Limit, or DefaultLimit when it is zero.
func (p Page) LimitOrDefault() int {
	if p.Limit == 0 {
		return DefaultLimit
	}
	return p.Limit
}

func (p Page) validate() error {
	switch {
	case p.Limit < 0 || p.Limit > MaxLimit:
		return invalidQuery("page.limit", "must be between 1 and %d (got %d)", MaxLimit, p.Limit)
	case p.Offset < 0:
		return invalidQuery("page.offset", "must not be negative (got %d)", p.Offset)
	case p.After != "" && p.Before != "":
		return invalidQuery("page", "after and before are exclusive")
	case p.Offset != 0 && (p.After != "" || p.Before != ""):
		return invalidQuery("page", "offset and key-set paging (after, before) are exclusive")
	}
	if err := checkIDLength("page.after", p.After); err != nil {
		return err
	}
	return checkIDLength("page.before", p.Before)
}

// Query is a projection query (docs/query-language.md): the projections of
// a name that match every filter, sorted, one page. Build one with NewQuery
// and its chaining methods, which return modified copies (a Query is a
// value; sharing one between goroutines is safe). ParseQuery reads the JSON
// wire form into a Query; Build and MarshalJSON write it.
type Query struct {
	// Filters are ANDed; none matches every projection of Name.
	Filters []Filter
	// Name is the projection name searched. Required.
	Name string
	// Page is the page of results. The zero Page is the first DefaultLimit.
	Page Page
	// Sort keys, applied in order; the id ascending always breaks ties.
	Sort []Sort
}

// NewQuery returns a query over the projections named name.
func NewQuery(name string) Query { return Query{Name: name} }

// Where returns q with filters added (ANDed with the existing ones).
func (q Query) Where(filters ...Filter) Query {
	q.Filters = slices.Concat(q.Filters, filters)
	return q
}

// OrderBy returns q with sort keys added after the existing ones.
func (q Query) OrderBy(sorts ...Sort) Query {
	q.Sort = slices.Concat(q.Sort, sorts)
	return q
}

// Limit returns q with the page size set, keeping its offset or key-set.
func (q Query) Limit(limit int) Query {
	q.Page.Limit = limit
	return q
}

// Offset returns q with offset paging: skip offset results, return limit
// (0 means DefaultLimit).
func (q Query) Offset(offset int64, limit int) Query {
	q.Page = Page{Offset: offset, Limit: limit}
	return q
}

// PageNumber returns q with offset paging by page number: page number
// (1-based) of size results.
func (q Query) PageNumber(number, size int) Query {
	if size == 0 {
		size = DefaultLimit
	}
	return q.Offset(int64(number-1)*int64(size), size)
}

// After returns q with key-set paging: the limit results that sort after
// the projection with id (0 means DefaultLimit).
func (q Query) After(id string, limit int) Query {
	q.Page = Page{After: id, Limit: limit}
	return q
}

// Before returns q with key-set paging: the last limit results that sort
// before the projection with id, in sort order.
func (q Query) Before(id string, limit int) Query {
	q.Page = Page{Before: id, Limit: limit}
	return q
}

// Validate returns an *pgevents.InvalidInputError (CodeInvalidQuery) naming
// the first malformed part of q, or nil. It checks every limit of the query
// language (MaxFilters, MaxInValues, MaxPathSteps, MaxKeyBytes,
// MaxValueDepth, MaxSortKeys, MaxRegexBytes and the refused regex features,
// MaxSimilarityBytes, MaxIDLength) except the size of the whole document
// (MaxQueryBytes), which the stores check on its jsonb form. Regular
// expressions are not compiled here (PostgreSQL's syntax is not Go's);
// stores report an invalid one.
func (q Query) Validate() error {
	if q.Name == "" {
		return invalidQuery("name", "is required")
	}
	if len(q.Filters) > MaxFilters {
		return invalidQuery("filters", "must have at most %d filters (got %d)", MaxFilters, len(q.Filters))
	}
	for i, f := range q.Filters {
		if err := f.validate(fmt.Sprintf("filters[%d]", i)); err != nil {
			return err
		}
	}
	if len(q.Sort) > MaxSortKeys {
		return invalidQuery("sort", "must have at most %d sort keys (got %d)", MaxSortKeys, len(q.Sort))
	}
	for i, s := range q.Sort {
		if err := s.validate(fmt.Sprintf("sort[%d]", i)); err != nil {
			return err
		}
	}
	return q.Page.validate()
}

type filterJSON struct {
	Path  Path            `json:"path"`
	Op    Op              `json:"op"`
	Value json.RawMessage `json:"value"`
}

type sortJSON struct {
	Path       Path    `json:"path"`
	Order      Order   `json:"order"`
	Similarity *string `json:"similarity,omitempty"`
}

type pageJSON struct {
	Offset *int64  `json:"offset,omitempty"`
	After  *string `json:"after,omitempty"`
	Before *string `json:"before,omitempty"`
	Limit  int     `json:"limit"`
}

type queryJSON struct {
	Name    string       `json:"name"`
	Filters []filterJSON `json:"filters"`
	Sort    []sortJSON   `json:"sort"`
	Page    pageJSON     `json:"page"`
}

// MarshalJSON validates q and encodes it in the wire form. Every key is
// written: filters and sort as arrays (possibly empty), the page with its
// limit (the default made explicit) and its offset, after or before.
func (q Query) MarshalJSON() ([]byte, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	out := queryJSON{Name: q.Name, Filters: []filterJSON{}, Sort: []sortJSON{}}
	for _, f := range q.Filters {
		v := f.Value
		if v == nil {
			v = json.RawMessage("null")
		}
		out.Filters = append(out.Filters, filterJSON{Path: f.Path, Op: f.Op, Value: v})
	}
	for _, s := range q.Sort {
		order := s.Order
		if order == "" {
			order = Asc
		}
		out.Sort = append(out.Sort, sortJSON{Path: s.Path, Order: order, Similarity: s.Similarity})
	}
	out.Page.Limit = q.Page.LimitOrDefault()
	switch {
	case q.Page.After != "":
		out.Page.After = &q.Page.After
	case q.Page.Before != "":
		out.Page.Before = &q.Page.Before
	default:
		out.Page.Offset = &q.Page.Offset
	}
	return json.Marshal(out)
}

// Build validates q and returns its JSON wire form, for
// Store.SearchProjections, Store.CountProjections or the SQL functions. It
// returns an *pgevents.InvalidInputError (CodeInvalidQuery) for a malformed
// query.
func (q Query) Build() (json.RawMessage, error) {
	b, err := q.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return b, nil
}

// UnmarshalJSON parses the wire form (see ParseQuery).
func (q *Query) UnmarshalJSON(b []byte) error {
	parsed, err := ParseQuery(b)
	if err != nil {
		return err
	}
	*q = *parsed
	return nil
}

// ParseQuery parses and validates the JSON wire form of a query
// (docs/query-language.md). It is strict: unknown keys, wrong types,
// out-of-range numbers and anything beyond the query language's limits
// (Validate; and a document nested deeper than MaxQueryDepth) are errors,
// found in the order PostgreSQL's compiler finds them. It returns an
// *pgevents.InvalidInputError (CodeInvalidQuery) naming the offending
// field. Regular expressions are not compiled. The size of the document
// (MaxQueryBytes) is left to the stores.
func ParseQuery(raw json.RawMessage) (*Query, error) {
	if err := CheckQueryDocument(raw); err != nil {
		return nil, err
	}
	top, err := object("query", raw, "name", "filters", "sort", "page")
	if err != nil {
		return nil, err
	}
	q := &Query{}
	nameRaw, ok := top["name"]
	if !ok || kind(nameRaw) == 'n' {
		return nil, invalidQuery("name", "is required")
	}
	if kind(nameRaw) != '"' {
		return nil, invalidQuery("name", "must be a string (got %s)", clip(nameRaw))
	}
	_ = json.Unmarshal(nameRaw, &q.Name)
	if q.Name == "" {
		return nil, invalidQuery("name", "is required")
	}

	filters, err := array("filters", top["filters"])
	if err != nil {
		return nil, err
	}
	if len(filters) > MaxFilters {
		return nil, invalidQuery("filters", "must have at most %d filters (got %d)", MaxFilters, len(filters))
	}
	for i, fr := range filters {
		field := fmt.Sprintf("filters[%d]", i)
		fo, err := object(field, fr, "path", "op", "value")
		if err != nil {
			return nil, err
		}
		var f Filter
		if f.Path, err = requiredPath(field, fo); err != nil {
			return nil, err
		}
		opRaw, ok := fo["op"]
		if !ok || kind(opRaw) != '"' {
			return nil, invalidQuery(field+".op", "must be one of %s (got %s)", opList(), clipOrMissing(opRaw, ok))
		}
		_ = json.Unmarshal(opRaw, &f.Op)
		v, ok := fo["value"]
		switch {
		case ok:
			f.Value = compact(v)
		case f.Op == OpEqual || f.Op == OpNotEqual:
			f.Value = json.RawMessage("null") // a missing value is null
		default:
			return nil, invalidQuery(field+".value", "is required for %s", f.Op)
		}
		if err := f.validate(field); err != nil {
			return nil, err
		}
		q.Filters = append(q.Filters, f)
	}

	sorts, err := array("sort", top["sort"])
	if err != nil {
		return nil, err
	}
	if len(sorts) > MaxSortKeys {
		return nil, invalidQuery("sort", "must have at most %d sort keys (got %d)", MaxSortKeys, len(sorts))
	}
	for i, sr := range sorts {
		field := fmt.Sprintf("sort[%d]", i)
		so, err := object(field, sr, "path", "order", "similarity")
		if err != nil {
			return nil, err
		}
		var s Sort
		if s.Path, err = requiredPath(field, so); err != nil {
			return nil, err
		}
		s.Order = Asc
		if or, ok := so["order"]; ok && kind(or) != 'n' {
			if kind(or) != '"' {
				return nil, invalidQuery(field+".order", "must be asc or desc (got %s)", clip(or))
			}
			_ = json.Unmarshal(or, &s.Order)
			if s.Order != Asc && s.Order != Desc {
				return nil, invalidQuery(field+".order", "must be asc or desc (got %s)", clip(or))
			}
		}
		if sim, ok := so["similarity"]; ok {
			if kind(sim) != '"' {
				return nil, invalidQuery(field+".similarity", "must be a string (got %s)", clip(sim))
			}
			var text string
			_ = json.Unmarshal(sim, &text)
			s.Similarity = &text
		}
		if err := s.validate(field); err != nil {
			return nil, err
		}
		q.Sort = append(q.Sort, s)
	}

	if pr, ok := top["page"]; ok && kind(pr) != 'n' {
		po, err := object("page", pr, "offset", "limit", "after", "before")
		if err != nil {
			return nil, err
		}
		if q.Page.Offset, err = integer("page.offset", po, 0, math.MaxInt64); err != nil {
			return nil, err
		}
		limit, err := integer("page.limit", po, 1, MaxLimit)
		if err != nil {
			return nil, err
		}
		q.Page.Limit = int(limit)
		for _, key := range []string{"after", "before"} {
			r, ok := po[key]
			if !ok || kind(r) == 'n' {
				continue
			}
			var id string
			if kind(r) != '"' || json.Unmarshal(r, &id) != nil || id == "" {
				return nil, invalidQuery("page."+key, "must be a non-empty projection id (got %s)", clip(r))
			}
			if err := checkIDLength("page."+key, id); err != nil {
				return nil, err
			}
			if key == "after" {
				q.Page.After = id
			} else {
				q.Page.Before = id
			}
		}
		if _, hasOffset := po["offset"]; hasOffset && kind(po["offset"]) != 'n' && (q.Page.After != "" || q.Page.Before != "") {
			return nil, invalidQuery("page", "offset and key-set paging (after, before) are exclusive")
		}
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return q, nil
}

// object decodes raw as a JSON object with only the allowed keys.
func object(field string, raw json.RawMessage, allowed ...string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if kind(raw) != '{' || json.Unmarshal(raw, &m) != nil {
		return nil, invalidQuery(field, "must be a JSON object (got %s)", clip(raw))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			name := k
			if field != "query" {
				name = field + "." + k
			}
			return nil, invalidQuery(name, "is not a known key (known: %s)", strings.Join(allowed, ", "))
		}
	}
	return m, nil
}

// array decodes an optional JSON array (missing or null is empty).
func array(field string, raw json.RawMessage) ([]json.RawMessage, error) {
	if raw == nil || kind(raw) == 'n' {
		return nil, nil
	}
	var a []json.RawMessage
	if kind(raw) != '[' || json.Unmarshal(raw, &a) != nil {
		return nil, invalidQuery(field, "must be an array (got %s)", clip(raw))
	}
	return a, nil
}

func requiredPath(field string, o map[string]json.RawMessage) (Path, error) {
	raw, ok := o["path"]
	if !ok {
		return Path{}, invalidQuery(field+".path", "is required")
	}
	return parsePath(field+".path", raw)
}

// integer reads an optional integer key (missing or null gives 0) within
// [min, max].
func integer(field string, o map[string]json.RawMessage, min, max int64) (int64, error) {
	key := field[strings.LastIndexByte(field, '.')+1:]
	raw, ok := o[key]
	if !ok || kind(raw) == 'n' {
		return 0, nil
	}
	n, ok := integral(raw, min, max)
	if !ok {
		return 0, invalidQuery(field, "must be an integer from %d to %d (got %s)", min, max, clip(raw))
	}
	return n, nil
}

func clipOrMissing(raw json.RawMessage, ok bool) string {
	if !ok {
		return "nothing"
	}
	return clip(raw)
}

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}
