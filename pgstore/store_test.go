package pgstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/storetest"
)

func TestNew(t *testing.T) {
	t.Parallel()

	t.Run("NilPool", func(t *testing.T) {
		t.Parallel()
		_, err := New(nil, nil)
		require.ErrorIs(t, err, errNilPool)
	})

	t.Run("Defaults", func(t *testing.T) {
		t.Parallel()
		pool := newPool(t, pgx.QueryExecModeCacheStatement, 2)
		s, err := New(pool, nil)
		require.NoError(t, err)
		require.Equal(t, Config{GroupCommitMaxAppendEvents: DefaultGroupCommitMaxAppendEvents, GroupCommitMaxBatch: DefaultGroupCommitMaxBatch,
			GroupCommitMaxInFlight: DefaultGroupCommitMaxInFlight(), GroupCommitMinBatch: DefaultGroupCommitMinBatch, MaxRetries: DefaultMaxRetries, RetryBackoff: DefaultRetryBackoff}, s.cfg)
	})

	t.Run("CopiesAndInterpretsConfig", func(t *testing.T) {
		t.Parallel()
		pool := newPool(t, pgx.QueryExecModeCacheStatement, 2)
		cfg := &Config{MaxRetries: -1, RetryBackoff: time.Second}
		s, err := New(pool, cfg)
		require.NoError(t, err)
		cfg.RetryBackoff = time.Hour
		require.Equal(t, Config{GroupCommitMaxAppendEvents: DefaultGroupCommitMaxAppendEvents, GroupCommitMaxBatch: DefaultGroupCommitMaxBatch,
			GroupCommitMaxInFlight: DefaultGroupCommitMaxInFlight(), GroupCommitMinBatch: DefaultGroupCommitMinBatch, MaxRetries: 0, RetryBackoff: time.Second}, s.cfg)
	})

	t.Run("InvalidConfig", func(t *testing.T) {
		t.Parallel()
		pool := newPool(t, pgx.QueryExecModeCacheStatement, 2)
		_, err := New(pool, &Config{MaxRetries: -2})
		require.ErrorContains(t, err, "MaxRetries")
		_, err = New(pool, &Config{RetryBackoff: -time.Second})
		require.ErrorContains(t, err, "RetryBackoff")
	})
}

