package memstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/jsondepth"
	"github.com/pgevents/pgevents/memstore/internal/jsonb"
	"github.com/pgevents/pgevents/projection"
)

// ProjectionStore is an in-memory projection.Store for tests and
// experiments. It evaluates the query language (docs/query-language.md) in
// Go with the semantics of the PostgreSQL store, and passes the same
// contract suite (storetest.RunProjectionStore). It is safe for concurrent
// use; every method sees a consistent snapshot.
//
// Where it cannot match PostgreSQL exactly:
//
//   - Regular expressions are compiled by Go's regexp package (RE2 syntax,
//     with (?s) so that "." matches a newline and ^ and $ anchor at the ends
//     of the text, as in PostgreSQL's default ARE mode). Back-references,
//     lookahead and lookbehind, which RE2 lacks, are refused by the query
//     language's limits in every store, with the same reasons;
//     PostgreSQL's \m, \M, \y and \Y word-boundary escapes are not
//     understood (use \b); in PostgreSQL \b is a backspace. A pattern Go
//     cannot compile fails with CodeInvalidQuery even when PostgreSQL would
//     accept it.
//   - Strings compare in byte order (what COLLATE "C" gives) everywhere,
//     including strings nested inside arrays and objects, which PostgreSQL's
//     jsonb ordering compares with the database collation.
//   - Sorting values of different JSON types uses jsonb's type order
//     (string < number < boolean < array < object) without its quirk that a
//     top-level empty array sorts before other scalars.
//   - Similarity follows pg_trgm (lower case, words of letters and digits
//     padded with two spaces before and one after, trigram sets,
//     shared/union as a float4). pg_trgm lowercases with the database locale
//     and hashes trigrams of multibyte characters into 3 bytes (so rare
//     collisions can raise a score); here lowercasing is Unicode's and
//     trigrams are compared exactly.
//   - State and metadata are stored as the caller gave them (compacted):
//     object keys keep their order and duplicates are not removed from the
//     returned JSON, where jsonb sorts keys and keeps the last duplicate.
//     Queries see the last duplicate, as in PostgreSQL. Strings with \u0000
//     and numbers PostgreSQL's numeric cannot hold are accepted.
//   - Numbers are compared exactly as decimals, like numeric.
type ProjectionStore struct {
	mu    sync.RWMutex
	names map[string]map[string]*projectionRow // name -> id -> row
}

// NewProjectionStore returns an empty ProjectionStore.
func NewProjectionStore() *ProjectionStore {
	return &ProjectionStore{names: map[string]map[string]*projectionRow{}}
}

// projectionRow is a stored projection with its JSON decoded for queries.
type projectionRow struct {
	metadata any
	source   any
	state    any
	stored   projection.Stored
}

var _ projection.Store = (*ProjectionStore)(nil)

// SaveProjection upserts p by (Name, ID) and returns the stored row. On
// update the first save's Source and CreatedAt are kept; p's CreatedAt and
// UpdatedAt are ignored (the store's clock sets them, in microseconds).
// Nil State or Metadata mean JSON null. It returns an
// *pgevents.InvalidInputError with CodeInvalidName for an invalid name or id
// (empty, over 255 characters, control characters), with
// CodeInvalidIdentifier for an invalid source, with CodeInvalidQuery
// (field "state" or "metadata") for invalid JSON, and with
// projection.CodeProjectionTooLarge (same fields) for a state or metadata
// over projection.DefaultMaxJSONBytes (measured on the text PostgreSQL's
// jsonb would print) or nested deeper than projection.DefaultMaxJSONDepth.
// Nothing is saved when it fails.
func (s *ProjectionStore) SaveProjection(ctx context.Context, p *projection.Stored) (*projection.Stored, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgevents: save projection: %w", err)
	}
	if p == nil {
		return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidName, Field: "projection", Reason: "is required"}
	}
	if err := pgevents.CheckName("name", p.Name); err != nil {
		return nil, err
	}
	if err := pgevents.CheckName("id", p.ID); err != nil {
		return nil, err
	}
	if err := p.Source.Validate(); err != nil {
		return nil, err
	}
	row := &projectionRow{stored: projection.Stored{ID: p.ID, Name: p.Name, Source: p.Source}}
	var err error
	if row.stored.State, row.state, err = normalizeJSON("state", p.State); err != nil {
		return nil, err
	}
	if row.stored.Metadata, row.metadata, err = normalizeJSON("metadata", p.Metadata); err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := pgevents.TruncateTime(time.Now())
	rows := s.names[p.Name]
	if rows == nil {
		rows = map[string]*projectionRow{}
		s.names[p.Name] = rows
	}
	row.stored.CreatedAt, row.stored.UpdatedAt = now, now
	if old := rows[p.ID]; old != nil {
		row.stored.Source, row.stored.CreatedAt = old.stored.Source, old.stored.CreatedAt
	}
	row.source = identifierValue(row.stored.Source)
	rows[p.ID] = row
	return cloneStored(&row.stored), nil
}

