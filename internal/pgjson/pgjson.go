// Package pgjson checks JSON text the way PostgreSQL's jsonb input does,
// without decoding it: Validate accepts exactly the texts that
// PostgreSQL 15 (UTF-8 database) stores as jsonb, nesting depth and size
// aside.
//
// PostgreSQL refuses, beyond RFC 8259's grammar: invalid UTF-8 (22021, before
// jsonb sees the text), the escape \u0000 (22P05), a lone or unpaired UTF-16
// surrogate escape (22P02), and numbers outside numeric's range (22003): an
// exponent of magnitude 1073741823 or more, more than 131072 digits before
// the decimal point, or more than 16383 after it (counting the input's
// fraction digits minus its exponent, trailing zeros included). Go's
// encoding/json accepts all of these, so the adapters check with Validate
// before a text reaches PostgreSQL (pgstore) or is stored (memstore must
// refuse the same inputs).
//
// Validate is iterative: it does not limit nesting depth (the server's
// event limits do) and uses memory proportional to the depth.
package pgjson

import (
	"fmt"
	"unicode/utf8"
)

// Limits of PostgreSQL's numeric type (numeric.c: NUMERIC_WEIGHT_MAX,
// NUMERIC_DSCALE_MAX, and the exponent bound of set_var_from_str).
const (
	maxIntegerDigits  = 131072
	maxFractionDigits = 16383
	maxExponent       = 1<<30 - 1 // INT_MAX / 2; |exponent| >= it overflows
)

// Error says why PostgreSQL would refuse a text as jsonb.
type Error struct {
	// Offset is the byte offset of the problem in the input.
	Offset int
	// Reason says what the problem is.
	Reason string
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("%s (at byte %d)", e.Reason, e.Offset) }

