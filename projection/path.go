package projection

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Field is the top-level field a Path starts from.
type Field string

// The fields of a projection a query can address.
const (
	// FieldID is the projection's id (a string; takes no steps).
	FieldID Field = "id"
	// FieldMetadata is the projection's JSON metadata.
	FieldMetadata Field = "metadata"
	// FieldName is the projection's name (a string; takes no steps).
	FieldName Field = "name"
	// FieldSource is the projection's source identifier, as JSON
	// ({"type":"stream","category":C,"stream":S}).
	FieldSource Field = "source"
	// FieldState is the projection's JSON state.
	FieldState Field = "state"
)

func (f Field) valid() bool {
	switch f {
	case FieldID, FieldMetadata, FieldName, FieldSource, FieldState:
		return true
	}
	return false
}

// MaxIndex is the largest array index a path may hold.
const MaxIndex = 2147483647

// Step is one element of a Path after its field: an object key or an array
// index.
type Step struct {
	// Index is the array index when IsIndex is set: 0 to MaxIndex.
	Index int
	// IsIndex tells an index step from a key step.
	IsIndex bool
	// Key is the object key when IsIndex is not set.
	Key string
}

// String returns the key, or the index in brackets.
func (s Step) String() string {
	if s.IsIndex {
		return "[" + strconv.Itoa(s.Index) + "]"
	}
	return strconv.Quote(s.Key)
}

// Path addresses a value in a projection: a Field, then object keys and
// array indices. A key step reads an object's member and an index step an
// array's element (PostgreSQL's jsonb -> operator); anything else, like a key
// on an array or an index on an object, makes the value missing. Its JSON form is the array of docs/query-language.md, e.g.
// ["state", "address", "lines", 0]. Paths are values: Key and Index return
// new paths.
type Path struct {
	// Field is the top-level field.
	Field Field
	// Steps are the keys and indices after the field.
	Steps []Step
}

// IDPath is the path of the projection id.
func IDPath() Path { return Path{Field: FieldID} }

// NamePath is the path of the projection name.
func NamePath() Path { return Path{Field: FieldName} }

// SourcePath is the path of the source identifier, or of the given keys in
// it ("type", "category", "stream").
func SourcePath(keys ...string) Path { return Path{Field: FieldSource}.Key(keys...) }

// StatePath is the path of the state, or of the given object keys in it.
func StatePath(keys ...string) Path { return Path{Field: FieldState}.Key(keys...) }

// MetadataPath is the path of the metadata, or of the given object keys in
// it.
func MetadataPath(keys ...string) Path { return Path{Field: FieldMetadata}.Key(keys...) }

// Key returns the path extended with object keys.
func (p Path) Key(keys ...string) Path {
	steps := slices.Clip(slices.Clone(p.Steps))
	for _, k := range keys {
		steps = append(steps, Step{Key: k})
	}
	return Path{Field: p.Field, Steps: steps}
}

// Index returns the path extended with array indices.
func (p Path) Index(indices ...int) Path {
	steps := slices.Clip(slices.Clone(p.Steps))
	for _, i := range indices {
		steps = append(steps, Step{Index: i, IsIndex: true})
	}
	return Path{Field: p.Field, Steps: steps}
}

// String returns a readable form, e.g. state."tags"[0].
func (p Path) String() string {
	var b strings.Builder
	b.WriteString(string(p.Field))
	for _, s := range p.Steps {
		if !s.IsIndex {
			b.WriteByte('.')
		}
		b.WriteString(s.String())
	}
	return b.String()
}

// validate returns an *pgevents.InvalidInputError (CodeInvalidQuery) when
// the path has more than MaxPathSteps steps, the field is unknown, id or
// name have steps, an index is out of range or a key is longer than
// MaxKeyBytes. field names the path in the error.
func (p Path) validate(field string) error {
	if len(p.Steps) > MaxPathSteps {
		return invalidQuery(field, "must have at most %d keys and indices after the field (got %d)", MaxPathSteps, len(p.Steps))
	}
	if !p.Field.valid() {
		return invalidQuery(field+"[0]", "must be one of id, name, source, state, metadata (got %q)", string(p.Field))
	}
	if (p.Field == FieldID || p.Field == FieldName) && len(p.Steps) > 0 {
		return invalidQuery(field, "%s takes no keys or indices (got %d)", p.Field, len(p.Steps))
	}
	for i, s := range p.Steps {
		if s.IsIndex && (s.Index < 0 || s.Index > MaxIndex) {
			return invalidQuery(fmt.Sprintf("%s[%d]", field, i+1), "an array index must be an integer from 0 to %d (got %d)", MaxIndex, s.Index)
		}
		if !s.IsIndex && len(s.Key) > MaxKeyBytes {
			return invalidQuery(fmt.Sprintf("%s[%d]", field, i+1), "an object key must be at most %d bytes (got %d)", MaxKeyBytes, len(s.Key))
		}
	}
	return nil
}