// LoadProjection returns the projection (name, id), or an error matching
// pgevents.ErrNotFound.
func (s *ProjectionStore) LoadProjection(ctx context.Context, name, id string) (*projection.Stored, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgevents: load projection: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	row := s.names[name][id]
	if row == nil {
		return nil, fmt.Errorf("pgevents: load projection %q/%q: %w", name, id, pgevents.ErrNotFound)
	}
	return cloneStored(&row.stored), nil
}

// LocateProjection returns the projection of name whose source is source,
// or an error matching pgevents.ErrNotFound, or pgevents.ErrAmbiguous when
// several projections of name have that source.
func (s *ProjectionStore) LocateProjection(ctx context.Context, name string, source pgevents.Identifier) (*projection.Stored, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgevents: locate projection: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var found *projectionRow
	for _, row := range s.names[name] {
		if row.stored.Source != source {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("pgevents: locate projection %q of %s: %w", name, source, pgevents.ErrAmbiguous)
		}
		found = row
	}
	if found == nil {
		return nil, fmt.Errorf("pgevents: locate projection %q of %s: %w", name, source, pgevents.ErrNotFound)
	}
	return cloneStored(&found.stored), nil
}

// SearchProjections runs a query (docs/query-language.md) and returns the
// page of matches in sort order. A malformed query, one beyond the query
// language's limits (the document's size measured on its jsonb text, as
// PostgreSQL does), or a regular expression Go cannot compile fails with an
// *pgevents.InvalidInputError (projection.CodeInvalidQuery). Key-set paging
// from an id that no projection of the name has returns no results.
func (s *ProjectionStore) SearchProjections(ctx context.Context, query json.RawMessage) ([]projection.Stored, error) {
	q, eval, err := prepareQuery(ctx, query)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	rows := s.names[q.Name]
	type keyed struct {
		keys []sortKey
		row  *projectionRow
	}
	matches := make([]keyed, 0, len(rows))
	for _, row := range rows {
		if eval.match(row) {
			matches = append(matches, keyed{keys: eval.sortKeys(row), row: row})
		}
	}
	cmp := func(a, b keyed) int { return eval.compare(a.keys, a.row, b.keys, b.row) }
	slices.SortFunc(matches, cmp)

	limit := q.Page.LimitOrDefault()
	var page []keyed
	switch {
	case q.Page.After != "" || q.Page.Before != "":
		anchorID := q.Page.After + q.Page.Before
		anchorRow := rows[anchorID]
		if anchorRow == nil {
			return []projection.Stored{}, nil
		}
		anchor := keyed{keys: eval.sortKeys(anchorRow), row: anchorRow}
		if q.Page.After != "" {
			i, _ := slices.BinarySearchFunc(matches, anchor, cmp)
			if i < len(matches) && cmp(matches[i], anchor) == 0 {
				i++
			}
			page = matches[i:min(i+limit, len(matches))]
		} else {
			i, _ := slices.BinarySearchFunc(matches, anchor, cmp) // first index not before the anchor
			page = matches[max(0, i-limit):i]
		}
	default:
		start := int(min(q.Page.Offset, int64(len(matches))))
		page = matches[start:min(start+limit, len(matches))]
	}
	out := make([]projection.Stored, 0, len(page))
	for _, m := range page {
		out = append(out, *cloneStored(&m.row.stored))
	}
	return out, nil
}

