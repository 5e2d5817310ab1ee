package jsonb

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDepth(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		text string
		want int
	}{
		{`1`, 0}, {`"[[["`, 0}, {`[]`, 1}, {`{}`, 1}, {`[[1]]`, 2}, {`{"a": [{"b": "]]]}"}], "c": [[[]]]}`, 4},
		{`["\"[", ["\\"]]`, 2}, {`[[], [], [[]]]`, 3},
	} {
		require.Equal(t, tc.want, Depth([]byte(tc.text)), tc.text)
	}
}

func TestNormalize_NestsAsDeepAsTheDriversEncoder(t *testing.T) {
	t.Parallel()

	nest := func(n int) []byte { return []byte(strings.Repeat("[", n) + "1" + strings.Repeat("]", n)) }
	got, err := Normalize(nest(10000))
	require.NoError(t, err, "10000 levels: encoding/json accepts them")
	require.Equal(t, 10000, Depth(got))
	_, err = Normalize(nest(10001))
	require.ErrorContains(t, err, "nested too deeply")
}
