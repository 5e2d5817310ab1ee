package memstore_test

import (
	"testing"

	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/storetest"
)

func TestLiveProjectionStore_Contract(t *testing.T) {
	t.Parallel()
	storetest.RunLiveRegistry(t, func(t *testing.T) storetest.LiveStores {
		events := memstore.New(nil)
		consumers := memstore.NewConsumerStore(events)
		projections := memstore.NewProjectionStore()
		return storetest.LiveStores{Consumers: consumers, Events: events, Projections: projections,
			Registry: memstore.NewLiveProjectionStore(consumers, projections, memstore.NewSnapshotStore(events))}
	})
}
