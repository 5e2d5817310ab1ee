package pgevents_test

import (
	"context"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents/internal/pgtest"
)

// TestREADME_SQLExamples runs every ```sql block of README.md, in order, on
// one fresh migrated database: the README's SQL examples must work as
// written. (Its Go snippets are excerpts of Example functions and tests.)
func TestREADME_SQLExamples(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	blocks := regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	require.GreaterOrEqual(t, len(blocks), 2, "README.md has SQL examples")

	pool := pgtest.NewPool(t)
	ctx := context.Background()
	for i, b := range blocks {
		// No arguments: the simple protocol, so a block may hold several statements.
		_, err := pool.Exec(ctx, b[1])
		require.NoError(t, err, "README.md sql block %d:\n%s", i+1, b[1])
	}
}
