package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestNewPool_GivesAMigratedIsolatedDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := pgtest.NewPool(t), pgtest.NewPool(t)
	_, err := a.Exec(ctx, `SELECT pgevents.append('c', 's', '[{"name":"E","payload":1}]')`)
	require.NoError(t, err)
	var n int
	require.NoError(t, a.QueryRow(ctx, `SELECT count(*) FROM pgevents.events`).Scan(&n))
	require.Equal(t, 1, n)
	require.NoError(t, b.QueryRow(ctx, `SELECT count(*) FROM pgevents.events`).Scan(&n))
	require.Equal(t, 0, n, "databases must be isolated")
}

func TestNewEmptyDatabase_HasNoSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := pgtest.NewEmptyDatabase(t)
	c, err := pgx.Connect(ctx, conn)
	require.NoError(t, err)
	defer c.Close(ctx)
	var exists bool
	require.NoError(t, c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'pgevents')`).Scan(&exists))
	require.False(t, exists)
}