func TestStore_AppendEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	forEachMode(t, func(t *testing.T, setup func(t *testing.T) *testBundle) {
		t.Run("AppendsAtContiguousPositions", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			first := appendTo(t, b.store, "account", "1", ev("opened", `{"owner":"ada"}`))
			require.Len(t, first, 1)
			require.Equal(t, int64(0), first[0].Position)
			more := appendTo(t, b.store, "account", "1", ev("deposited", `1`), ev("withdrawn", `2`))
			require.Equal(t, []int64{1, 2}, []int64{more[0].Position, more[1].Position})
			require.Equal(t, "deposited", more[0].Name)
			require.Equal(t, "account", more[0].Category)
			require.Equal(t, "1", more[0].Stream)
			require.Less(t, more[0].SequenceNumber, more[1].SequenceNumber)
			require.NotZero(t, more[0].TransactionID)
			require.JSONEq(t, `{"owner":"ada"}`, string(first[0].Payload))
		})

		t.Run("GeneratesUUIDv7IDsWithoutTouchingInput", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			in := []pgevents.NewEvent{ev("a", `1`), {ID: uuid.New(), Name: "b", Payload: []byte(`2`)}}
			given := in[1].ID
			res, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s", Events: in})
			require.NoError(t, err)
			require.Equal(t, uuid.Version(7), res.Events[0].ID.Version())
			require.Equal(t, given, res.Events[1].ID)
			require.Equal(t, uuid.Nil, in[0].ID)
		})

		t.Run("MetadataAndTimes", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, err := b.pool.Exec(ctx, storetest.AllowObservedAtSQL) // imports may set observed_at
			require.NoError(t, err)
			occurred := time.Date(2020, 1, 2, 3, 4, 5, 123456789, time.FixedZone("x", 3600))
			observed := time.Now().Add(time.Hour).Truncate(time.Second).UTC() // never before the event before it
			res := appendTo(t, b.store, "c", "s",
				pgevents.NewEvent{Name: "a", Payload: []byte(`{}`)},
				pgevents.NewEvent{Name: "b", Payload: []byte(`{}`), Metadata: []byte(`{}`), OccurredAt: occurred, ObservedAt: observed})
			require.JSONEq(t, `null`, string(res[0].Metadata))
			require.JSONEq(t, `{}`, string(res[1].Metadata))
			require.Equal(t, res[0].ObservedAt, res[0].OccurredAt)
			require.Equal(t, pgevents.TruncateTime(occurred), res[1].OccurredAt)
			require.Equal(t, observed, res[1].ObservedAt)
			read, err := b.store.ReadStream(ctx, &pgevents.ReadStreamParams{Category: "c", Stream: "s"})
			require.NoError(t, err)
			require.Equal(t, res, read, "what append returns equals what a read returns")
		})

		t.Run("EmptyEventsEvaluatesCondition", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			res, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s", Condition: pgevents.StreamIsEmpty()})
			require.NoError(t, err)
			require.Empty(t, res.Events)
			appendTo(t, b.store, "c", "s", ev("a", `1`))
			_, err = b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s", Condition: pgevents.StreamIsEmpty()})
			require.ErrorIs(t, err, pgevents.ErrStreamNotEmpty)
		})

		t.Run("IdempotentRetry", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			params := &pgevents.AppendParams{Category: "c", Stream: "s", Condition: pgevents.StreamIsEmpty(),
				Events: []pgevents.NewEvent{{ID: uuid.New(), Name: "a", Payload: []byte(`1`)}, {ID: uuid.New(), Name: "b", Payload: []byte(`2`)}}}
			first, err := b.store.AppendEvents(ctx, params)
			require.NoError(t, err)
			again, err := b.store.AppendEvents(ctx, params)
			require.NoError(t, err, "an exact retry returns the stored events, though its condition no longer holds")
			require.Equal(t, first, again)
			read, err := b.store.ReadStream(ctx, &pgevents.ReadStreamParams{Category: "c", Stream: "s"})
			require.NoError(t, err)
			require.Len(t, read, 2)
		})

		t.Run("Scopes", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			for i, scope := range []pgevents.Scope{"", pgevents.ScopeStream, pgevents.ScopeCategory, pgevents.ScopeLog} {
				res, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s", Scope: scope,
					Events: []pgevents.NewEvent{ev("a", `1`)}})
				require.NoError(t, err)
				require.Equal(t, int64(i), res.Events[0].Position)
			}
		})

		t.Run("NilParamsIsInvalid", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, err := b.store.AppendEvents(ctx, nil)
			requireInvalid(t, err, pgevents.CodeInvalidName, "category")
		})
	})
}

