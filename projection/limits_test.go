package projection

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// RegexProblemCases are patterns with the reason regexProblem (and
// pgevents.projection_regex_problem) gives, "" for allowed. pgstore's tests
// run them against the SQL function too.
func RegexProblemCases() map[string]string {
	const (
		backref = `back-references (\1 to \9) are not allowed`
		look    = "lookahead and lookbehind constraints ((?=, (?!, (?<=, (?<!) are not allowed"
		group   = "a bounded repetition {m,n} of a group is not allowed"
	)
	return map[string]string{
		`^ada`:                    "",
		`(a)\1`:                   backref,
		`(a*)*\9`:                 backref,
		`\\1`:                     "",
		`\\\1`:                    backref,
		`\0`:                      "",
		`a(?=b)`:                  look,
		`a(?!b)`:                  look,
		`(?<=a)b`:                 look,
		`(?<!a)b`:                 look,
		`\(?=`:                    "",
		`[(?=]`:                   look,
		`(?:a|b)+`:                "",
		`(?i)ada`:                 "",
		`[0-9]{4}-[0-9]{2}`:       "",
		`\d{3}`:                   "",
		`(ab){3}`:                 group,
		`(a{0,6}){0,6}`:           group,
		`\){3}`:                   "",
		`(ab)+{`:                  "",
		`a{,3}`:                   "",
		`a{255}`:                  "",
		`a{0,255}b{2}`:            "must repeat at most 256 times in total (each *, + or ? counts 1, {m,n} its largest bound; got 257)",
		`a{256,}`:                 "must repeat at most 256 times in total (each *, + or ? counts 1, {m,n} its largest bound; got 257)",
		`a{99999999999}`:          "must repeat at most 256 times in total (each *, + or ? counts 1, {m,n} its largest bound; got 100000)",
		strings.Repeat("a?", 256): "",
		strings.Repeat("a?", 257): "must repeat at most 256 times in total (each *, + or ? counts 1, {m,n} its largest bound; got 257)",
		strings.Repeat("é*", 200): "",
		`\é{3}` + `(x)\2`:         backref,
		strings.Repeat("a", 1024): "",
		strings.Repeat("a", 1025): "must be at most 1024 bytes (got 1025)",
		strings.Repeat("é", 513):  "must be at most 1024 bytes (got 1026)",
		`ends with a backslash \`: "",
		`(`:                       "",
		`(?`:                      "",
		`(?<`:                     "",
		`x{`:                      "",
		`x{1`:                     "",
		`x{1,`:                    "",
	}
}

func TestRegexProblem(t *testing.T) {
	t.Parallel()
	for pattern, want := range RegexProblemCases() {
		require.Equal(t, want, regexProblem(pattern), "pattern %q", pattern)
	}
}