// CountProjections counts the projections matching a query's name and
// filters; its sort and page are validated but ignored. Errors as
// SearchProjections.
func (s *ProjectionStore) CountProjections(ctx context.Context, query json.RawMessage) (int64, error) {
	q, eval, err := prepareQuery(ctx, query)
	if err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var n int64
	for _, row := range s.names[q.Name] {
		if eval.match(row) {
			n++
		}
	}
	return n, nil
}

func cloneStored(p *projection.Stored) *projection.Stored {
	cp := *p
	cp.State = slices.Clone(p.State)
	cp.Metadata = slices.Clone(p.Metadata)
	return &cp
}

// normalizeJSON compacts raw (nil is null) and decodes it for queries. It
// fails with CodeInvalidQuery naming field for invalid JSON, and with
// CodeProjectionTooLarge when raw is over projection.DefaultMaxJSONBytes as
// jsonb prints it or nested deeper than projection.DefaultMaxJSONDepth (in
// the order of pgevents.save_projection: validity, size, depth).
func normalizeJSON(field string, raw json.RawMessage) (json.RawMessage, any, error) {
	if len(raw) == 0 {
		return json.RawMessage("null"), nil, nil
	}
	// encoding/json cannot read beyond 10,000 levels: such a value is
	// refused for its depth below, whatever else is wrong with it.
	depth := jsondepth.Depth(raw)
	if depth <= maxDecodableDepth && !json.Valid(raw) {
		return nil, nil, &pgevents.InvalidInputError{Code: projection.CodeInvalidQuery, Field: field, Reason: "must be valid JSON"}
	}
	size := len(raw)
	if text, err := jsonb.Normalize(raw); err == nil {
		size = len(text)
	}
	if size > projection.DefaultMaxJSONBytes {
		return nil, nil, &pgevents.InvalidInputError{Code: projection.CodeProjectionTooLarge, Field: field,
			Reason: fmt.Sprintf("must be at most %d bytes as JSON text (got %d)", projection.DefaultMaxJSONBytes, size)}
	}
	if depth > projection.DefaultMaxJSONDepth {
		return nil, nil, &pgevents.InvalidInputError{Code: projection.CodeProjectionTooLarge, Field: field,
			Reason: fmt.Sprintf("must be nested at most %d levels deep", projection.DefaultMaxJSONDepth)}
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, nil, &pgevents.InvalidInputError{Code: projection.CodeInvalidQuery, Field: field,
			Reason: fmt.Sprintf("must be valid JSON: %v", err)}
	}
	v, err := decodeJSON(b.Bytes())
	if err != nil {
		return nil, nil, &pgevents.InvalidInputError{Code: projection.CodeInvalidQuery, Field: field,
			Reason: fmt.Sprintf("must be valid JSON: %v", err)}
	}
	return b.Bytes(), v, nil
}

// decodeJSON decodes one JSON value: nil, bool, json.Number, string, []any
// or map[string]any.
func decodeJSON(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

func identifierValue(id pgevents.Identifier) any {
	m := map[string]any{"type": id.Kind()}
	if id.Category != "" {
		m["category"] = id.Category
	}
	if id.Stream != "" {
		m["stream"] = id.Stream
	}
	return m
}

// evaluator is a parsed query ready to run: filter operands decoded and
// regular expressions compiled.
type evaluator struct {
	filters []compiledFilter
	sorts   []projection.Sort
}

type compiledFilter struct {
	f     projection.Filter
	re    *regexp.Regexp
	value any
}

// maxDecodableDepth is the deepest JSON encoding/json decodes.
const maxDecodableDepth = 10000

func prepareQuery(ctx context.Context, raw json.RawMessage) (*projection.Query, *evaluator, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("pgevents: projection query: %w", err)
	}
	// The document's size as PostgreSQL measures it (its jsonb text), first,
	// as pgevents.compile_projection_query does.
	if text, err := jsonb.Normalize(raw); err == nil && len(text) > projection.MaxQueryBytes {
		return nil, nil, &pgevents.InvalidInputError{Code: projection.CodeInvalidQuery, Field: "query",
			Reason: fmt.Sprintf("must be at most %d bytes as JSON text (got %d)", projection.MaxQueryBytes, len(text))}
	}
	q, err := projection.ParseQuery(raw)
	if err != nil {
		return nil, nil, err
	}
	ev := &evaluator{sorts: q.Sort}
	for i, f := range q.Filters {
		cf := compiledFilter{f: f}
		if cf.value, err = decodeJSON(f.Value); err != nil {
			return nil, nil, &pgevents.InvalidInputError{Code: projection.CodeInvalidQuery,
				Field: fmt.Sprintf("filters[%d].value", i), Reason: err.Error()}
		}
		if f.Op == projection.OpRegexMatches || f.Op == projection.OpNotRegexMatches {
			pattern, _ := cf.value.(string)
			if cf.re, err = regexp.Compile("(?s)" + pattern); err != nil {
				return nil, nil, &pgevents.InvalidInputError{Code: projection.CodeInvalidQuery,
					Field:  fmt.Sprintf("filters[%d].value", i),
					Reason: fmt.Sprintf("is not a regular expression the in-memory store (Go RE2 syntax) can compile: %v", err)}
			}
		}
		ev.filters = append(ev.filters, cf)
	}
	return q, ev, nil
}

