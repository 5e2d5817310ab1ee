package pgevents_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/pgtest"
)

func TestMigrateStatus_ReadsOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sql.Open("pgx", pgtest.NewEmptyDatabase(t))
	require.NoError(t, err)
	defer db.Close()

	status, err := pgevents.MigrateStatus(ctx, db)
	require.NoError(t, err)
	require.NotEmpty(t, status)
	for i, s := range status {
		require.False(t, s.Applied, s.Name)
		if i > 0 {
			require.Greater(t, s.Version, status[i-1].Version, s.Name) // versions may have gaps
		}
	}
	var schemas int
	require.NoError(t, db.QueryRowContext(ctx,
		"SELECT count(*) FROM pg_namespace WHERE nspname IN ('pgevents', 'pgevents_meta')").Scan(&schemas))
	require.Zero(t, schemas, "status must not create anything")
}

// TestMigrate_ConcurrentFirstRuns runs Migrate from many connections at once
// on a fresh database: every run succeeds (no CREATE SCHEMA collision, no
// concurrent function install) and the schema ends up complete.
func TestMigrate_ConcurrentFirstRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for range 3 {
		db, err := sql.Open("pgx", pgtest.NewEmptyDatabase(t))
		require.NoError(t, err)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() { errs <- pgevents.Migrate(ctx, db) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		status, err := pgevents.MigrateStatus(ctx, db)
		require.NoError(t, err)
		for _, s := range status {
			require.True(t, s.Applied, s.Name)
		}
		require.NoError(t, db.Close())
	}
}
