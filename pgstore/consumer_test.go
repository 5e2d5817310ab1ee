package pgstore

import (
	"testing"

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
