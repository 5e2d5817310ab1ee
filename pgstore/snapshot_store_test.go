package pgstore

import (
	"testing"

	"github.com/pgevents/pgevents/projection"
	"github.com/pgevents/pgevents/storetest"
)

var _ projection.SnapshotStore = (*SnapshotStore)(nil)

// TestSnapshotStore_Contract runs the snapshot contract suite (including
// the snapshot + tail == full fold property test) under each exec mode,
// each subtest on a fresh database.
func TestSnapshotStore_Contract(t *testing.T) {
	t.Parallel()
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			storetest.RunSnapshotStore(t, func(t *testing.T) storetest.SnapshotStores {
				b := setupStore(t, newPool(t, mode, 4), nil)
				return storetest.SnapshotStores{Events: b.store, Snapshots: NewSnapshotStore(b.pool)}
			})
		})
	}
}
