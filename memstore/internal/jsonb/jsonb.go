// Package jsonb reproduces what PostgreSQL's jsonb type does to JSON text:
// the text it returns (Normalize) and its equality (Equal).
//
// PostgreSQL parses jsonb input strictly (RFC 8259 grammar, UTF-8, no
// \u0000), keeps only the last value of a duplicated object key, sorts object
// keys by length and then bytewise, stores numbers as numeric and prints the
// result as `{"a": 1, "bb": [1, 2]}`: ": " after keys, ", " between
// elements, strings escaped minimally. Two jsonb values are equal when they
// have the same structure and numerically equal numbers (1.0 = 1).
//
// This package is internal to memstore, so its in-memory store returns the
// same bytes and compares payloads the same way as PostgreSQL.
package jsonb

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Limits of PostgreSQL's numeric type.
const (
	maxIntegerDigits  = 131072
	maxFractionDigits = 16383
)

// Kinds of values.
const (
	kindNull = iota
	kindFalse
	kindTrue
	kindNumber
	kindString
	kindArray
	kindObject
)

type value struct {
	kind    int
	text    string   // a string's value, or a number in numeric's text form
	numKey  string   // a number's canonical form, for equality
	members []member // an object's members, sorted and deduplicated
	values  []value  // an array's elements
}

type member struct {
	key   string
	value value
}

// Normalize returns raw as PostgreSQL's jsonb prints it. It returns an error
// naming the problem when PostgreSQL would refuse raw as jsonb.
func Normalize(raw []byte) ([]byte, error) {
	v, err := parse(raw)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.Grow(len(raw) + len(raw)/8)
	v.write(&b)
	return []byte(b.String()), nil
}

// Equal reports whether a and b are equal jsonb values. Invalid JSON is
// never equal to anything.
func Equal(a, b []byte) bool {
	va, err := parse(a)
	if err != nil {
		return false
	}
	vb, err := parse(b)
	if err != nil {
		return false
	}
	return va.equal(vb)
}

func (v value) equal(o value) bool {
	if v.kind != o.kind {
		return false
	}
	switch v.kind {
	case kindNumber:
		return v.numKey == o.numKey
	case kindString:
		return v.text == o.text
	case kindArray:
		if len(v.values) != len(o.values) {
			return false
		}
		for i := range v.values {
			if !v.values[i].equal(o.values[i]) {
				return false
			}
		}
	case kindObject:
		if len(v.members) != len(o.members) {
			return false
		}
		for i := range v.members {
			if v.members[i].key != o.members[i].key || !v.members[i].value.equal(o.members[i].value) {
				return false
			}
		}
	}
	return true
}

func (v value) write(b *strings.Builder) {
	switch v.kind {
	case kindNull:
		b.WriteString("null")
	case kindFalse:
		b.WriteString("false")
	case kindTrue:
		b.WriteString("true")
	case kindNumber:
		b.WriteString(v.text)
	case kindString:
		writeString(b, v.text)
	case kindArray:
		b.WriteByte('[')
		for i, e := range v.values {
			if i > 0 {
				b.WriteString(", ")
			}
			e.write(b)
		}
		b.WriteByte(']')
	case kindObject:
		b.WriteByte('{')
		for i, m := range v.members {
			if i > 0 {
				b.WriteString(", ")
			}
			writeString(b, m.key)
			b.WriteString(": ")
			m.value.write(b)
		}
		b.WriteByte('}')
	}
}

// QuoteString returns s as a JSON string the way PostgreSQL prints it (its
// escape_json): only ", \, and control characters below U+0020 are escaped.
func QuoteString(s string) string {
	var b strings.Builder
	writeString(&b, s)
	return b.String()
}

func writeString(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
}

type parser struct {
	s   []byte
	pos int
}

// maxDepth bounds nesting: at most 10000 nested arrays and objects, what
// the Go driver's encoder (encoding/json) accepts before it sends a request
// (PostgreSQL's own bound is its stack depth limit).
const maxDepth = 10000

func parse(raw []byte) (value, error) {
	if !utf8.Valid(raw) {
		return value{}, errors.New("is not valid UTF-8")
	}
	p := &parser{s: raw}
	p.space()
	if p.pos == len(p.s) {
		return value{}, errors.New("is not valid JSON: empty input")
	}
	v, err := p.value(0)
	if err != nil {
		return value{}, err
	}
	p.space()
	if p.pos != len(p.s) {
		return value{}, p.errorf("unexpected %q after the value", p.s[p.pos])
	}
	return v, nil
}