// Validate returns nil when PostgreSQL accepts b as jsonb, and an *Error
// naming the first problem otherwise. An empty input is refused.
func Validate(b []byte) error {
	if !utf8.Valid(b) {
		i := 0
		for i < len(b) {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return &Error{Offset: i, Reason: "is not valid UTF-8"}
	}
	v := validator{b: b}
	return v.run()
}

type validator struct {
	b []byte
	i int
}

func (v *validator) fail(format string, args ...any) error {
	return &Error{Offset: v.i, Reason: fmt.Sprintf(format, args...)}
}

func (v *validator) space() {
	for v.i < len(v.b) {
		switch v.b[v.i] {
		case ' ', '\t', '\n', '\r':
			v.i++
		default:
			return
		}
	}
}

// unexpected reports the byte at v.i, or the end of the input.
func (v *validator) unexpected(what string) error {
	if v.i >= len(v.b) {
		return v.fail("is not valid JSON: unexpected end of input, expected %s", what)
	}
	return v.fail("is not valid JSON: unexpected %q, expected %s", v.b[v.i], what)
}

func (v *validator) run() error {
	var small [32]byte
	stack := small[:0] // '{' or '[' for each open container
	v.space()
	for {
		// A value starts at v.i. Containers push and go round again for
		// their first element; empty ones are values of their own.
		if v.i >= len(v.b) {
			return v.unexpected("a value")
		}
		switch c := v.b[v.i]; {
		case c == '{' || c == '[':
			v.i++
			v.space()
			if v.i < len(v.b) && v.b[v.i] == c+2 { // '}' = '{'+2, ']' = '['+2
				v.i++
				break
			}
			stack = append(stack, c)
			if c == '{' {
				if err := v.key(); err != nil {
					return err
				}
			}
			continue
		case c == '"':
			if err := v.string(); err != nil {
				return err
			}
		case c == '-' || (c >= '0' && c <= '9'):
			if err := v.number(); err != nil {
				return err
			}
		case c == 't':
			if err := v.literal("true"); err != nil {
				return err
			}
		case c == 'f':
			if err := v.literal("false"); err != nil {
				return err
			}
		case c == 'n':
			if err := v.literal("null"); err != nil {
				return err
			}
		default:
			return v.unexpected("a value")
		}
		// After a value: close containers, or go on to the next element.
		for {
			v.space()
			if len(stack) == 0 {
				if v.i != len(v.b) {
					return v.unexpected("the end of the input")
				}
				return nil
			}
			top := stack[len(stack)-1]
			if v.i >= len(v.b) {
				return v.unexpected(fmt.Sprintf("',' or '%c'", top+2))
			}
			c := v.b[v.i]
			if c == top+2 {
				v.i++
				stack = stack[:len(stack)-1]
				continue
			}
			if c != ',' {
				return v.unexpected(fmt.Sprintf("',' or '%c'", top+2))
			}
			v.i++
			v.space()
			if top == '{' {
				if err := v.key(); err != nil {
					return err
				}
			}
			break
		}
	}
}

// key reads an object key and its colon, and the space after them.
func (v *validator) key() error {
	if v.i >= len(v.b) || v.b[v.i] != '"' {
		return v.unexpected("an object key")
	}
	if err := v.string(); err != nil {
		return err
	}
	v.space()
	if v.i >= len(v.b) || v.b[v.i] != ':' {
		return v.unexpected("':'")
	}
	v.i++
	v.space()
	return nil
}

func (v *validator) literal(word string) error {
	if len(v.b)-v.i < len(word) || string(v.b[v.i:v.i+len(word)]) != word {
		return v.unexpected("a value")
	}
	v.i += len(word)
	return nil
}

// string reads a string from its opening quote. The input is valid UTF-8.
func (v *validator) string() error {
	v.i++ // "
	for {
		// The common case: plain bytes.
		for v.i < len(v.b) {
			c := v.b[v.i]
			if c == '"' || c == '\\' || c < 0x20 {
				break
			}
			v.i++
		}
		if v.i >= len(v.b) {
			return v.fail("is not valid JSON: unterminated string")
		}
		switch c := v.b[v.i]; {
		case c == '"':
			v.i++
			return nil
		case c < 0x20:
			return v.fail("is not valid JSON: control character %q in a string (escape it)", c)
		}
		// A backslash.
		if v.i+1 >= len(v.b) {
			v.i++
			return v.fail("is not valid JSON: unterminated string")
		}
		switch v.b[v.i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			v.i += 2
			continue
		case 'u':
		default:
			return v.fail("is not valid JSON: invalid escape \\%c", v.b[v.i+1])
		}
		r, ok := v.hex4(v.i + 2)
		if !ok {
			return v.fail(`is not valid JSON: "\u" must be followed by four hexadecimal digits`)
		}
		switch {
		case r == 0:
			return v.fail(`\u0000 cannot be stored in jsonb`)
		case r >= 0xdc00 && r <= 0xdfff:
			return v.fail(`Unicode low surrogate \u%04x must follow a high surrogate`, r)
		case r >= 0xd800 && r < 0xdc00:
			low, ok := rune(0), false
			if v.i+7 < len(v.b) && v.b[v.i+6] == '\\' && v.b[v.i+7] == 'u' {
				low, ok = v.hex4(v.i + 8)
			}
			if !ok || low < 0xdc00 || low > 0xdfff {
				return v.fail(`Unicode high surrogate \u%04x must be followed by a low surrogate`, r)
			}
			v.i += 12
		default:
			v.i += 6
		}
	}
}

// hex4 decodes the four hexadecimal digits at v.b[at:].
func (v *validator) hex4(at int) (rune, bool) {
	if at+4 > len(v.b) {
		return 0, false
	}
	var r rune
	for _, c := range v.b[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number reads a number (RFC 8259 grammar) and checks it against numeric's
// range as PostgreSQL's numeric_in does.
func (v *validator) number() error {
	start := v.i
	digits := func() int {
		s := v.i
		for v.i < len(v.b) && v.b[v.i] >= '0' && v.b[v.i] <= '9' {
			v.i++
		}
		return v.i - s
	}
	invalid := func() error {
		return &Error{Offset: start, Reason: fmt.Sprintf("is not valid JSON: invalid number %q", v.b[start:v.i])}
	}
	if v.b[v.i] == '-' {
		v.i++
	}
	intStart := v.i
	intDigits := digits()
	if intDigits == 0 || (intDigits > 1 && v.b[intStart] == '0') {
		return invalid()
	}
	fracStart, fracDigits := v.i, 0
	if v.i < len(v.b) && v.b[v.i] == '.' {
		v.i++
		fracStart = v.i
		if fracDigits = digits(); fracDigits == 0 {
			return invalid()
		}
	}
	var exp int64
	if v.i < len(v.b) && (v.b[v.i] == 'e' || v.b[v.i] == 'E') {
		v.i++
		neg := false
		if v.i < len(v.b) && (v.b[v.i] == '+' || v.b[v.i] == '-') {
			neg = v.b[v.i] == '-'
			v.i++
		}
		expStart := v.i
		if digits() == 0 {
			return invalid()
		}
		for _, c := range v.b[expStart:v.i] {
			exp = min(exp*10+int64(c-'0'), 1<<40) // saturates, like strtol
		}
		if neg {
			exp = -exp
		}
	}
	outOfRange := func() error {
		return &Error{Offset: start, Reason: fmt.Sprintf("number %s is out of PostgreSQL's numeric range", abbreviate(v.b[start:v.i]))}
	}
	if exp >= maxExponent || exp <= -maxExponent {
		return outOfRange()
	}
	if int64(fracDigits)-exp > maxFractionDigits {
		return outOfRange()
	}
	// Significant digits: the mantissa's, without leading zeros.
	lead := 0
	if v.b[intStart] == '0' { // the integer part is "0"
		lead = 1
		for _, c := range v.b[fracStart : fracStart+fracDigits] {
			if c != '0' {
				break
			}
			lead++
		}
	}
	if sig := intDigits + fracDigits - lead; sig > 0 && int64(sig-fracDigits)+exp > maxIntegerDigits {
		return outOfRange()
	}
	return nil
}

// abbreviate returns b, or its start and end when it is long.
func abbreviate(b []byte) string {
	if len(b) <= 40 {
		return string(b)
	}
	return fmt.Sprintf("%s...%s (%d characters)", b[:20], b[len(b)-10:], len(b))
}