func TestStore_AppendEvents_Errors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	forEachMode(t, func(t *testing.T, setup func(t *testing.T) *testBundle) {
		t.Run("UnexpectedPosition", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			appendTo(t, b.store, "c", "s", ev("a", `1`), ev("b", `2`))
			_, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s",
				Condition: pgevents.PositionIs(0), Events: []pgevents.NewEvent{ev("x", `1`)}})
			requireCondition(t, err, pgevents.CodeUnexpectedPosition, pgevents.ErrUnexpectedPosition,
				pgevents.PositionIs(0), ptr(int64(1)))
			requireStreamLen(t, b.store, "c", "s", 2)

			_, err = b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "new",
				Condition: pgevents.PositionIs(3), Events: []pgevents.NewEvent{ev("x", `1`)}})
			requireCondition(t, err, pgevents.CodeUnexpectedPosition, pgevents.ErrUnexpectedPosition, pgevents.PositionIs(3), nil)

			_, err = b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s",
				Condition: pgevents.ExpectedPosition(nil), Events: []pgevents.NewEvent{ev("x", `1`)}})
			requireCondition(t, err, pgevents.CodeUnexpectedPosition, pgevents.ErrUnexpectedPosition,
				pgevents.ExpectedPosition(nil), ptr(int64(1)))
		})

		t.Run("StreamNotEmpty", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			appendTo(t, b.store, "c", "s", ev("a", `1`))
			_, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s",
				Condition: pgevents.StreamIsEmpty(), Events: []pgevents.NewEvent{ev("x", `1`)}})
			requireCondition(t, err, pgevents.CodeStreamNotEmpty, pgevents.ErrStreamNotEmpty, pgevents.StreamIsEmpty(), ptr(int64(0)))
			requireStreamLen(t, b.store, "c", "s", 1)
		})

		t.Run("StreamDoesNotExist", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s",
				Condition: pgevents.StreamExists(), Events: []pgevents.NewEvent{ev("x", `1`)}})
			requireCondition(t, err, pgevents.CodeStreamDoesNotExist, pgevents.ErrStreamDoesNotExist, pgevents.StreamExists(), nil)
			requireStreamLen(t, b.store, "c", "s", 0)
		})

		t.Run("OrReportsFailures", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			appendTo(t, b.store, "c", "s", ev("a", `1`))
			cond := pgevents.Or(pgevents.PositionIs(5), pgevents.StreamIsEmpty())
			_, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s",
				Condition: cond, Events: []pgevents.NewEvent{ev("x", `1`)}})
			ce := requireCondition(t, err, pgevents.CodeNoAlternativeMet, pgevents.ErrConditionFailed, cond, ptr(int64(0)))
			require.NotErrorIs(t, err, pgevents.ErrUnexpectedPosition)
			require.Len(t, ce.Failures, 2)
			require.Equal(t, pgevents.CodeUnexpectedPosition, ce.Failures[0].Code)
			require.Equal(t, pgevents.PositionIs(5), ce.Failures[0].Condition)
			require.Equal(t, pgevents.CodeStreamNotEmpty, ce.Failures[1].Code)
			require.Equal(t, "s", ce.Failures[1].Stream)

			// An "or" with a met alternative passes.
			_, err = b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s",
				Condition: pgevents.Or(pgevents.PositionIs(5), pgevents.StreamExists()), Events: []pgevents.NewEvent{ev("x", `1`)}})
			require.NoError(t, err)
		})

		t.Run("AndReportsFirstFailure", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			cond := pgevents.And(pgevents.StreamIsEmpty(), pgevents.StreamExists())
			_, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s",
				Condition: cond, Events: []pgevents.NewEvent{ev("x", `1`)}})
			requireCondition(t, err, pgevents.CodeStreamDoesNotExist, pgevents.ErrStreamDoesNotExist, pgevents.StreamExists(), nil)
		})

		t.Run("CustomCondition", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			registerMaxEvents(t, b)
			cond := pgevents.Custom("max_events", map[string]any{"max": float64(2)})
			for range 2 {
				_, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s",
					Condition: cond, Events: []pgevents.NewEvent{ev("x", `1`)}})
				require.NoError(t, err)
			}
			_, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s",
				Condition: cond, Events: []pgevents.NewEvent{ev("x", `1`)}})
			requireCondition(t, err, pgevents.CodeCustomConditionFailed, pgevents.ErrConditionFailed, cond, ptr(int64(1)))
		})

		t.Run("InvalidInput", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			cases := []struct {
				name   string
				params pgevents.AppendParams
				code   string
				field  string
			}{
				{"EmptyCategory", pgevents.AppendParams{Stream: "s", Events: []pgevents.NewEvent{ev("a", `1`)}},
					pgevents.CodeInvalidName, "category"},
				{"ControlCharInStream", pgevents.AppendParams{Category: "c", Stream: "s\n", Events: []pgevents.NewEvent{ev("a", `1`)}},
					pgevents.CodeInvalidName, "stream"},
				{"EmptyEventName", pgevents.AppendParams{Category: "c", Stream: "s", Events: []pgevents.NewEvent{ev("a", `1`), ev("", `1`)}},
					pgevents.CodeInvalidName, "events[1].name"},
				{"BadPayloadJSON", pgevents.AppendParams{Category: "c", Stream: "s", Events: []pgevents.NewEvent{ev("a", `{`)}},
					pgevents.CodeInvalidEvents, "events[0].payload"},
				{"NULInCategory", pgevents.AppendParams{Category: "c\x00", Stream: "s", Events: []pgevents.NewEvent{ev("a", `1`)}},
					pgevents.CodeInvalidName, "category"},
				{"NULInScope", pgevents.AppendParams{Category: "c", Stream: "s", Scope: "log\x00"},
					pgevents.CodeInvalidScope, "scope"},
				{"NULInPayload", pgevents.AppendParams{Category: "c", Stream: "s", Events: []pgevents.NewEvent{ev("a", `"\u0000"`)}},
					pgevents.CodeInvalidEvents, "events[0].payload"},
				{"DuplicateIDInBatch", pgevents.AppendParams{Category: "c", Stream: "s", Events: []pgevents.NewEvent{
					{ID: uuid.MustParse("0190a6e0-0000-7000-8000-000000000001"), Name: "a", Payload: []byte(`1`)},
					{ID: uuid.MustParse("0190a6e0-0000-7000-8000-000000000001"), Name: "b", Payload: []byte(`1`)}}},
					pgevents.CodeInvalidEvents, "events[1].id"},
				{"UnregisteredCondition", pgevents.AppendParams{Category: "c", Stream: "s", Condition: pgevents.Custom("nope", nil)},
					pgevents.CodeInvalidCondition, "condition.type"},
				{"NegativePosition", pgevents.AppendParams{Category: "c", Stream: "s", Condition: pgevents.PositionIs(-1)},
					pgevents.CodeInvalidCondition, "condition.position"},
				{"UnknownScope", pgevents.AppendParams{Category: "c", Stream: "s", Scope: "table"},
					pgevents.CodeInvalidScope, "scope"},
			}
			for _, tc := range cases {
				_, err := b.store.AppendEvents(ctx, &tc.params)
				requireInvalid(t, err, tc.code, tc.field)
			}
			requireStreamLen(t, b.store, "c", "s", 0)
		})

		t.Run("EventIDConflict", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			id := uuid.New()
			appendTo(t, b.store, "c", "s", pgevents.NewEvent{ID: id, Name: "a", Payload: []byte(`1`)})
			for _, tc := range []struct{ stream, payload string }{{"s", `2`}, {"other", `1`}} {
				_, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: tc.stream,
					Events: []pgevents.NewEvent{{ID: id, Name: "a", Payload: []byte(tc.payload)}}})
				require.ErrorIs(t, err, pgevents.ErrEventIDConflict)
				requireInvalid(t, err, pgevents.CodeEventIDConflict, "events")
			}
			require.Zero(t, b.retries.Load())
		})

		t.Run("Retryable", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			// A transaction that took its id before a concurrent writer of
			// the stream committed sorts before that writer: the append
			// refuses with 40001 rather than break per-stream order.
			tx, err := b.pool.Begin(ctx)
			require.NoError(t, err)
			defer func() { _ = tx.Rollback(ctx) }()
			_, err = tx.Exec(ctx, "SELECT pg_current_xact_id()")
			require.NoError(t, err)
			appendTo(t, b.store, "c", "s", ev("a", `1`))
			_, err = b.store.AppendEventsTx(ctx, tx, &pgevents.AppendParams{Category: "c", Stream: "s", Events: []pgevents.NewEvent{ev("b", `1`)}})
			require.ErrorIs(t, err, pgevents.ErrRetryable)
			var re *pgevents.RetryableError
			require.ErrorAs(t, err, &re)
			require.Equal(t, pgevents.CodeSerializationFailure, re.Code)
			require.Zero(t, b.retries.Load(), "never retried in a caller's transaction")
		})
	})
}

