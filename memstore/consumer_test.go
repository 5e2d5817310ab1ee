package memstore_test

import (
	"testing"

	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/storetest"
)

func TestConsumerStore_Contract(t *testing.T) {
	t.Parallel()

	storetest.RunConsumers(t, func(t *testing.T) storetest.ConsumerStores {
		events := memstore.New(nil)
		return storetest.ConsumerStores{Consumers: memstore.NewConsumerStore(events), Events: events}
	})
}
