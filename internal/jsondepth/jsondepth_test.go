package jsondepth

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDepth(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]int{
		`1`:                         0,
		`"[[["`:                     0,
		`[]`:                        1,
		`{}`:                        1,
		`[[1]]`:                     2,
		`{"a": []}`:                 2,
		`{"a": "\"[", "b": [[{}]]}`: 4,
		`["\\", [["x"]]]`:           3,
		`[[], [], [[]]]`:            3,
		strings.Repeat("[", 20000) + strings.Repeat("]", 20000): 20000,
	} {
		require.Equal(t, want, Depth([]byte(raw)), "Depth(%.40s)", raw)
		require.Equal(t, want > 1, Exceeds([]byte(raw), 1), "Exceeds(%.40s, 1)", raw)
		require.False(t, Exceeds([]byte(raw), want), "Exceeds(%.40s, %d)", raw, want)
		if want > 0 {
			require.True(t, Exceeds([]byte(raw), want-1), "Exceeds(%.40s, %d)", raw, want-1)
		}
	}
}