// TestStore_OwnedRetry provokes a retryable conflict (23505 on events_id_key)
// in an operation the store owns: the store retries, and the retry reports
// the id conflict.
func TestStore_OwnedRetry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	forEachMode(t, func(t *testing.T, _ func(t *testing.T) *testBundle) {
		for _, tc := range []struct {
			name       string
			maxRetries int
		}{{"Retries", 0}, {"NoRetries", -1}} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				b := setupStore(t, newPool(t, pgx.QueryExecModeCacheStatement, 4), &Config{MaxRetries: tc.maxRetries})
				id := uuid.New()
				tx, err := b.pool.Begin(ctx)
				require.NoError(t, err)
				defer func() { _ = tx.Rollback(ctx) }()
				_, err = b.store.AppendEventsTx(ctx, tx, &pgevents.AppendParams{Category: "c", Stream: "one",
					Events: []pgevents.NewEvent{{ID: id, Name: "a", Payload: []byte(`1`)}}})
				require.NoError(t, err)

				done := make(chan error, 1)
				go func() {
					_, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "two",
						Events: []pgevents.NewEvent{{ID: id, Name: "a", Payload: []byte(`1`)}}})
					done <- err
				}()
				waitForLockWait(t, b)
				require.NoError(t, tx.Commit(ctx))
				err = <-done
				if tc.maxRetries == -1 {
					require.ErrorIs(t, err, pgevents.ErrRetryable)
					require.Zero(t, b.retries.Load())
					return
				}
				require.ErrorIs(t, err, pgevents.ErrEventIDConflict)
				require.Equal(t, int64(1), b.retries.Load())
			})
		}
	})
}

// waitForLockWait waits until some session of the test database waits for a
// lock (the concurrent insert blocked on the unique index).
func waitForLockWait(t *testing.T, b *testBundle) {
	t.Helper()
	require.Eventually(t, func() bool {
		var n int
		err := b.pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
		require.NoError(t, err)
		return n > 0
	}, 10*time.Second, 5*time.Millisecond)
}

