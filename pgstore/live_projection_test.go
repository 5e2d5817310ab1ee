package pgstore

import (
	"testing"

	"github.com/pgevents/pgevents/storetest"
)

// TestLiveProjectionStore_Contract runs the live projection registry
// contract (storetest.RunLiveRegistry) on PostgreSQL, each subtest on a
// fresh database; memstore runs the same cases.
func TestLiveProjectionStore_Contract(t *testing.T) {
	t.Parallel()
	storetest.RunLiveRegistry(t, func(t *testing.T) storetest.LiveStores {
		pool := newPool(t, execModes[0], 10)
		store := setupStore(t, pool, nil).store
		return storetest.LiveStores{Consumers: NewConsumerStore(store), Events: store, Projections: NewProjectionStore(pool),
			Registry: NewLiveProjectionStore(pool)}
	})
}
