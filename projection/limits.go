package projection

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pgevents/pgevents/internal/jsondepth"
)

// Limits of the query language (docs/query-language.md, "Limits"). They
// bound the memory and CPU one query can take from a store: every store and
// the builder refuse a query beyond one of them with an
// *pgevents.InvalidInputError (CodeInvalidQuery) naming the field. They are
// part of the wire format, the same for every store, and not configurable.
const (
	// MaxQueryBytes is the largest query document, in bytes of its text as
	// PostgreSQL's jsonb prints it (the stores check it; the builder cannot,
	// as it does not print jsonb).
	MaxQueryBytes = 262144
	// MaxQueryDepth is the deepest nesting of arrays and objects in a query
	// document (a valid query nests at most 3 levels plus MaxValueDepth).
	MaxQueryDepth = 64
	// MaxFilters is the largest number of filters of a query.
	MaxFilters = 64
	// MaxInValues is the longest list of an "in" filter.
	MaxInValues = 1000
	// MaxPathSteps is the largest number of keys and indices after a path's
	// field.
	MaxPathSteps = 32
	// MaxKeyBytes is the longest object key of a path, in bytes of UTF-8.
	MaxKeyBytes = 256
	// MaxValueDepth is the deepest nesting of arrays and objects in a
	// filter's value.
	MaxValueDepth = 32
	// MaxSortKeys is the largest number of sort keys of a query.
	MaxSortKeys = 8
	// MaxRegexBytes is the longest regular expression, in bytes of UTF-8.
	MaxRegexBytes = 1024
	// MaxSimilarityBytes is the longest similarity text, in bytes of UTF-8.
	MaxSimilarityBytes = 1024
	// MaxIDLength is the longest key-set anchor (after, before), in
	// characters: the longest projection id.
	MaxIDLength = 255
)

// regexProblem says why a regex_matches pattern is refused, or "": longer
// than MaxRegexBytes, a back-reference (an unescaped backslash followed by
// 1-9), or a lookahead/lookbehind constraint (an unescaped "(" followed by
// ?=, ?!, ?<= or ?<!). The scan is lexical: escapes are skipped, bracket
// expressions are not parsed (so "[(?=]" is refused too). The reasons are
// the words pgevents.projection_regex_problem uses.
func regexProblem(pattern string) string {
	if len(pattern) > MaxRegexBytes {
		return fmt.Sprintf("must be at most %d bytes (got %d)", MaxRegexBytes, len(pattern))
	}
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '\\':
			if i+1 < len(pattern) && pattern[i+1] >= '1' && pattern[i+1] <= '9' {
				return `back-references (\1 to \9) are not allowed`
			}
			i++ // the escaped character
		case '(':
			rest := pattern[i+1:]
			for _, look := range []string{"?=", "?!", "?<=", "?<!"} {
				if strings.HasPrefix(rest, look) {
					return "lookahead and lookbehind constraints ((?=, (?!, (?<=, (?<!) are not allowed"
				}
			}
		}
	}
	return ""
}

// CheckQueryDocument refuses a query document whose text nests deeper than
// MaxQueryDepth with an *pgevents.InvalidInputError (CodeInvalidQuery, field
// "query"), reading it without decoding it. ParseQuery calls it first; a
// store calls it before handing the document to a decoder with a recursion
// limit of its own (PostgreSQL's jsonb input fails beyond some tens of
// thousands of levels with an internal error).
func CheckQueryDocument(raw []byte) error {
	if jsondepth.Exceeds(raw, MaxQueryDepth) {
		return invalidQuery("query", "must be nested at most %d levels deep", MaxQueryDepth)
	}
	return nil
}

// checkIDLength refuses a key-set anchor longer than MaxIDLength characters.
func checkIDLength(field, id string) error {
	if n := utf8.RuneCountInString(id); n > MaxIDLength {
		return invalidQuery(field, "must be a projection id of at most %d characters (got %d)", MaxIDLength, n)
	}
	return nil
}
