package pgstore

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

// TestStore_ReadPool: with Config.ReadPool, reads (and the fence and stats)
// use that pool and appends the main one; a Store bound to a transaction
// reads in it. Two databases stand for the primary and the replica, so
// where each call went shows in what it returns (internal/replicatest runs
// against a real standby).
func TestStore_ReadPool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	primary := newPool(t, pgx.QueryExecModeCacheStatement, 4)
	replica := newPool(t, pgx.QueryExecModeCacheStatement, 4)
	appendTo(t, setupStore(t, replica, nil).store, "replica", "r-1", ev("OnTheReplica", `{}`))

	b := setupStore(t, primary, &Config{ReadPool: replica})
	appended := appendTo(t, b.store, "primary", "p-1", ev("OnThePrimary", `{}`))
	require.Len(t, appended, 1)

	evs, err := b.store.ReadStream(ctx, &pgevents.ReadStreamParams{Category: "replica", Stream: "r-1"})
	require.NoError(t, err)
	require.Len(t, evs, 1, "ReadStream reads the replica")
	evs, err = b.store.ReadStream(ctx, &pgevents.ReadStreamParams{Category: "primary", Stream: "p-1"})
	require.NoError(t, err)
	require.Empty(t, evs)
	latest, err := b.store.LatestEvent(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, "OnTheReplica", latest.Name, "LatestEvent reads the replica")
	require.Eventually(t, func() bool {
		evs, err := b.store.ReadEvents(ctx, &pgevents.ReadEventsParams{Limit: -1})
		return err == nil && len(evs) == 1 && evs[0].Name == "OnTheReplica"
	}, 30*time.Second, 10*time.Millisecond, "ReadEvents reads the replica")
	cats, err := b.store.CategoryStats(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, "replica", cats[0].Category, "stats read the replica")

	// Bound to a transaction of the primary: reads in it.
	tx, err := primary.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	latest, err = b.store.WithTx(tx).LatestEvent(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, "OnThePrimary", latest.Name)

	// ReadPool = the main pool is the same as none.
	same := setupStore(t, primary, &Config{ReadPool: primary})
	latest, err = same.store.LatestEvent(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, "OnThePrimary", latest.Name)
}
