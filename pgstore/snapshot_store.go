package pgstore

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgeventsdb"
	"github.com/pgevents/pgevents/projection"
)

// SnapshotStore is the PostgreSQL projection.SnapshotStore: rows of the
// table pgevents.snapshots, one per (projector name, version, stream),
// written and read through the SQL functions save_snapshot, load_snapshot
// and drop_snapshots (via package pgeventsdb). Snapshots are a cache:
// dropping them loses no data.
//
// A SnapshotStore is safe for concurrent use. Each method is one statement:
// a save commits on its own (or with the caller's transaction, see WithTx).
type SnapshotStore struct {
	db      pgeventsdb.DBTX
	queries *pgeventsdb.Queries
}

// NewSnapshotStore returns a SnapshotStore over pool, whose database was
// migrated with pgevents.Migrate. It panics when pool is nil (a programmer
// error).
func NewSnapshotStore(pool *pgxpool.Pool) *SnapshotStore {
	if pool == nil {
		panic("pgevents: pgstore: NewSnapshotStore needs a *pgxpool.Pool (got nil)")
	}
	return &SnapshotStore{db: pool, queries: pgeventsdb.New()}
}

// WithTx returns a SnapshotStore whose methods run in tx. The caller
// commits or rolls back tx; the returned store must not be used after that.
func (s *SnapshotStore) WithTx(tx pgx.Tx) *SnapshotStore {
	return &SnapshotStore{db: tx, queries: s.queries}
}

var _ projection.SnapshotStore = (*SnapshotStore)(nil)

// SaveSnapshot stores snap unless the stored snapshot of its (Name,
// Version, Category, Stream) is at snap.Position or later, and returns the
// snapshot stored afterwards. snap.CreatedAt is ignored (the server's clock
// sets it). Nil State or Metadata are stored as JSON null.
//
// Errors: an *pgevents.InvalidInputError with CodeInvalidName for an
// invalid name, category or stream, with projection.CodeInvalidSnapshot
// (field "version" or "position") for a version below 1, a negative
// position or a position beyond the stream's latest event, with
// projection.CodeInvalidQuery for JSON jsonb cannot store, and with
// projection.CodeProjectionTooLarge for a state or metadata over the
// installation's projection limits. Nothing is saved when it fails.
func (s *SnapshotStore) SaveSnapshot(ctx context.Context, snap *projection.Snapshot) (*projection.Snapshot, error) {
	if snap == nil {
		return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidName, Field: "snapshot", Reason: "is required"}
	}
	version, err := checkSnapshotKey(&projection.SnapshotKey{Category: snap.Category, Name: snap.Name,
		Stream: snap.Stream, Version: snap.Version})
	if err != nil {
		return nil, err
	}
	params := &pgeventsdb.SaveSnapshotParams{Name: snap.Name, Version: version, Category: snap.Category,
		Stream: snap.Stream, Position: snap.Position}
	if params.State, err = jsonArgument("state", snap.State); err != nil {
		return nil, err
	}
	if params.Metadata, err = jsonArgument("metadata", snap.Metadata); err != nil {
		return nil, err
	}
	row, err := s.queries.SaveSnapshot(ctx, s.db, params)
	if err != nil {
		return nil, interpretError("save snapshot", err)
	}
	return snapshotFromInternal(row), nil
}

// LoadSnapshot returns the snapshot of key, or an error matching
// pgevents.ErrNotFound. Invalid names are an *pgevents.InvalidInputError
// (CodeInvalidName), a version below 1 one with
// projection.CodeInvalidSnapshot.
func (s *SnapshotStore) LoadSnapshot(ctx context.Context, key *projection.SnapshotKey) (*projection.Snapshot, error) {
	if key == nil {
		return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidName, Field: "key", Reason: "is required"}
	}
	version, err := checkSnapshotKey(key)
	if err != nil {
		return nil, err
	}
	row, err := s.queries.LoadSnapshot(ctx, s.db, &pgeventsdb.LoadSnapshotParams{Name: key.Name, Version: version,
		Category: key.Category, Stream: key.Stream})
	if err != nil {
		return nil, interpretError(fmt.Sprintf("load snapshot %q (version %d) of %s/%s", key.Name, key.Version,
			key.Category, key.Stream), err)
	}
	return snapshotFromInternal(row), nil
}

// DropSnapshots deletes the snapshots of the projector name (only those of
// versions below belowVersion when it is not 0) and returns how many. An
// invalid name is an *pgevents.InvalidInputError (CodeInvalidName), a
// negative belowVersion one with projection.CodeInvalidSnapshot.
func (s *SnapshotStore) DropSnapshots(ctx context.Context, name string, belowVersion int) (int64, error) {
	if err := pgevents.CheckName("name", name); err != nil {
		return 0, err
	}
	params := &pgeventsdb.DropSnapshotsParams{Name: name}
	switch {
	case belowVersion < 0:
		return 0, &pgevents.InvalidInputError{Code: projection.CodeInvalidSnapshot, Field: "below_version",
			Reason: "must be at least 1"}
	case belowVersion > 0:
		v := int32(min(belowVersion, math.MaxInt32))
		params.BelowVersion = &v
	}
	n, err := s.queries.DropSnapshots(ctx, s.db, params)
	if err != nil {
		return 0, interpretError("drop snapshots", err)
	}
	return n, nil
}

// checkSnapshotKey checks the key in the order of pgevents.save_snapshot
// (names, then version; the same rules, so memstore gives the same errors)
// and what PostgreSQL cannot take (NUL bytes, invalid UTF-8, a version
// beyond int4), and returns the version as int4.
func checkSnapshotKey(key *projection.SnapshotKey) (int32, error) {
	for _, f := range []struct{ field, value string }{{"name", key.Name}, {"category", key.Category}, {"stream", key.Stream}} {
		if err := pgevents.CheckName(f.field, f.value); err != nil {
			return 0, err
		}
	}
	if key.Version < 1 {
		return 0, &pgevents.InvalidInputError{Code: projection.CodeInvalidSnapshot, Field: "version", Reason: "must be at least 1"}
	}
	if key.Version > math.MaxInt32 {
		return 0, &pgevents.InvalidInputError{Code: projection.CodeInvalidSnapshot, Field: "version",
			Reason: fmt.Sprintf("must be at most %d", math.MaxInt32)}
	}
	return int32(key.Version), nil
}

func snapshotFromInternal(r *pgeventsdb.Snapshot) *projection.Snapshot {
	return &projection.Snapshot{Category: r.Category, CreatedAt: r.CreatedAt, Metadata: r.Metadata, Name: r.Name,
		Position: r.Position, State: r.State, Stream: r.Stream, Version: int(r.Version)}
}