// extract returns the value at path in row; ok is false when it is missing.
// Steps follow PostgreSQL's jsonb -> operator: a key step reads an object's
// member, an index step an array's element; a key on an array, an index on
// an object or any step on a scalar gives a missing value.
func extract(row *projectionRow, path projection.Path) (any, bool) {
	var v any
	switch path.Field {
	case projection.FieldID:
		return row.stored.ID, true
	case projection.FieldName:
		return row.stored.Name, true
	case projection.FieldSource:
		v = row.source
	case projection.FieldState:
		v = row.state
	case projection.FieldMetadata:
		v = row.metadata
	default:
		return nil, false
	}
	for _, step := range path.Steps {
		switch c := v.(type) {
		case map[string]any:
			next, ok := c[step.Key]
			if step.IsIndex || !ok {
				return nil, false
			}
			v = next
		case []any:
			if !step.IsIndex || step.Index < 0 || step.Index >= len(c) {
				return nil, false
			}
			v = c[step.Index]
		default:
			return nil, false
		}
	}
	return v, true
}

func (ev *evaluator) match(row *projectionRow) bool {
	for _, cf := range ev.filters {
		v, ok := extract(row, cf.f.Path)
		if !cf.matches(v, ok) {
			return false
		}
	}
	return true
}

func (cf *compiledFilter) matches(v any, present bool) bool {
	switch cf.f.Op {
	case projection.OpEqual:
		return equalOrNull(v, present, cf.value)
	case projection.OpNotEqual:
		return !equalOrNull(v, present, cf.value)
	case projection.OpIn:
		for _, x := range cf.value.([]any) {
			if equalOrNull(v, present, x) {
				return true
			}
		}
		return false
	case projection.OpGreaterThan, projection.OpGreaterThanOrEqual, projection.OpLessThan, projection.OpLessThanOrEqual:
		// The operand is a string, number or boolean (ParseQuery checks).
		if !present || typeRank(v) != typeRank(cf.value) {
			return false
		}
		c := compareJSON(v, cf.value)
		switch cf.f.Op {
		case projection.OpGreaterThan:
			return c > 0
		case projection.OpGreaterThanOrEqual:
			return c >= 0
		case projection.OpLessThan:
			return c < 0
		default:
			return c <= 0
		}
	case projection.OpContains:
		return present && jsonbContains(v, cf.value)
	case projection.OpRegexMatches:
		str, ok := v.(string)
		return present && ok && cf.re.MatchString(str)
	case projection.OpNotRegexMatches:
		str, ok := v.(string)
		return !(present && ok && cf.re.MatchString(str))
	}
	return false
}

// equalOrNull is the equal operator: x null matches a missing or null
// value; otherwise the same JSON type and an equal value.
func equalOrNull(v any, present bool, x any) bool {
	if x == nil {
		return !present || v == nil
	}
	return present && typeRank(v) == typeRank(x) && compareJSON(v, x) == 0
}

// typeRank is jsonb's order of types: null < string < number < boolean <
// array < object.
func typeRank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case string:
		return 1
	case json.Number:
		return 2
	case bool:
		return 3
	case []any:
		return 4
	case map[string]any:
		return 5
	}
	return 6
}