func TestStore_AppendStreams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	forEachMode(t, func(t *testing.T, setup func(t *testing.T) *testBundle) {
		t.Run("AppendsAllInStreamOrder", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			appendTo(t, b.store, "c", "b", ev("x", `0`))
			res, err := b.store.AppendStreams(ctx, &pgevents.AppendStreamsParams{Category: "c", Streams: map[string]pgevents.StreamAppend{
				"b": {Condition: pgevents.PositionIs(0), Events: []pgevents.NewEvent{ev("b1", `1`), ev("b2", `2`)}},
				"a": {Events: []pgevents.NewEvent{ev("a1", `1`)}},
				"c": {Condition: pgevents.StreamIsEmpty()},
			}})
			require.NoError(t, err)
			var got []string
			for _, e := range res.Events {
				got = append(got, e.Stream+"/"+e.Name)
			}
			require.Equal(t, []string{"a/a1", "b/b1", "b/b2"}, got)
			require.Equal(t, int64(2), res.Events[2].Position)
			require.Equal(t, uuid.Version(7), res.Events[0].ID.Version())
		})

		t.Run("AllOrNothing", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			appendTo(t, b.store, "c", "b", ev("x", `0`))
			_, err := b.store.AppendStreams(ctx, &pgevents.AppendStreamsParams{Category: "c", Scope: pgevents.ScopeCategory,
				Streams: map[string]pgevents.StreamAppend{
					"a": {Events: []pgevents.NewEvent{ev("a1", `1`)}},
					"b": {Condition: pgevents.StreamIsEmpty(), Events: []pgevents.NewEvent{ev("b1", `1`)}},
				}})
			ce := requireCondition(t, err, pgevents.CodeStreamNotEmpty, pgevents.ErrStreamNotEmpty, pgevents.StreamIsEmpty(), ptr(int64(0)))
			require.Equal(t, "b", ce.Stream)
			requireStreamLen(t, b.store, "c", "a", 0)
			requireStreamLen(t, b.store, "c", "b", 1)
		})

		t.Run("InvalidInput", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, err := b.store.AppendStreams(ctx, &pgevents.AppendStreamsParams{Category: "c", Streams: map[string]pgevents.StreamAppend{
				"": {Events: []pgevents.NewEvent{ev("a1", `1`)}}}})
			requireInvalid(t, err, pgevents.CodeInvalidName, `streams[""]`)
			_, err = b.store.AppendStreams(ctx, &pgevents.AppendStreamsParams{Category: "c", Streams: map[string]pgevents.StreamAppend{
				"a": {Events: []pgevents.NewEvent{ev("a1", `nope`)}}}})
			requireInvalid(t, err, pgevents.CodeInvalidEvents, `streams["a"].events[0].payload`)
			_, err = b.store.AppendStreams(ctx, nil)
			requireInvalid(t, err, pgevents.CodeInvalidName, "category")
		})
	})
}

func TestStore_ReadStream(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	forEachMode(t, func(t *testing.T, setup func(t *testing.T) *testBundle) {
		t.Run("FromPositionAndLimit", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			events := make([]pgevents.NewEvent, 5)
			for i := range events {
				events[i] = ev("e", `1`)
			}
			all := appendTo(t, b.store, "c", "s", events...)
			appendTo(t, b.store, "c", "other", ev("x", `1`))
			for _, tc := range []struct {
				from  int64
				limit int
				want  []pgevents.Event
			}{{0, 0, all}, {2, 0, all[2:]}, {1, 2, all[1:3]}, {0, -1, all}, {9, 0, []pgevents.Event{}}} {
				got, err := b.store.ReadStream(ctx, &pgevents.ReadStreamParams{Category: "c", Stream: "s", FromPosition: tc.from, Limit: tc.limit})
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
			}
		})

		t.Run("InvalidInput", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, err := b.store.ReadStream(ctx, &pgevents.ReadStreamParams{Category: "c", Stream: "s", FromPosition: -1})
			requireInvalid(t, err, pgevents.CodeInvalidReadArgument, "from_position")
			_, err = b.store.ReadStream(ctx, &pgevents.ReadStreamParams{Category: "c", Stream: "s", Limit: -2})
			requireInvalid(t, err, pgevents.CodeInvalidReadArgument, "limit")
			_, err = b.store.ReadStream(ctx, nil)
			requireInvalid(t, err, pgevents.CodeInvalidName, "category")
		})
	})
}

