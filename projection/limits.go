package projection

import (
	"fmt"
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

// MaxRegexRepetitions bounds the repetitions of a regular expression: each
// *, + or ? counts 1, each {m}, {m,n} or {m,} its largest bound (m + 1 for
// {m,}). The automaton PostgreSQL matches with, and the cost of matching
// each byte, grow with them.
const MaxRegexRepetitions = 256

// regexProblem says why a regex_matches pattern is refused, or "": longer
// than MaxRegexBytes, a back-reference (an unescaped backslash followed by
// 1-9), a lookahead/lookbehind constraint (an unescaped "(" followed by ?=,
// ?!, ?<= or ?<!), a bounded repetition {m,n} right after an unescaped ")"
// (the engine copies the group per repetition, and nested copies multiply),
// or more than MaxRegexRepetitions repetitions. One lexical scan in the
// pattern's order, the first problem found reported (the repetition total at
// the end): escapes are skipped, bracket expressions are not parsed (so
// "[(?=]" is refused too). It is the algorithm, and the words, of
// pgevents.projection_regex_problem.
func regexProblem(pattern string) string {
	if len(pattern) > MaxRegexBytes {
		return fmt.Sprintf("must be at most %d bytes (got %d)", MaxRegexBytes, len(pattern))
	}
	at := func(i int) byte { // the byte at i, or 0 beyond the end
		if i < len(pattern) {
			return pattern[i]
		}
		return 0
	}
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	weight, afterGroup := 0, false
	for i := 0; i < len(pattern); {
		switch c := pattern[i]; {
		case c == '\\':
			if d := at(i + 1); d >= '1' && d <= '9' {
				return `back-references (\1 to \9) are not allowed`
			}
			i += 2 // the escaped character is an atom
			afterGroup = false
			continue
		case c == '(':
			if at(i+1) == '?' && (at(i+2) == '=' || at(i+2) == '!' || (at(i+2) == '<' && (at(i+3) == '=' || at(i+3) == '!'))) {
				return "lookahead and lookbehind constraints ((?=, (?!, (?<=, (?<!) are not allowed"
			}
			if at(i+1) == '?' {
				i++ // "(?": group options, not a repetition
			}
		case c == '*' || c == '+' || c == '?':
			weight++
		case c == '{' && isDigit(at(i+1)):
			if afterGroup {
				return "a bounded repetition {m,n} of a group is not allowed"
			}
			// {m}, {m,}, {m,n}: the largest bound (m + 1 for {m,}), digits capped.
			j, m := i+1, 0
			for ; isDigit(at(j)); j++ {
				m = min(m*10+int(at(j)-'0'), 100000)
			}
			bound := m
			if at(j) == ',' {
				j++
				if isDigit(at(j)) {
					n := 0
					for ; isDigit(at(j)); j++ {
						n = min(n*10+int(at(j)-'0'), 100000)
					}
					bound = max(m, n)
				} else {
					bound = m + 1
				}
			}
			weight += bound
			i = j // past the bounds (the closing "}" is read as an atom)
			afterGroup = false
			continue
		}
		afterGroup = pattern[i] == ')'
		i++
	}
	if weight > MaxRegexRepetitions {
		return fmt.Sprintf("must repeat at most %d times in total (each *, + or ? counts 1, {m,n} its largest bound; got %d)",
			MaxRegexRepetitions, weight)
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
