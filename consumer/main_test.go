package consumer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/pgstore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testBundle is one fresh database with an event store and its consumer store.
type testBundle struct {
	consumers *pgstore.ConsumerStore
	pool      *pgxpool.Pool
	store     *pgstore.Store
}

func setup(t *testing.T, cfg *pgstore.Config) *testBundle {
	t.Helper()
	pool := pgtest.NewPool(t)
	store, err := pgstore.New(pool, cfg)
	require.NoError(t, err)
	return &testBundle{consumers: pgstore.NewConsumerStore(store), pool: pool, store: store}
}

// appendN appends n events to (category, stream), one per call.
func appendN(t *testing.T, s pgevents.Store, category, stream string, n int) []pgevents.Event {
	t.Helper()
	var out []pgevents.Event
	for i := range n {
		res, err := s.AppendEvents(context.Background(), &pgevents.AppendParams{Category: category, Stream: stream,
			Events: []pgevents.NewEvent{{Name: "E", Payload: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))}}})
		require.NoError(t, err)
		out = append(out, res.Events...)
	}
	return out
}
