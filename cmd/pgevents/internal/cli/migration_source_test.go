package cli

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGooseUp(t *testing.T) {
	t.Parallel()

	t.Run("UpSectionWithoutAnnotations", func(t *testing.T) {
		t.Parallel()
		up, noTx, err := gooseUp("-- +goose Up\nCREATE TABLE t (a int);\n-- +goose StatementBegin\nDO $$ BEGIN END $$;\n" +
			"-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE t;\n")
		require.NoError(t, err)
		require.False(t, noTx)
		require.Equal(t, "CREATE TABLE t (a int);\nDO $$ BEGIN END $$;\n", up)
	})

	t.Run("NoTransaction", func(t *testing.T) {
		t.Parallel()
		up, noTx, err := gooseUp("-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (a);\n")
		require.NoError(t, err)
		require.True(t, noTx)
		require.Equal(t, "CREATE INDEX CONCURRENTLY i ON t (a);\n", up)
	})

	t.Run("MissingUp", func(t *testing.T) {
		t.Parallel()
		_, _, err := gooseUp("CREATE TABLE t (a int);\n")
		require.ErrorContains(t, err, "no \"-- +goose Up\"")
	})
}

func TestMigrationVersion(t *testing.T) {
	t.Parallel()

	v, err := migrationVersion("00012_add_things.sql")
	require.NoError(t, err)
	require.Equal(t, int64(12), v)

	for _, bad := range []string{"init.sql", "x1_init.sql", "0_init.sql"} {
		_, err := migrationVersion(bad)
		require.Error(t, err, bad)
	}
}