// ErrTooDeep is the parse error of a document nested deeper than this
// package can represent (PostgreSQL's jsonb input accepts deeper ones; they
// always exceed pgevents' nesting limits, which callers check next).
var ErrTooDeep = errors.New("is not valid JSON: nested too deeply")

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("is not valid JSON: "+format+" at offset %d", append(args, p.pos)...)
}

func (p *parser) space() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (value, error) {
	if p.pos >= len(p.s) {
		return value{}, p.errorf("unexpected end of input")
	}
	if c := p.s[p.pos]; depth >= maxDepth && (c == '{' || c == '[') { // depth counts from 0
		return value{}, fmt.Errorf("%w at offset %d", ErrTooDeep, p.pos)
	}
	switch c := p.s[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.string()
		return value{kind: kindString, text: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		for _, lit := range []struct {
			text string
			kind int
		}{{"null", kindNull}, {"true", kindTrue}, {"false", kindFalse}} {
			if strings.HasPrefix(string(p.s[p.pos:min(len(p.s), p.pos+len(lit.text))]), lit.text) {
				p.pos += len(lit.text)
				return value{kind: lit.kind}, nil
			}
		}
		return value{}, p.errorf("unexpected %q", c)
	}
}

func (p *parser) object(depth int) (value, error) {
	p.pos++ // {
	var members []member
	p.space()
	if p.pos < len(p.s) && p.s[p.pos] == '}' {
		p.pos++
		return value{kind: kindObject, members: []member{}}, nil
	}
	for {
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != '"' {
			return value{}, p.errorf("expected an object key")
		}
		key, err := p.string()
		if err != nil {
			return value{}, err
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return value{}, p.errorf("expected ':'")
		}
		p.pos++
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return value{}, err
		}
		members = append(members, member{key: key, value: v})
		p.space()
		if p.pos >= len(p.s) {
			return value{}, p.errorf("unexpected end of input in an object")
		}
		if p.s[p.pos] == '}' {
			p.pos++
			break
		}
		if p.s[p.pos] != ',' {
			return value{}, p.errorf("expected ',' or '}'")
		}
		p.pos++
	}
	// jsonb order: shorter keys first, then bytewise; the last duplicate wins.
	sort.SliceStable(members, func(i, j int) bool {
		a, b := members[i].key, members[j].key
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return a < b
	})
	out := members[:0]
	for i, m := range members {
		if i+1 < len(members) && members[i+1].key == m.key {
			continue
		}
		out = append(out, m)
	}
	return value{kind: kindObject, members: out}, nil
}

func (p *parser) array(depth int) (value, error) {
	p.pos++ // [
	values := []value{}
	p.space()
	if p.pos < len(p.s) && p.s[p.pos] == ']' {
		p.pos++
		return value{kind: kindArray, values: values}, nil
	}
	for {
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return value{}, err
		}
		values = append(values, v)
		p.space()
		if p.pos >= len(p.s) {
			return value{}, p.errorf("unexpected end of input in an array")
		}
		if p.s[p.pos] == ']' {
			p.pos++
			return value{kind: kindArray, values: values}, nil
		}
		if p.s[p.pos] != ',' {
			return value{}, p.errorf("expected ',' or ']'")
		}
		p.pos++
	}
}

func (p *parser) string() (string, error) {
	p.pos++ // "
	var b strings.Builder
	for {
		if p.pos >= len(p.s) {
			return "", p.errorf("unterminated string")
		}
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), nil
		case c < 0x20:
			return "", p.errorf("control character %q in a string", c)
		case c != '\\':
			b.WriteByte(c)
			p.pos++
			continue
		}
		p.pos++ // backslash
		if p.pos >= len(p.s) {
			return "", p.errorf("unterminated string")
		}
		e := p.s[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			switch {
			case r == 0:
				return "", p.errorf(`\u0000 cannot be stored in jsonb`)
			case utf16.IsSurrogate(r) && r < 0xdc00:
				if p.pos+1 >= len(p.s) || p.s[p.pos] != '\\' || p.s[p.pos+1] != 'u' {
					return "", p.errorf("Unicode high surrogate must be followed by a low surrogate")
				}
				p.pos += 2
				r2, err := p.hex4()
				if err != nil {
					return "", err
				}
				if r2 < 0xdc00 || r2 > 0xdfff {
					return "", p.errorf("Unicode high surrogate must be followed by a low surrogate")
				}
				r = utf16.DecodeRune(r, r2)
			case utf16.IsSurrogate(r):
				return "", p.errorf("Unicode low surrogate must follow a high surrogate")
			}
			b.WriteRune(r)
		default:
			return "", p.errorf("invalid escape \\%c", e)
		}
	}
}

