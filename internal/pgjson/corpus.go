package pgjson

import "strings"

// Case is one input of Corpus and whether PostgreSQL 15 stores it as jsonb.
type Case struct {
	// In is the JSON text.
	In string
	// OK is whether PostgreSQL accepts it.
	OK bool
}

// Corpus holds inputs on both sides of every rule Validate enforces, with
// the verdict of PostgreSQL 15 (checked by pgstore's tests against a real
// server, and against memstore's jsonb by memstore's tests).
var Corpus = []Case{
	// Grammar.
	{`null`, true}, {`true`, true}, {`false`, true}, {`0`, true}, {`-0`, true}, {`"a"`, true},
	{` {"a" : [1, {"b": null}, "x"] } `, true}, {`[]`, true}, {`{}`, true}, {`[[[]]]`, true},
	{"\t\n\r 1 \t\n\r", true}, {`{"a":1,"a":2}`, true}, {`"\"\\\/\b\f\n\r\t"`, true},
	{``, false}, {` `, false}, {`{`, false}, {`[1,]`, false}, {`{"a":1,}`, false}, {`{"a"}`, false},
	{`{1:2}`, false}, {`[1 2]`, false}, {`1 2`, false}, {`'a'`, false}, {`nul`, false}, {`nullx`, false},
	{`True`, false}, {`NaN`, false}, {`Infinity`, false}, {`-Infinity`, false}, {`[`, false}, {`]`, false},
	{`{"a":1}}`, false}, {`[1]]`, false}, {`{"a":1]`, false}, {`[1}`, false}, {"\f1", false},
	{"\xef\xbb\xbf1", false}, {`"abc`, false}, {"\"a\nb\"", false}, {"\"a\x01\"", false},
	{"\"a\x7f\"", true}, {`"\x"`, false}, {`"\'"`, false}, {`"\u12"`, false}, {`"\u12g4"`, false},
	{`"\`, false}, {`{"a":"b"`, false}, {`{"a" 1}`, false},
	// Numbers: grammar.
	{`01`, false}, {`-01`, false}, {`1.`, false}, {`.5`, false}, {`1e`, false}, {`1e+`, false}, {`+1`, false},
	{`-`, false}, {`--1`, false}, {`1.5e+3`, true}, {`1E-3`, true}, {`0.0`, true}, {`1e0`, true}, {`0e0`, true},
	{`1x`, false}, {`0x10`, false},
	// Numbers: numeric's range.
	{`1e131071`, true}, {`9e131071`, true}, {`1e131072`, false}, {`10e131070`, true}, {`10e131071`, false},
	{`0.1e131072`, true}, {`0.1e131073`, false}, {`0.001e131074`, true}, {`0.001e131075`, false},
	{"1" + strings.Repeat("0", 131071), true}, {"1" + strings.Repeat("0", 131072), false},
	{"1." + strings.Repeat("0", 16383), true}, {"1." + strings.Repeat("0", 16384), false},
	{`1e-16383`, true}, {`1e-16384`, false}, {`0e-16384`, false}, {`0e-20000`, false}, {`1.5e-16383`, false},
	{`0.1e-16382`, true}, {`0.00000e-16380`, false}, {`0e2000000`, true}, {`0e999999999`, true},
	{`0e1073741822`, true}, {`0e1073741823`, false}, {`0e-1073741823`, false}, {`1e-1073741822`, false},
	{`0e99999999999999999999999`, false}, {`1e999999`, false}, {`-1e999999`, false}, {`1e-999999`, false},
	{`0e+00000000000000000000000000001`, true},
	// Strings: UTF-8 and escapes.
	{`"é"`, true}, {`"\u00e9"`, true}, {`"\uD83D\uDE00"`, true}, {`"\ud800\udc00"`, true}, {`"\uffff"`, true},
	{`"\u0000"`, false}, {`{"\u0000":1}`, false}, {`"a\u0000b"`, false}, {`"\u0001"`, true},
	{`"\ud800"`, false}, {`"\udc00"`, false}, {`"\ud800\u0041"`, false}, {`"\ud800x"`, false},
	{`"\ud800\ud800"`, false}, {`"\udfff\ud800"`, false}, {`{"\ud800":1}`, false}, {`"\ud800\`, false},
	{"\"\xff\"", false}, {"\"\xc3\"", false}, {"\"\xed\xa0\x80\"", false}, {"\"\xf4\x90\x80\x80\"", false},
	{"\"\xc0\xaf\"", false}, {"\"\xf0\x9f\x98\x80\"", true}, {"[\"a\", \xff]", false},
}