func TestStore_ReadEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	forEachMode(t, func(t *testing.T, setup func(t *testing.T) *testBundle) {
		t.Run("PagesThroughLogAndCategory", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			var log, cat []pgevents.Event
			for i := range 5 {
				a := appendTo(t, b.store, "a", "s", ev("e", `1`), ev("e", `2`))
				log, cat = append(log, a...), append(cat, a...)
				log = append(log, appendTo(t, b.store, "o", "s", ev("e", `1`))...)
				if i%2 == 0 {
					a = appendTo(t, b.store, "a", "t", ev("e", `3`))
					log, cat = append(log, a...), append(cat, a...)
				}
			}
			// Parallel tests hold the cluster-wide fence back: wait for it.
			waitForEvents(t, b.store, &pgevents.ReadEventsParams{Limit: -1}, len(log))
			for _, tc := range []struct {
				category string
				want     []pgevents.Event
			}{{"", log}, {"a", cat}} {
				var got []pgevents.Event
				var after pgevents.Cursor
				for {
					page, err := b.store.ReadEvents(ctx, &pgevents.ReadEventsParams{Category: tc.category, After: after, Limit: 3})
					require.NoError(t, err)
					require.LessOrEqual(t, len(page), 3)
					if len(page) == 0 {
						break
					}
					got = append(got, page...)
					after = page[len(page)-1].Cursor()
				}
				require.Equal(t, ids(tc.want), ids(got))
				all, err := b.store.ReadEvents(ctx, &pgevents.ReadEventsParams{Category: tc.category})
				require.NoError(t, err)
				require.Equal(t, tc.want, all)
			}
			all, err := b.store.ReadEvents(ctx, nil)
			require.NoError(t, err)
			require.Equal(t, log, all)
		})

		t.Run("InvalidInput", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, err := b.store.ReadEvents(ctx, &pgevents.ReadEventsParams{Limit: -5})
			requireInvalid(t, err, pgevents.CodeInvalidReadArgument, "limit")
			_, err = b.store.ReadEvents(ctx, &pgevents.ReadEventsParams{Category: "x\x01y"})
			requireInvalid(t, err, pgevents.CodeInvalidName, "category")
			// PostgreSQL cannot receive a NUL byte in text: refused first.
			_, err = b.store.ReadEvents(ctx, &pgevents.ReadEventsParams{Category: "x\x00y"})
			requireInvalid(t, err, pgevents.CodeInvalidName, "category")
		})
	})
}

func TestStore_LatestEvent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	forEachMode(t, func(t *testing.T, setup func(t *testing.T) *testBundle) {
		t.Run("StreamCategoryLog", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			for _, id := range []pgevents.Identifier{pgevents.LogID(), pgevents.CategoryID("c"), pgevents.StreamID("c", "s")} {
				_, err := b.store.LatestEvent(ctx, &pgevents.LatestEventParams{Source: id})
				require.ErrorIs(t, err, pgevents.ErrNotFound, id.String())
			}
			s := appendTo(t, b.store, "c", "s", ev("a", `1`), ev("b", `2`))
			o := appendTo(t, b.store, "o", "s", ev("c", `3`))
			for _, tc := range []struct {
				id   pgevents.Identifier
				want pgevents.Event
			}{{pgevents.StreamID("c", "s"), s[1]}, {pgevents.CategoryID("c"), s[1]}, {pgevents.LogID(), o[0]}} {
				got, err := b.store.LatestEvent(ctx, &pgevents.LatestEventParams{Source: tc.id})
				require.NoError(t, err)
				require.Equal(t, tc.want, *got)
			}
			got, err := b.store.LatestEvent(ctx, nil)
			require.NoError(t, err)
			require.Equal(t, o[0], *got)
			_, err = b.store.LatestEvent(ctx, &pgevents.LatestEventParams{Source: pgevents.StreamID("c", "none")})
			require.ErrorIs(t, err, pgevents.ErrNotFound)
		})

		t.Run("InvalidInput", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, err := b.store.LatestEvent(ctx, &pgevents.LatestEventParams{Source: pgevents.Identifier{Stream: "s"}})
			requireInvalid(t, err, pgevents.CodeInvalidIdentifier, "category")
		})
	})
}