// compareJSON orders two JSON values as jsonb's btree does (with strings in
// byte order): by type, then numbers numerically, strings bytewise, false
// before true, arrays by length then element by element, objects by number
// of keys then key by key (keys in jsonb's storage order: shorter first,
// then bytewise) and value by value.
func compareJSON(a, b any) int {
	ra, rb := typeRank(a), typeRank(b)
	if ra != rb {
		return ra - rb
	}
	switch a := a.(type) {
	case string:
		return strings.Compare(a, b.(string))
	case json.Number:
		return compareNumbers(string(a), string(b.(json.Number)))
	case bool:
		switch bb := b.(bool); {
		case a == bb:
			return 0
		case !a:
			return -1
		default:
			return 1
		}
	case []any:
		bs := b.([]any)
		if len(a) != len(bs) {
			return len(a) - len(bs)
		}
		for i := range a {
			if c := compareJSON(a[i], bs[i]); c != 0 {
				return c
			}
		}
		return 0
	case map[string]any:
		bm := b.(map[string]any)
		if len(a) != len(bm) {
			return len(a) - len(bm)
		}
		ak, bk := jsonbKeys(a), jsonbKeys(bm)
		for i := range ak {
			if c := strings.Compare(ak[i], bk[i]); c != 0 {
				return c
			}
			if c := compareJSON(a[ak[i]], bm[bk[i]]); c != 0 {
				return c
			}
		}
		return 0
	}
	return 0
}

func jsonbKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y string) int {
		if len(x) != len(y) {
			return len(x) - len(y)
		}
		return strings.Compare(x, y)
	})
	return keys
}

// decimal is a JSON number as ±0.digits × 10^exp, digits without leading or
// trailing zeros (empty for zero), compared exactly.
type decimal struct {
	digits string
	exp    int64
	neg    bool
}