// MarshalJSON encodes the path as a JSON array.
func (p Path) MarshalJSON() ([]byte, error) {
	out := make([]any, 0, len(p.Steps)+1)
	out = append(out, string(p.Field))
	for _, s := range p.Steps {
		if s.IsIndex {
			out = append(out, s.Index)
		} else {
			out = append(out, s.Key)
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON decodes and validates a JSON path array.
func (p *Path) UnmarshalJSON(b []byte) error {
	parsed, err := parsePath("path", b)
	if err != nil {
		return err
	}
	*p = parsed
	return nil
}

func parsePath(field string, raw json.RawMessage) (Path, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil || elems == nil {
		return Path{}, invalidQuery(field, "must be an array of a field name, then keys and indices (got %s)", clip(raw))
	}
	if len(elems) == 0 {
		return Path{}, invalidQuery(field, "must not be empty")
	}
	// In the order of pgevents.projection_keys: the length, the field, then
	// each step.
	if len(elems)-1 > MaxPathSteps {
		return Path{}, invalidQuery(field, "must have at most %d keys and indices after the field (got %d)", MaxPathSteps, len(elems)-1)
	}
	var f string
	if err := json.Unmarshal(elems[0], &f); err != nil || !Field(f).valid() {
		return Path{}, invalidQuery(field+"[0]", "must be one of id, name, source, state, metadata (got %s)", clip(elems[0]))
	}
	if (f == string(FieldID) || f == string(FieldName)) && len(elems) > 1 {
		return Path{}, invalidQuery(field, "%s takes no keys or indices (got %d)", f, len(elems)-1)
	}
	p := Path{Field: Field(f)}
	for i, e := range elems[1:] {
		elemField := fmt.Sprintf("%s[%d]", field, i+1)
		switch kind(e) {
		case '"':
			var k string
			_ = json.Unmarshal(e, &k)
			if len(k) > MaxKeyBytes {
				return Path{}, invalidQuery(elemField, "an object key must be at most %d bytes (got %d)", MaxKeyBytes, len(k))
			}
			p.Steps = append(p.Steps, Step{Key: k})
		case '0':
			idx, ok := integral(e, 0, MaxIndex)
			if !ok {
				return Path{}, invalidQuery(elemField, "an array index must be an integer from 0 to %d (got %s)", MaxIndex, clip(e))
			}
			p.Steps = append(p.Steps, Step{Index: int(idx), IsIndex: true})
		default:
			return Path{}, invalidQuery(elemField, "must be an object key (string) or an array index (integer) (got %s)", clip(e))
		}
	}
	if err := p.validate(field); err != nil {
		return Path{}, err
	}
	return p, nil
}

// kind returns the JSON type of a raw value: '"' string, '0' number, 't'
// boolean, 'n' null, '[' array, '{' object, 0 invalid.
func kind(raw json.RawMessage) byte {
	s := strings.TrimLeft(string(raw), " \t\r\n")
	if s == "" {
		return 0
	}
	switch c := s[0]; {
	case c == '"', c == '[', c == '{', c == 'n':
		return c
	case c == 't', c == 'f':
		return 't'
	case c == '-' || (c >= '0' && c <= '9'):
		return '0'
	}
	return 0
}

// integral reads a JSON number with an integral value (1, 1.0, 1e2) within
// [min, max], as PostgreSQL's numeric does.
func integral(raw json.RawMessage, min, max int64) (int64, bool) {
	if kind(raw) != '0' {
		return 0, false
	}
	var num json.Number
	if json.Unmarshal(raw, &num) != nil {
		return 0, false
	}
	s := string(num)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, expStr, _ := strings.Cut(strings.ToLower(s), "e")
	exp := int64(0)
	if expStr != "" {
		e, err := strconv.ParseInt(strings.TrimPrefix(expStr, "+"), 10, 64)
		if err != nil {
			if strings.HasPrefix(expStr, "-") { // a tiny fraction (or zero)
				e = -(1 << 40)
			} else {
				e = 1 << 40
			}
		}
		exp = e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	exp += int64(len(intPart)) - int64(len(intPart+frac)-len(digits)) // value = 0.digits × 10^exp
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		return 0, 0 >= min && 0 <= max
	}
	if int64(len(digits)) > exp || exp > 19 {
		return 0, false // a fraction, or beyond int64
	}
	n, err := strconv.ParseInt(digits+strings.Repeat("0", int(exp)-len(digits)), 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, n >= min && n <= max
}

func clip(raw []byte) string {
	const max = 80
	if len(raw) > max {
		return string(raw[:max]) + "..."
	}
	return string(raw)
}