// TestStore_FenceLag holds the fence back with an open transaction that has
// an id, and sees the event appended meanwhile held back, then released.
// Other tests of this binary move the cluster-wide fence too, hence the
// lower bounds and polling.
func TestStore_FenceLag(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	forEachMode(t, func(t *testing.T, setup func(t *testing.T) *testBundle) {
		b := setup(t)
		tx, err := b.pool.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(ctx) }()
		var holder uint64
		require.NoError(t, tx.QueryRow(ctx, "SELECT pg_current_xact_id()").Scan(&holder))
		e := appendTo(t, b.store, "c", "s", ev("a", `1`))[0]
		time.Sleep(10 * time.Millisecond)

		lag, err := b.store.FenceLag(ctx)
		require.NoError(t, err)
		require.LessOrEqual(t, lag.Fence, holder)
		require.GreaterOrEqual(t, lag.HeldBackEvents, int64(1))
		require.False(t, lag.HeldBackSince.After(e.ObservedAt))
		require.GreaterOrEqual(t, lag.Lag, 10*time.Millisecond)
		held, err := b.store.ReadEvents(ctx, nil)
		require.NoError(t, err)
		require.Empty(t, held, "held back by the open transaction")

		inTx, err := b.store.FenceLagTx(ctx, tx)
		require.NoError(t, err)
		require.LessOrEqual(t, inTx.Fence, holder)

		require.NoError(t, tx.Rollback(ctx))
		waitForEvents(t, b.store, nil, 1)
	})
}

func TestStore_WithTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	forEachMode(t, func(t *testing.T, setup func(t *testing.T) *testBundle) {
		createAppTable := func(t *testing.T, b *testBundle) {
			_, err := b.pool.Exec(ctx, "CREATE TABLE accounts (id text PRIMARY KEY, balance int NOT NULL)")
			require.NoError(t, err)
		}

		t.Run("RollbackLeavesNothing", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			createAppTable(t, b)
			tx, err := b.pool.Begin(ctx)
			require.NoError(t, err)
			_, err = tx.Exec(ctx, "INSERT INTO accounts VALUES ('1', 10)")
			require.NoError(t, err)
			res, err := b.store.AppendEventsTx(ctx, tx, &pgevents.AppendParams{Category: "account", Stream: "1",
				Events: []pgevents.NewEvent{ev("opened", `{}`)}})
			require.NoError(t, err)
			inTx := b.store.WithTx(tx)
			read, err := inTx.ReadStream(ctx, &pgevents.ReadStreamParams{Category: "account", Stream: "1"})
			require.NoError(t, err)
			require.Equal(t, res.Events, read, "the transaction sees its own events")
			own, err := inTx.ReadEvents(ctx, nil)
			require.NoError(t, err)
			require.Empty(t, own, "the transaction holds the fence below its own events")
			outside, err := b.store.ReadStream(ctx, &pgevents.ReadStreamParams{Category: "account", Stream: "1"})
			require.NoError(t, err)
			require.Empty(t, outside, "nobody else does before commit")
			require.NoError(t, tx.Rollback(ctx))

			requireStreamLen(t, b.store, "account", "1", 0)
			_, err = b.store.LatestEvent(ctx, nil)
			require.ErrorIs(t, err, pgevents.ErrNotFound)
			var n int
			require.NoError(t, b.pool.QueryRow(ctx, "SELECT count(*) FROM accounts").Scan(&n))
			require.Zero(t, n)
		})

		t.Run("CommitKeepsBoth", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			createAppTable(t, b)
			tx, err := b.pool.Begin(ctx)
			require.NoError(t, err)
			defer func() { _ = tx.Rollback(ctx) }()
			inTx := b.store.WithTx(tx)
			res, err := inTx.AppendStreams(ctx, &pgevents.AppendStreamsParams{Category: "account", Streams: map[string]pgevents.StreamAppend{
				"1": {Condition: pgevents.StreamIsEmpty(), Events: []pgevents.NewEvent{ev("opened", `{}`)}}}})
			require.NoError(t, err)
			_, err = tx.Exec(ctx, "INSERT INTO accounts VALUES ('1', 10)")
			require.NoError(t, err)
			latest, err := b.store.LatestEventTx(ctx, tx, &pgevents.LatestEventParams{Source: pgevents.StreamID("account", "1")})
			require.NoError(t, err)
			require.Equal(t, res.Events[0], *latest)
			_, err = b.store.ReadStreamTx(ctx, tx, &pgevents.ReadStreamParams{Category: "account", Stream: "1"})
			require.NoError(t, err)
			_, err = b.store.ReadEventsTx(ctx, tx, nil)
			require.NoError(t, err)
			require.NoError(t, tx.Commit(ctx))

			read, err := b.store.ReadStream(ctx, &pgevents.ReadStreamParams{Category: "account", Stream: "1"})
			require.NoError(t, err)
			require.Equal(t, res.Events, read)
			var balance int
			require.NoError(t, b.pool.QueryRow(ctx, "SELECT balance FROM accounts WHERE id = '1'").Scan(&balance))
			require.Equal(t, 10, balance)
			waitForEvents(t, b.store, nil, 1)
		})

		t.Run("ClientOverTx", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			tx, err := b.pool.Begin(ctx)
			require.NoError(t, err)
			defer func() { _ = tx.Rollback(ctx) }()
			stream := pgevents.NewClient(b.store.WithTx(tx)).Stream("c", "s")
			_, err = stream.Append(ctx, []pgevents.NewEvent{ev("a", `1`)}, nil)
			require.NoError(t, err)
			pos, err := stream.Position(ctx)
			require.NoError(t, err)
			require.Equal(t, int64(0), *pos)
			// An error aborts the caller's transaction, as in PostgreSQL.
			_, err = stream.Append(ctx, []pgevents.NewEvent{ev("a", `1`)}, &pgevents.AppendOpts{Condition: pgevents.StreamIsEmpty()})
			require.ErrorIs(t, err, pgevents.ErrStreamNotEmpty)
			require.Error(t, tx.Commit(ctx))
			requireStreamLen(t, b.store, "c", "s", 0)
		})

		t.Run("NilTxPanics", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			require.Panics(t, func() { b.store.WithTx(nil) })
		})
	})
}

