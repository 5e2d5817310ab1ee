package pgstore

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Store implements the contract at compile time.
var _ pgevents.Store = (*Store)(nil)

// execModes are the pgx exec modes every test runs under: the default, and
// the simple protocol PgBouncer in transaction mode needs.
var execModes = []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol}

type testBundle struct {
	pool    *pgxpool.Pool
	retries *atomic.Int64 // retries the store made (its onRetry hook)
	store   *Store
}

// newPool returns a pool on a fresh migrated database using exec mode mode.
func newPool(t *testing.T, mode pgx.QueryExecMode, maxConns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pgtest.NewDatabase(t))
	require.NoError(t, err)
	cfg.ConnConfig.DefaultQueryExecMode = mode
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

func setupStore(t *testing.T, pool *pgxpool.Pool, cfg *Config) *testBundle {
	t.Helper()
	store, err := New(pool, cfg)
	require.NoError(t, err)
	retries := &atomic.Int64{}
	store.onRetry = func(error) { retries.Add(1) }
	return &testBundle{pool: pool, retries: retries, store: store}
}

// forEachMode runs fn as a parallel subtest per exec mode; fn's setup gives
// each of its own subtests a fresh database.
func forEachMode(t *testing.T, fn func(t *testing.T, setup func(t *testing.T) *testBundle)) {
	t.Helper()
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			fn(t, func(t *testing.T) *testBundle {
				t.Helper()
				return setupStore(t, newPool(t, mode, 10), nil)
			})
		})
	}
}

func ev(name, payload string) pgevents.NewEvent {
	return pgevents.NewEvent{Name: name, Payload: []byte(payload)}
}

func ptr[T any](v T) *T { return &v }

func appendTo(t *testing.T, s *Store, category, stream string, events ...pgevents.NewEvent) []pgevents.Event {
	t.Helper()
	res, err := s.AppendEvents(context.Background(), &pgevents.AppendParams{Category: category, Stream: stream, Events: events})
	require.NoError(t, err)
	return res.Events
}

func ids(events []pgevents.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID.String()
	}
	return out
}