func (p *parser) hex4() (rune, error) {
	if p.pos+4 > len(p.s) {
		return 0, p.errorf(`"\u" must be followed by four hexadecimal digits`)
	}
	n, err := strconv.ParseUint(string(p.s[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, p.errorf(`"\u" must be followed by four hexadecimal digits`)
	}
	p.pos += 4
	return rune(n), nil
}

// number parses a JSON number and renders it as numeric_out would: digits
// of the value with as many fraction digits as the input's scale minus its
// exponent (1.50 stays 1.50, 1.5e1 becomes 15, 1e-2 becomes 0.01).
func (p *parser) number() (value, error) {
	start := p.pos
	neg := false
	if p.s[p.pos] == '-' {
		neg = true
		p.pos++
	}
	digits := func() string {
		s := p.pos
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
		}
		return string(p.s[s:p.pos])
	}
	intPart := digits()
	if intPart == "" || (len(intPart) > 1 && intPart[0] == '0') {
		return value{}, p.errorf("invalid number %q", p.s[start:p.pos])
	}
	var frac string
	if p.pos < len(p.s) && p.s[p.pos] == '.' {
		p.pos++
		if frac = digits(); frac == "" {
			return value{}, p.errorf("invalid number %q", p.s[start:p.pos])
		}
	}
	exp := 0
	if p.pos < len(p.s) && (p.s[p.pos] == 'e' || p.s[p.pos] == 'E') {
		p.pos++
		sign := 1
		if p.pos < len(p.s) && (p.s[p.pos] == '+' || p.s[p.pos] == '-') {
			if p.s[p.pos] == '-' {
				sign = -1
			}
			p.pos++
		}
		e := digits()
		if e == "" {
			return value{}, p.errorf("invalid number %q", p.s[start:p.pos])
		}
		n, err := strconv.Atoi(e)
		if err != nil || n >= 1<<30-1 { // numeric_in: |exponent| >= INT_MAX/2 overflows
			return value{}, p.errorf("number %q is out of range", p.s[start:p.pos])
		}
		exp = sign * n
	}
	// The value is mantissa × 10^shift.
	mantissa := strings.TrimLeft(intPart+frac, "0")
	shift := exp - len(frac)
	scale := max(0, -shift)
	if mantissa != "" && len(mantissa)+shift > maxIntegerDigits || scale > maxFractionDigits {
		return value{}, p.errorf("number %q is out of range", p.s[start:p.pos])
	}
	var text string
	if shift >= 0 {
		if mantissa == "" {
			text = "0"
		} else {
			text = mantissa + strings.Repeat("0", shift)
		}
	} else {
		m := mantissa
		if len(m) <= scale {
			m = strings.Repeat("0", scale-len(m)+1) + m
		}
		text = m[:len(m)-scale] + "." + m[len(m)-scale:]
	}
	if neg && mantissa != "" {
		text = "-" + text
	}
	return value{kind: kindNumber, text: text, numKey: numberKey(neg, mantissa, shift)}, nil
}

// numberKey is a canonical form of mantissa × 10^shift: equal numbers get
// equal keys.
func numberKey(neg bool, mantissa string, shift int) string {
	trimmed := strings.TrimRight(mantissa, "0")
	if trimmed == "" {
		return "0"
	}
	shift += len(mantissa) - len(trimmed)
	sign := ""
	if neg {
		sign = "-"
	}
	return sign + trimmed + "e" + strconv.Itoa(shift)
}

// Depth returns how deeply arrays and objects nest in text, valid JSON such
// as Normalize returns: 0 for a scalar, 1 for [] or {}, 2 for [[1]]. It is
// the measure of the write limit max_event_depth.
func Depth(text []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case inString:
			if c == '\\' {
				i++ // the escaped character cannot end the string
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}