func TestStore_Context(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, setup func(t *testing.T) *testBundle) {
		b := setup(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := b.store.ReadEvents(ctx, nil)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorContains(t, err, "pgevents: read events")
	})
}

// requireCondition asserts err is a *pgevents.ConditionError with code,
// matching sentinel and ErrConditionFailed, on a stream at position, and
// returns it.
func requireCondition(t *testing.T, err error, code string, sentinel error, cond pgevents.Condition, position *int64) *pgevents.ConditionError {
	t.Helper()
	require.ErrorIs(t, err, pgevents.ErrConditionFailed)
	require.ErrorIs(t, err, sentinel)
	require.NotErrorIs(t, err, pgevents.ErrInvalidInput)
	var ce *pgevents.ConditionError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, code, ce.Code)
	require.Equal(t, cond.String(), ce.Condition.String())
	require.Equal(t, position, ce.Position)
	require.Equal(t, "c", ce.Category)
	require.NotEmpty(t, ce.Stream)
	return ce
}

// requireInvalid asserts err is a *pgevents.InvalidInputError with code and
// field.
func requireInvalid(t *testing.T, err error, code, field string) {
	t.Helper()
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)
	require.NotErrorIs(t, err, pgevents.ErrConditionFailed)
	var ie *pgevents.InvalidInputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, code, ie.Code, ie.Error())
	require.Equal(t, field, ie.Field, ie.Error())
	require.NotEmpty(t, ie.Reason)
}

func requireStreamLen(t *testing.T, s *Store, category, stream string, n int) {
	t.Helper()
	got, err := s.ReadStream(context.Background(), &pgevents.ReadStreamParams{Category: category, Stream: stream, Limit: -1})
	require.NoError(t, err)
	require.Len(t, got, n)
}

// waitForEvents polls ReadEvents until it returns n events: the snapshot
// fence is cluster-wide, so transactions of parallel tests delay them.
func waitForEvents(t *testing.T, s *Store, params *pgevents.ReadEventsParams, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		got, err := s.ReadEvents(context.Background(), params)
		require.NoError(t, err)
		return len(got) == n
	}, 20*time.Second, 5*time.Millisecond)
}

// registerMaxEvents registers the custom condition type "max_events": met
// while the stream has fewer than the condition's "max" events.
func registerMaxEvents(t *testing.T, b *testBundle) {
	t.Helper()
	_, err := b.pool.Exec(context.Background(), `
		CREATE FUNCTION public.max_events(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
		  RETURNS boolean LANGUAGE sql STABLE
		  AS $$ SELECT COALESCE(p_latest.position, -1) + 1 < (p_condition ->> 'max')::int $$`)
	require.NoError(t, err)
	registerConditionType(t, b.pool, "max_events", "public.max_events(text, text, pgevents.events, jsonb)")
}

// registerConditionType registers a custom condition type with
// pgevents.register_condition_type.
func registerConditionType(t *testing.T, pool *pgxpool.Pool, typ, function string) {
	t.Helper()
	_, err := pool.Exec(context.Background(), `SELECT pgevents.register_condition_type($1, $2::regprocedure)`, typ, function)
	require.NoError(t, err)
}
