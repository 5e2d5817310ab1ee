package pgeventsdb_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/pgeventsdb"
)

func ptr[T any](v T) *T { return &v }

// TestQueries calls every generated query once under each exec mode pgx
// offers, so every parameter and column type is checked against the real
// functions (the simple protocol is what PgBouncer in transaction mode needs).
func TestQueries(t *testing.T) {
	t.Parallel()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			cfg, err := pgxpool.ParseConfig(pgtest.NewDatabase(t))
			require.NoError(t, err)
			cfg.ConnConfig.DefaultQueryExecMode = mode
			pool, err := pgxpool.NewWithConfig(ctx, cfg)
			require.NoError(t, err)
			t.Cleanup(pool.Close)
			q := pgeventsdb.New()

			appended, err := q.AppendEvents(ctx, pool, &pgeventsdb.AppendEventsParams{
				Category: "c", Stream: "s", Scope: "stream",
				Events: json.RawMessage(`[{"name": "a", "payload": 1, "metadata": {}}, {"name": "b", "payload": null}]`),
			})
			require.NoError(t, err)
			require.Len(t, appended, 2)
			require.Equal(t, int64(1), appended[1].Position)
			require.JSONEq(t, `{}`, string(appended[0].Metadata))
			require.JSONEq(t, `null`, string(appended[1].Metadata))
			require.NotZero(t, appended[0].TransactionID)

			streams, err := q.AppendStreams(ctx, pool, &pgeventsdb.AppendStreamsParams{
				Category: "c", Scope: "category",
				Streams: json.RawMessage(`{"t": {"events": [{"name": "x", "payload": {}}], "condition": {"type": "stream_is_empty"}}}`),
			})
			require.NoError(t, err)
			require.Len(t, streams, 1)

			_, err = q.AppendEvents(ctx, pool, &pgeventsdb.AppendEventsParams{
				Category: "c", Stream: "s", Scope: "log", Events: json.RawMessage(`[]`),
				Condition: json.RawMessage(`{"type": "position_is", "position": 0}`),
			})
			var pgErr *pgconn.PgError
			require.True(t, errors.As(err, &pgErr), "%v", err)
			require.Equal(t, "PE001", pgErr.Code)

			read, err := q.ReadStream(ctx, pool, &pgeventsdb.ReadStreamParams{Category: "c", Stream: "s", FromPosition: 1, Limit: 10})
			require.NoError(t, err)
			require.Equal(t, idsOf(appended[1:]), idsOf(read))

			// Reads below the fence: poll, a parallel test may hold it back.
			require.Eventually(t, func() bool {
				log, err := q.ReadLog(ctx, pool, &pgeventsdb.ReadLogParams{Limit: -1})
				require.NoError(t, err)
				return len(log) == 3
			}, 10*time.Second, 10*time.Millisecond)
			cat, err := q.ReadCategory(ctx, pool, &pgeventsdb.ReadCategoryParams{Category: "c",
				AfterTransactionID: appended[0].TransactionID, AfterSequenceNumber: appended[0].SequenceNumber, Limit: 1})
			require.NoError(t, err)
			require.Equal(t, idsOf(appended[1:]), idsOf(cat))
			legacy, err := q.ReadLogBySequence(ctx, pool, &pgeventsdb.ReadLogBySequenceParams{Category: ptr("c"), Limit: -1})
			require.NoError(t, err)
			require.Len(t, legacy, 3)

			latest, err := q.LatestEvent(ctx, pool, &pgeventsdb.LatestEventParams{Category: ptr("c"), Stream: ptr("s")})
			require.NoError(t, err)
			require.Equal(t, appended[1].ID, latest.ID)
			_, err = q.LatestEvent(ctx, pool, &pgeventsdb.LatestEventParams{Category: ptr("none")})
			require.ErrorIs(t, err, pgx.ErrNoRows)

			position, err := q.StreamPosition(ctx, pool, &pgeventsdb.StreamPositionParams{Category: "c", Stream: "s"})
			require.NoError(t, err)
			require.Equal(t, int64(1), *position)
			position, err = q.StreamPosition(ctx, pool, &pgeventsdb.StreamPositionParams{Category: "c", Stream: "empty"})
			require.NoError(t, err)
			require.Nil(t, position)

			lag, err := q.FenceLag(ctx, pool)
			require.NoError(t, err)
			require.NotNil(t, lag.Fence)
			require.NotNil(t, lag.HeldBackEvents)

			id, err := q.Identifier(ctx, pool, &pgeventsdb.IdentifierParams{Category: ptr("c"), Stream: ptr("s")})
			require.NoError(t, err)
			require.JSONEq(t, `{"type": "stream", "category": "c", "stream": "s"}`, string(id))
			id, err = q.Identifier(ctx, pool, &pgeventsdb.IdentifierParams{})
			require.NoError(t, err)
			require.JSONEq(t, `{"type": "log"}`, string(id))
		})
	}
}

func idsOf(events []*pgeventsdb.Event) []uuid.UUID {
	ids := make([]uuid.UUID, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	return ids
}
