package memstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/storetest"
)

var _ = require.NoError

// Store implements the contract at compile time.
var _ pgevents.Store = (*memstore.Store)(nil)

func newStore(t *testing.T) pgevents.Store {
	t.Helper()
	return memstore.New(&memstore.Config{Conditions: map[string]memstore.ConditionFunc{
		storetest.PositionBelowType: storetest.PositionBelow,
	}})
}

func TestStore_Contract(t *testing.T) {
	t.Parallel()

	storetest.Run(t, newStore)
}

func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) pgevents.Store {
		return memstore.New(nil)
	})
}
