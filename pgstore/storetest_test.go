package pgstore

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/storetest"
)

// TestStore_Contract runs the storetest contract suite against pgstore under
// each exec mode (the simple protocol is PgBouncer's transaction mode).
// Every subtest gets a fresh database with the suite's custom condition
// type registered. This is how a third-party adapter wires the suite too:
// a factory returning an empty store per subtest.
func TestStore_Contract(t *testing.T) {
	t.Parallel()
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t *testing.T) pgevents.Store {
				pool := newPool(t, mode, 10)
				_, err := pool.Exec(t.Context(), storetest.PositionBelowSQL) // no arguments: sent as one simple query
				require.NoError(t, err)
				_, err = pool.Exec(t.Context(), storetest.AllowObservedAtSQL)
				require.NoError(t, err)
				return setupStore(t, pool, nil).store
			})
		})
	}
}

// BenchmarkStore runs the storetest benchmarks against pgstore, each on a
// fresh migrated database (go test -run '^$' -bench . ./pgstore/). They
// measure the driver and server together on this machine; the comparison
// with raw SQL is make bench.
func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) pgevents.Store {
		s, err := New(pgtest.NewPool(b), nil)
		require.NoError(b, err)
		return s
	})
}
