package memstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/projection"
)

// SnapshotStore is an in-memory projection.SnapshotStore over the events of
// a Store: one snapshot per (projector name, version, stream), the one at
// the furthest position saved. It passes the same contract suite as the
// PostgreSQL store (storetest.RunSnapshotStore), with the same errors, and
// is safe for concurrent use. State and metadata follow the rules of
// ProjectionStore (limits projection.DefaultMaxJSONBytes and
// projection.DefaultMaxJSONDepth; stored compacted, keys in the caller's
// order).
type SnapshotStore struct {
	events *Store
	mu     sync.RWMutex
	rows   map[snapshotKey]*projection.Snapshot
}

// snapshotKey is the identity of a snapshot.
type snapshotKey struct {
	category, name, stream string
	version                int
}

// NewSnapshotStore returns an empty SnapshotStore whose snapshots cover
// streams of events (saves check positions against it). It panics when
// events is nil (a programmer error).
func NewSnapshotStore(events *Store) *SnapshotStore {
	if events == nil {
		panic("pgevents: memstore: NewSnapshotStore needs the *memstore.Store of the events (got nil)")
	}
	return &SnapshotStore{events: events, rows: map[snapshotKey]*projection.Snapshot{}}
}

var _ projection.SnapshotStore = (*SnapshotStore)(nil)

// SaveSnapshot stores snap unless the stored snapshot of its (Name,
// Version, Category, Stream) is at snap.Position or later, and returns the
// snapshot stored afterwards; see projection.SnapshotStore for the errors.
// snap.CreatedAt is ignored (the store's clock sets it, in microseconds).
func (s *SnapshotStore) SaveSnapshot(ctx context.Context, snap *projection.Snapshot) (*projection.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgevents: save snapshot: %w", err)
	}
	if snap == nil {
		return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidName, Field: "snapshot", Reason: "is required"}
	}
	key := &projection.SnapshotKey{Category: snap.Category, Name: snap.Name, Stream: snap.Stream, Version: snap.Version}
	if err := checkSnapshotKey(key); err != nil {
		return nil, err
	}
	if snap.Position < 0 {
		return nil, &pgevents.InvalidInputError{Code: projection.CodeInvalidSnapshot, Field: "position", Reason: "must not be negative"}
	}
	latest, err := s.events.LatestEvent(ctx, &pgevents.LatestEventParams{Source: pgevents.StreamID(snap.Category, snap.Stream)})
	switch {
	case errors.Is(err, pgevents.ErrNotFound):
		return nil, &pgevents.InvalidInputError{Code: projection.CodeInvalidSnapshot, Field: "position",
			Reason: fmt.Sprintf("%d is beyond the latest position of the stream (empty)", snap.Position)}
	case err != nil:
		return nil, fmt.Errorf("pgevents: save snapshot: %w", err)
	case snap.Position > latest.Position:
		return nil, &pgevents.InvalidInputError{Code: projection.CodeInvalidSnapshot, Field: "position",
			Reason: fmt.Sprintf("%d is beyond the latest position of the stream (%d)", snap.Position, latest.Position)}
	}
	row := &projection.Snapshot{Category: snap.Category, Name: snap.Name, Position: snap.Position,
		Stream: snap.Stream, Version: snap.Version}
	if row.State, _, err = normalizeJSON("state", snap.State); err != nil {
		return nil, err
	}
	if row.Metadata, _, err = normalizeJSON("metadata", snap.Metadata); err != nil {
		return nil, err
	}
	k := snapshotKey{category: snap.Category, name: snap.Name, stream: snap.Stream, version: snap.Version}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.rows[k]; old != nil && old.Position >= row.Position {
		return cloneSnapshot(old), nil
	}
	row.CreatedAt = pgevents.TruncateTime(time.Now())
	s.rows[k] = row
	return cloneSnapshot(row), nil
}

// LoadSnapshot returns the snapshot of key, or an error matching
// pgevents.ErrNotFound; see projection.SnapshotStore.
func (s *SnapshotStore) LoadSnapshot(ctx context.Context, key *projection.SnapshotKey) (*projection.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgevents: load snapshot: %w", err)
	}
	if key == nil {
		return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidName, Field: "key", Reason: "is required"}
	}
	if err := checkSnapshotKey(key); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	row := s.rows[snapshotKey{category: key.Category, name: key.Name, stream: key.Stream, version: key.Version}]
	if row == nil {
		return nil, fmt.Errorf("pgevents: load snapshot %q (version %d) of %s/%s: %w", key.Name, key.Version,
			key.Category, key.Stream, pgevents.ErrNotFound)
	}
	return cloneSnapshot(row), nil
}

// DropSnapshots deletes the snapshots of the projector name (only those of
// versions below belowVersion when it is not 0) and returns how many; see
// projection.SnapshotStore.
func (s *SnapshotStore) DropSnapshots(ctx context.Context, name string, belowVersion int) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("pgevents: drop snapshots: %w", err)
	}
	if err := pgevents.CheckName("name", name); err != nil {
		return 0, err
	}
	if belowVersion < 0 {
		return 0, &pgevents.InvalidInputError{Code: projection.CodeInvalidSnapshot, Field: "below_version",
			Reason: "must be at least 1"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for k := range s.rows {
		if k.name == name && (belowVersion == 0 || k.version < belowVersion) {
			delete(s.rows, k)
			n++
		}
	}
	return n, nil
}

// checkSnapshotKey checks a key in the order of pgevents.save_snapshot.
func checkSnapshotKey(key *projection.SnapshotKey) error {
	for _, f := range []struct{ field, value string }{{"name", key.Name}, {"category", key.Category}, {"stream", key.Stream}} {
		if err := pgevents.CheckName(f.field, f.value); err != nil {
			return err
		}
	}
	if key.Version < 1 {
		return &pgevents.InvalidInputError{Code: projection.CodeInvalidSnapshot, Field: "version", Reason: "must be at least 1"}
	}
	if key.Version > math.MaxInt32 {
		return &pgevents.InvalidInputError{Code: projection.CodeInvalidSnapshot, Field: "version",
			Reason: fmt.Sprintf("must be at most %d", math.MaxInt32)}
	}
	return nil
}

func cloneSnapshot(s *projection.Snapshot) *projection.Snapshot {
	cp := *s
	cp.State = slices.Clone(s.State)
	cp.Metadata = slices.Clone(s.Metadata)
	return &cp
}
