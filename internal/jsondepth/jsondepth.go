// Package jsondepth measures how deeply a JSON text nests, without decoding
// it (so without the recursion limits of decoders: encoding/json refuses
// more than 10,000 levels, PostgreSQL's jsonb input runs out of stack
// somewhere beyond that).
package jsondepth

// Depth returns the deepest nesting of arrays and objects in the JSON text
// raw: the largest number of them open at once. A scalar is 0 deep, [] and
// {} are 1, [[1]] and {"a": []} are 2. It reads brackets outside strings
// only and does not validate raw; for invalid JSON the result is
// meaningless. It runs in linear time and constant space.
func Depth(raw []byte) int {
	depth, deepest := 0, 0
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped character
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			deepest = max(deepest, depth)
		case ']', '}':
			depth--
		}
	}
	return deepest
}

// Exceeds reports whether raw nests deeper than limit, reading only as far
// as the first place where it does.
func Exceeds(raw []byte, limit int) bool {
	depth := 0
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > limit {
				return true
			}
		case ']', '}':
			depth--
		}
	}
	return false
}