func parseDecimal(s string) decimal {
	var d decimal
	if strings.HasPrefix(s, "-") {
		d.neg, s = true, s[1:]
	}
	mant, expStr, hasExp := strings.Cut(strings.ToLower(s), "e")
	var exp int64
	if hasExp {
		var err error
		exp, err = strconv.ParseInt(strings.TrimPrefix(expStr, "+"), 10, 64)
		if err != nil { // out of range: saturate (far beyond numeric's range anyway)
			exp = 1 << 60
			if strings.HasPrefix(expStr, "-") {
				exp = -exp
			}
		}
		exp = max(min(exp, 1<<60), -(1 << 60))
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	exp += int64(len(intPart))
	trimmed := strings.TrimLeft(digits, "0")
	exp -= int64(len(digits) - len(trimmed))
	d.digits = strings.TrimRight(trimmed, "0")
	d.exp = exp
	if d.digits == "" {
		return decimal{}
	}
	return d
}

func compareNumbers(a, b string) int {
	if a == b {
		return 0
	}
	da, db := parseDecimal(a), parseDecimal(b)
	sign := func(d decimal) int {
		switch {
		case d.digits == "":
			return 0
		case d.neg:
			return -1
		}
		return 1
	}
	sa, sb := sign(da), sign(db)
	if sa != sb || sa == 0 {
		return sa - sb
	}
	c := 0
	switch {
	case da.exp != db.exp:
		c = 1
		if da.exp < db.exp {
			c = -1
		}
	default:
		c = strings.Compare(da.digits, db.digits)
	}
	return c * sa
}

// jsonbContains is PostgreSQL's jsonb @> at the top level, where an array
// also contains a single scalar.
func jsonbContains(a, b any) bool {
	if isContainer(b) {
		return deepContains(a, b)
	}
	switch av := a.(type) {
	case []any:
		return arrayContains(av, []any{b})
	case map[string]any:
		return false
	default:
		return scalarEqual(a, b)
	}
}

func isContainer(v any) bool {
	switch v.(type) {
	case []any, map[string]any:
		return true
	}
	return false
}

func scalarEqual(a, b any) bool { return typeRank(a) == typeRank(b) && compareJSON(a, b) == 0 }

// deepContains is @> below the top level: containers of the same kind only.
func deepContains(a, b any) bool {
	switch bv := b.(type) {
	case map[string]any:
		av, ok := a.(map[string]any)
		return ok && objectContains(av, bv)
	case []any:
		av, ok := a.([]any)
		return ok && arrayContains(av, bv)
	}
	return false
}

func objectContains(a, b map[string]any) bool {
	for k, bv := range b {
		av, ok := a[k]
		if !ok {
			return false
		}
		if isContainer(bv) {
			if !deepContains(av, bv) {
				return false
			}
		} else if isContainer(av) || !scalarEqual(av, bv) {
			return false
		}
	}
	return true
}

func arrayContains(a, b []any) bool {
	for _, be := range b {
		found := false
		for _, ae := range a {
			if isContainer(be) {
				found = isContainer(ae) && deepContains(ae, be)
			} else {
				found = !isContainer(ae) && scalarEqual(ae, be)
			}
			if found {
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sortKey is one sort value of a row: a JSON value, a similarity score, or
// null (JSON null, missing, or no score).
type sortKey struct {
	null  bool
	score float32
	value any
}

func (ev *evaluator) sortKeys(row *projectionRow) []sortKey {
	keys := make([]sortKey, len(ev.sorts))
	for i, s := range ev.sorts {
		v, ok := extract(row, s.Path)
		switch {
		case s.Similarity != nil:
			str, isString := v.(string)
			if ok && isString {
				keys[i] = sortKey{score: trigramSimilarity(str, *s.Similarity)}
			} else {
				keys[i] = sortKey{null: true}
			}
		case !ok || v == nil:
			keys[i] = sortKey{null: true}
		default:
			keys[i] = sortKey{value: v}
		}
	}
	return keys
}

// compare orders two rows under the query's sort: each key in its order,
// nulls last ascending and first descending, then the id ascending.
func (ev *evaluator) compare(ka []sortKey, ra *projectionRow, kb []sortKey, rb *projectionRow) int {
	for i, s := range ev.sorts {
		a, b := ka[i], kb[i]
		var c int
		switch {
		case a.null && b.null:
			c = 0
		case a.null:
			c = 1 // nulls last in asc (reversed below for desc: first)
		case b.null:
			c = -1
		case s.Similarity != nil:
			switch {
			case a.score < b.score:
				c = -1
			case a.score > b.score:
				c = 1
			}
		default:
			c = compareJSON(a.value, b.value)
		}
		if s.Order == projection.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return strings.Compare(ra.stored.ID, rb.stored.ID)
}

// trigramSimilarity is pg_trgm's similarity(a, b): the number of trigrams
// the two strings share divided by the number of distinct trigrams of both,
// as a float4; 0 when either has none.
func trigramSimilarity(a, b string) float32 {
	ta, tb := trigrams(a), trigrams(b)
	if len(ta) == 0 || len(tb) == 0 {
		return 0
	}
	shared := 0
	for t := range ta {
		if _, ok := tb[t]; ok {
			shared++
		}
	}
	return float32(shared) / float32(len(ta)+len(tb)-shared)
}

// trigrams returns pg_trgm's trigram set of s: each word (a run of letters
// and digits), lower-cased and padded with two spaces in front and one
// behind, cut into every run of three characters.
func trigrams(s string) map[[3]rune]struct{} {
	set := map[[3]rune]struct{}{}
	for _, word := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		padded := []rune("  " + strings.ToLower(word) + " ")
		for i := 0; i+3 <= len(padded); i++ {
			set[[3]rune{padded[i], padded[i+1], padded[i+2]}] = struct{}{}
		}
	}
	return set
}

// dropName deletes every projection named name and returns how many.
func (s *ProjectionStore) dropName(name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := int64(len(s.names[name]))
	delete(s.names, name)
	return n
}

// replaceName replaces the projections named name with those named from,
// renamed (a live projection's switch).
func (s *ProjectionStore) replaceName(name, from string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows := s.names[from]
	delete(s.names, from)
	delete(s.names, name)
	for _, r := range rows {
		r.stored.Name = name
	}
	if len(rows) > 0 {
		s.names[name] = rows
	}
}

// countName returns how many projections are named name.
func (s *ProjectionStore) countName(name string) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return int64(len(s.names[name]))
}
