package pgstore

import (
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/projection"
)

// ForBatch returns the projection store bound to a consumer batch's
// transaction (batch.Tx): projections saved through it commit together with
// the batch's checkpoint, or not at all. It is the StoreFunc of live
// projections (package projection/live). A batch without a transaction
// (another adapter's) gets s itself.
func (s *ProjectionStore) ForBatch(batch *consumer.Batch) projection.Store {
	if batch == nil || batch.Tx == nil {
		return s
	}
	return s.WithTx(batch.Tx)
}
