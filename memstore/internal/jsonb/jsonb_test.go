package jsonb

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalize(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct{ in, want string }{
		{`null`, `null`},
		{` true `, `true`},
		{`false`, `false`},
		{`"a\u00e9\/\"\\\n\u0001"`, "\"a\u00e9/\\\"\\\\\\n\\u0001\""},
		{`"\ud83d\ude00"`, "\"\U0001F600\""},
		{`"\b\f\r\t"`, `"\b\f\r\t"`},
		{`"<&>` + "\u2028" + `"`, `"<&>` + "\u2028" + `"`},
		{`{}`, `{}`},
		{`[]`, `[]`},
		{`{"b":1,"a":2,"aa":3,"B":4}`, `{"B": 4, "a": 2, "b": 1, "aa": 3}`},
		{`{"a":1,"a":2}`, `{"a": 2}`},
		{`{"a":1,"b":2,"a":3}`, `{"a": 3, "b": 2}`},
		{"[1 ,\n2,[ ],{ }]", `[1, 2, [], {}]`},
		{`{"x":{"y":[true,null]}}`, `{"x": {"y": [true, null]}}`},
		{`0`, `0`},
		{`-0`, `0`},
		{`-0.0`, `0.0`},
		{`1.50`, `1.50`},
		{`1.5e1`, `15`},
		{`1.50e1`, `15.0`},
		{`1e2`, `100`},
		{`1E+2`, `100`},
		{`1e-2`, `0.01`},
		{`-12.5e-3`, `-0.0125`},
		{`0e-3`, `0.000`},
		{`123456789012345678901234567890`, `123456789012345678901234567890`},
		{`0.1`, `0.1`},
	} {
		got, err := Normalize([]byte(tc.in))
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, string(got), tc.in)
	}
}

func TestNormalize_Invalid(t *testing.T) {
	t.Parallel()

	for _, in := range []string{
		``, ` `, `{`, `[1,]`, `{"a":1,}`, `{"a"}`, `{1:2}`, `01`, `1.`, `.5`, `1e`, `+1`, `-`,
		`NaN`, `nul`, `"abc`, "\"a\nb\"", `"\x"`, `"\u12"`, `"\u0000"`, `"\ud800"`, `"\udc00"`,
		`"\ud800\u0041"`, "\"\xff\"", `1 2`, `1e999999999`, `1e200000`, `1e-20000`, `'a'`,
	} {
		_, err := Normalize([]byte(in))
		require.Error(t, err, in)
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{`{"a":1,"b":[1,2]}`, ` { "b" : [1, 2], "a" : 1 } `, true},
		{`{"a":1}`, `{"a":1.0}`, true},
		{`100`, `1e2`, true},
		{`0.010`, `1e-2`, true},
		{`0`, `-0.0`, true},
		{`{"a":1,"a":2}`, `{"a":2}`, true},
		{`"\u00e9"`, "\"\u00e9\"", true},
		{`[1,2]`, `[2,1]`, false},
		{`{"a":1}`, `{"a":"1"}`, false},
		{`{"a":1}`, `{"a":1,"b":null}`, false},
		{`null`, `{}`, false},
		{`{}`, `[]`, false},
		{`1`, `-1`, false},
		{`true`, `false`, false},
		{`{`, `{`, false},
	} {
		require.Equal(t, tc.want, Equal([]byte(tc.a), []byte(tc.b)), "%s = %s", tc.a, tc.b)
	}
}

func TestQuoteString(t *testing.T) {
	t.Parallel()

	require.Equal(t, `"a\"b"`, QuoteString(`a"b`))
	require.Equal(t, `"x\u001fy\n"`, QuoteString("x\x1fy\n"))
	require.Equal(t, "\"\u00e9<\"", QuoteString("\u00e9<"))
}
