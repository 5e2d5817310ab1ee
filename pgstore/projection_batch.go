package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/pgeventsdb"
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

// LoadProjections loads the projections ids of name in one pipelined round
// trip (pgevents.load_projection each) and returns them in ids' order, nil
// for those that do not exist. Errors are LoadProjection's. It makes
// *ProjectionStore a live.BatchStore: live projection batches load what
// they touch at once.
func (s *ProjectionStore) LoadProjections(ctx context.Context, name string, ids []string) ([]*projection.Stored, error) {
	params := make([]*pgeventsdb.LoadProjectionBatchParams, len(ids))
	for i, id := range ids {
		if err := checkProjectionKey(name, id); err != nil {
			return nil, err
		}
		params[i] = &pgeventsdb.LoadProjectionBatchParams{Name: name, ID: id}
	}
	out := make([]*projection.Stored, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var first error
	s.queries.LoadProjectionBatch(ctx, s.db, params).QueryRow(func(i int, row *pgeventsdb.Projection, err error) {
		if first != nil {
			return
		}
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			first = interpretError(fmt.Sprintf("load projection %q/%q", name, ids[i]), err)
		default:
			out[i], first = projectionFromInternal(row)
		}
	})
	if first != nil {
		return nil, first
	}
	return out, nil
}

// SaveProjections saves projections in one pipelined round trip
// (pgevents.save_projection each), in order; with SaveProjection's rules
// and errors. Outside a transaction each save commits on its own; in one
// (ForBatch, WithTx), a failure aborts it.
func (s *ProjectionStore) SaveProjections(ctx context.Context, projections []*projection.Stored) error {
	params := make([]*pgeventsdb.SaveProjectionBatchParams, len(projections))
	for i, p := range projections {
		one, err := saveProjectionParamsToInternal(p)
		if err != nil {
			return err
		}
		params[i] = (*pgeventsdb.SaveProjectionBatchParams)(one)
	}
	if len(params) == 0 {
		return nil
	}
	var first error
	s.queries.SaveProjectionBatch(ctx, s.db, params).QueryRow(func(_ int, _ *pgeventsdb.Projection, err error) {
		if err != nil && first == nil {
			first = interpretError("save projection", err)
		}
	})
	return first
}
