package pgstore

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/storetest"
)

// TestConsumerStore_Contract runs the consumer contract suite against
// pgstore under each exec mode (the simple protocol is PgBouncer's
// transaction mode), each subtest on a fresh database.
func TestConsumerStore_Contract(t *testing.T) {
	t.Parallel()
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			storetest.RunConsumers(t, func(t *testing.T) storetest.ConsumerStores {
				store := setupStore(t, newPool(t, mode, 10), nil).store
				return storetest.ConsumerStores{Consumers: NewConsumerStore(store), Events: store}
			})
		})
	}
}

// Issue 11 (catch-up speed): a consumer batch's JSON columns are scanned
// as raw bytes, as the event reads' are (issue 8), not json.Unmarshal'ed
// into json.RawMessage: no parse per event (the cost that made a batch
// read slower than the raw read), and an event encoding/json cannot
// decode (nested beyond 10,000 levels, stored before the write limits)
// no longer fails every batch holding it. The same for ListParked. Fails
// on the old code with "exceeded max depth".
func TestConsumerStore_ReadsPastAnEventEncodingJSONCannotDecode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	deep := deepJSON(10_001)
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			pool := newPool(t, mode, 10)
			store := setupStore(t, pool, nil).store
			consumers := NewConsumerStore(store)
			appendTo(t, store, "deepc", "s", ev("Before", `1`))
			_, err := pool.Exec(ctx, `INSERT INTO pgevents.events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
				VALUES ($1, 'deepc', 's', 1, 'Deep', $2::text::jsonb, $2::text::jsonb, now(), now())`, uuid.New(), deep)
			require.NoError(t, err)
			appendTo(t, store, "deepc", "s", ev("After", `2`))
			_, err = consumers.CreateGroup(ctx, &consumer.CreateGroupParams{Group: "deep", Source: pgevents.CategoryID("deepc")})
			require.NoError(t, err)
			_, err = consumers.JoinGroup(ctx, &consumer.JoinGroupParams{Group: "deep", Member: "m"})
			require.NoError(t, err)
			var batch []consumer.Delivery
			pollUntil(t, func() bool {
				batch, err = consumers.ReadBatch(ctx, &consumer.ReadBatchParams{Group: "deep", Member: "m", Limit: 10})
				require.NoError(t, err)
				return len(batch) == 3
			})
			require.Equal(t, "Deep", batch[1].Event.Name)
			require.Equal(t, deep, string(batch[1].Event.Payload), "the stored bytes, not decoded")
			require.Equal(t, deep, string(batch[1].Event.Metadata))

			require.NoError(t, consumers.CommitBatch(ctx, &consumer.CommitBatchParams{Group: "deep", Member: "m",
				Handled: batch[:1], Park: []consumer.ParkedDelivery{{Attempts: 1, Delivery: batch[1], Error: "too deep"}}}))
			parked, err := consumers.ListParked(ctx, &consumer.ListParkedParams{Group: "deep"})
			require.NoError(t, err)
			require.Len(t, parked, 1)
			require.Equal(t, deep, string(parked[0].Event.Payload))
		})
	}
}

// Issue 11: CommitBatch saves a batch's checkpoints in its COMMIT round
// trip, with the group and member as literals in the statement text.
// Names may hold quotes and backslashes: they stay names (no statement of
// theirs runs), the checkpoint moves, under both exec modes.
func TestConsumerStore_CommitBatchQuotesNames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	group := `g'\'); DROP TABLE pgevents.events; --\`
	member := `m\''x`
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			pool := newPool(t, mode, 10)
			store := setupStore(t, pool, nil).store
			consumers := NewConsumerStore(store)
			appendTo(t, store, "quoted", "s", ev("A", `1`), ev("B", `2`))
			_, err := consumers.CreateGroup(ctx, &consumer.CreateGroupParams{Group: group, Source: pgevents.CategoryID("quoted")})
			require.NoError(t, err)
			_, err = consumers.JoinGroup(ctx, &consumer.JoinGroupParams{Group: group, Member: member})
			require.NoError(t, err)
			var batch []consumer.Delivery
			pollUntil(t, func() bool {
				batch, err = consumers.ReadBatch(ctx, &consumer.ReadBatchParams{Group: group, Member: member, Limit: 10})
				require.NoError(t, err)
				return len(batch) == 2
			})
			require.NoError(t, consumers.CommitBatch(ctx, &consumer.CommitBatchParams{Group: group, Member: member, Handled: batch}))
			status, err := consumers.GroupStatus(ctx, group)
			require.NoError(t, err)
			require.Len(t, status, 1)
			require.Equal(t, batch[1].Event.Cursor(), status[0].Checkpoint, "the checkpoint moved to the last event")
			var n int
			require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM pgevents.events WHERE category = 'quoted'`).Scan(&n))
			require.Equal(t, 2, n)
			// Saved once: the same batch again is a checkpoint conflict.
			err = consumers.CommitBatch(ctx, &consumer.CommitBatchParams{Group: group, Member: member, Handled: batch})
			require.ErrorIs(t, err, consumer.ErrCheckpointConflict)
		})
	}
}
