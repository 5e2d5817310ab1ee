package memstore_test

import (
	"testing"

	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/storetest"
)

func TestSnapshotStore_Contract(t *testing.T) {
	t.Parallel()

	storetest.RunSnapshotStore(t, func(t *testing.T) storetest.SnapshotStores {
		events := memstore.New(nil)
		return storetest.SnapshotStores{Events: events, Snapshots: memstore.NewSnapshotStore(events)}
	})
}
