package pgstore

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

func TestStore_Stats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupStore(t, newPool(t, pgx.QueryExecModeCacheStatement, 4), nil)
	appendTo(t, b.store, "order", "o-1", ev("Placed", `{}`), ev("Paid", `{}`))
	appendTo(t, b.store, "order", "o-2", ev("Placed", `{}`))
	appendTo(t, b.store, "cart", "c-1", ev("Added", `{}`))

	log, err := b.store.LogStats(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, Count{N: 4, Exact: true}, log.Events)
	require.Equal(t, Count{N: 3, Exact: true}, log.Streams)
	require.Equal(t, Count{N: 2, Exact: true}, log.Categories)
	require.Equal(t, Count{N: 4, Exact: true}, log.LastHour)
	require.False(t, log.LatestObservedAt.IsZero())
	require.NotZero(t, log.Fence.Fence)
	require.Equal(t, "4", log.Events.String())
	require.Equal(t, "~7", Count{N: 7}.String())

	cats, err := b.store.CategoryStats(ctx, nil)
	require.NoError(t, err)
	require.Len(t, cats, 2)
	require.Equal(t, "cart", cats[0].Category)
	require.Equal(t, Count{N: 3, Exact: true}, cats[1].Events)
	require.Equal(t, Count{N: 2, Exact: true}, cats[1].Streams)
	cats, err = b.store.CategoryStats(ctx, &CategoryStatsParams{After: "cart", Limit: 1})
	require.NoError(t, err)
	require.Len(t, cats, 1)
	require.Equal(t, "order", cats[0].Category)
	cats, err = b.store.CategoryStats(ctx, &CategoryStatsParams{Category: "cart"})
	require.NoError(t, err)
	require.Len(t, cats, 1)
	zero := 0
	cats, err = b.store.CategoryStats(ctx, &CategoryStatsParams{Category: "order", CountBudget: &zero})
	require.NoError(t, err)
	require.False(t, cats[0].Events.Exact)

	names, err := b.store.EventNameStats(ctx, &EventNameStatsParams{Category: "order"})
	require.NoError(t, err)
	require.Equal(t, []EventNameStats{{Name: "Placed", Events: Count{N: 2, Exact: true}}, {Name: "Paid", Events: Count{N: 1, Exact: true}}}, names)

	// Typed errors.
	var ie *pgevents.InvalidInputError
	_, err = b.store.CategoryStats(ctx, &CategoryStatsParams{Limit: 10001})
	require.ErrorAs(t, err, &ie)
	require.Equal(t, pgevents.CodeInvalidReadArgument, ie.Code)
	require.Equal(t, "limit", ie.Field)
	tooMuch := 1 << 40
	_, err = b.store.LogStats(ctx, &StatsParams{CountBudget: &tooMuch})
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "count_budget", ie.Field)
	_, err = b.store.EventNameStats(ctx, &EventNameStatsParams{Category: "bad\x01"})
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)

	// In a caller's transaction: its own uncommitted events count.
	tx, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = b.store.AppendEventsTx(ctx, tx, &pgevents.AppendParams{Category: "cart", Stream: "c-2",
		Events: []pgevents.NewEvent{ev("Added", `{}`)}})
	require.NoError(t, err)
	log, err = b.store.LogStatsTx(ctx, tx, nil)
	require.NoError(t, err)
	require.Equal(t, int64(5), log.Events.N)
}
