package projection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pgevents/pgevents"
)

// CodeInvalidSnapshot is the SQLSTATE of an invalid snapshot argument: a
// version below 1, a negative position, or a position beyond the stream's
// latest event (a snapshot cannot cover events that do not exist). Stores
// report it in a *pgevents.InvalidInputError whose Field is "version",
// "position" or "below_version"; nothing is saved.
const CodeInvalidSnapshot = "PE140"

// Snapshot is a stream's folded state at a position, as a SnapshotStore
// keeps it: the state and metadata a projector (Name, Version) reached
// after the stream's events 0..Position.
type Snapshot struct {
	// Category is the stream's category.
	Category string
	// CreatedAt is when the snapshot was saved (set by the store).
	CreatedAt time.Time
	// Metadata is the projection's JSON metadata at Position.
	Metadata json.RawMessage
	// Name is the projector's name.
	Name string
	// Position is the position of the last event the state covers.
	Position int64
	// State is the projection's JSON state at Position.
	State json.RawMessage
	// Stream is the stream's name.
	Stream string
	// Version is the projector version that folded the state (>= 1).
	Version int
}

// SnapshotKey names the snapshot of one stream for one projector version.
type SnapshotKey struct {
	// Category is the stream's category.
	Category string
	// Name is the projector's name.
	Name string
	// Stream is the stream's name.
	Stream string
	// Version is the projector version (>= 1).
	Version int
}

// SnapshotStore keeps snapshots: at most one per (name, version, stream),
// the one at the furthest position saved. pgstore (the table
// pgevents.snapshots) and memstore implement it; both pass the contract
// suite storetest.RunSnapshotStore. Methods are safe for concurrent use.
//
// Snapshots are a cache: dropping them loses no data, loads then fold the
// whole stream.
type SnapshotStore interface {
	// SaveSnapshot stores s unless the stored snapshot of (Name, Version,
	// Category, Stream) is already at s.Position or later, and returns the
	// snapshot stored afterwards (so a save never moves a snapshot
	// backwards). It fails with an *pgevents.InvalidInputError:
	// CodeInvalidName for an invalid name, category or stream,
	// CodeInvalidSnapshot for a version below 1, a negative position or a
	// position beyond the stream's latest event, CodeProjectionTooLarge for
	// a state or metadata over the projection limits. Nothing is saved when
	// it fails.
	SaveSnapshot(ctx context.Context, s *Snapshot) (*Snapshot, error)
	// LoadSnapshot returns the snapshot of key, or an error matching
	// pgevents.ErrNotFound. Snapshots of other versions are never returned.
	LoadSnapshot(ctx context.Context, key *SnapshotKey) (*Snapshot, error)
	// DropSnapshots deletes the snapshots of the projector name, only those
	// of versions below belowVersion when it is not 0, and returns how many
	// it deleted.
	DropSnapshots(ctx context.Context, name string, belowVersion int) (int64, error)
}

// SnapshotPolicy decides when Snapshotter.Load writes a snapshot. With both
// fields zero it never writes one (and only reads them).
type SnapshotPolicy struct {
	// Every writes a snapshot when a load folded at least Every events after
	// the latest snapshot (or from the start when there is none). Zero
	// disables the rule.
	Every int
	// MaxAge writes a snapshot when a load folded at least one event after a
	// snapshot older than MaxAge (or when there is no snapshot yet). Zero
	// disables the rule.
	MaxAge time.Duration
}

// Snapshotter loads the projections of single streams from the latest
// snapshot of its projector's version plus the events after it, and writes
// snapshots as its policy says. It is safe for concurrent use when its
// store and projector are.
type Snapshotter[S, M any] struct {
	now       func() time.Time
	policy    SnapshotPolicy
	projector *Projector[S, M]
	store     SnapshotStore
}

// NewSnapshotter returns a Snapshotter for projector over store. policy may
// be nil (never write snapshots, only read them). It fails when a policy
// field is negative.
func NewSnapshotter[S, M any](projector *Projector[S, M], store SnapshotStore, policy *SnapshotPolicy) (*Snapshotter[S, M], error) {
	s := &Snapshotter[S, M]{now: time.Now, projector: projector, store: store}
	if policy != nil {
		s.policy = *policy
	}
	if s.policy.Every < 0 || s.policy.MaxAge < 0 {
		return nil, fmt.Errorf("pgevents: snapshotter %q: SnapshotPolicy fields must not be negative (Every %d, MaxAge %s)",
			projector.Name(), s.policy.Every, s.policy.MaxAge)
	}
	return s, nil
}

// Loaded is the result of Snapshotter.Load.
type Loaded[S, M any] struct {
	// Folded is the number of events folded after the snapshot (all of the
	// stream's events when there was none).
	Folded int
	// Position is the position of the stream's last event folded in
	// Projection, -1 for an empty stream.
	Position int64
	// Projection is the stream's projection.
	Projection *Projection[S, M]
	// Saved is the snapshot written by this load, nil when the policy did
	// not ask for one or the save failed (see SaveErr).
	Saved *Snapshot
	// SaveErr is the error of a snapshot save the policy asked for: the
	// projection is still returned (snapshots are a cache).
	SaveErr error
	// Snapshot is the snapshot the load started from, nil when there was
	// none of the projector's version.
	Snapshot *Snapshot
}

// Load returns the projection of stream: the latest snapshot of the
// projector's name and version (snapshots of other versions are ignored),
// decoded, plus the events after its position, read a page at a time
// through stream.Events. Without a snapshot it folds the whole stream, as
// Projector.ProjectStream does; the result is the same either way.
//
// When the policy asks for one, Load then saves a snapshot at the last
// event folded; a failed save is reported in Loaded.SaveErr, not as an
// error. Errors: the store's load error (other than pgevents.ErrNotFound),
// a *DecodeError (ErrDecode) when the snapshot does not decode into S or M
// (a change of S needs a new Config.Version), the read errors and the
// projector's errors (see Projector.Update). ctx governs the reads and
// writes.
func (s *Snapshotter[S, M]) Load(ctx context.Context, stream *pgevents.Stream) (*Loaded[S, M], error) {
	id := stream.ID()
	if err := id.Validate(); err != nil {
		return nil, err
	}
	p := s.projector
	res := &Loaded[S, M]{Position: -1}
	base := &Projection[S, M]{Name: p.name, Source: id, State: p.initialState(), Metadata: p.initialMetadata()}
	snap, err := s.store.LoadSnapshot(ctx, &SnapshotKey{Category: id.Category, Name: p.name, Stream: id.Stream, Version: p.version})
	switch {
	case errors.Is(err, pgevents.ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("pgevents: snapshotter %q: load snapshot of %s: %w", p.name, id, err)
	default:
		decoded, err := FromStored[S, M](&Stored{ID: id.Stream, Metadata: snap.Metadata, Name: p.name, Source: id, State: snap.State})
		if err != nil {
			return nil, fmt.Errorf("pgevents: snapshotter %q: snapshot of %s at position %d (version %d): %w",
				p.name, id, snap.Position, snap.Version, err)
		}
		base.State, base.Metadata = decoded.State, decoded.Metadata
		res.Snapshot, res.Position = snap, snap.Position
	}
	events := stream.Events(ctx, &pgevents.ReadOpts{FromPosition: res.Position + 1})
	counted := func(yield func(pgevents.Event, error) bool) {
		for e, err := range events {
			if err == nil {
				res.Folded++
				res.Position = e.Position
			}
			if !yield(e, err) {
				return
			}
		}
	}
	if res.Projection, err = p.Update(base, counted); err != nil {
		return nil, err
	}
	if s.due(res) {
		res.Saved, res.SaveErr = s.save(ctx, res)
	}
	return res, nil
}

// due reports whether the policy asks for a snapshot after res.
func (s *Snapshotter[S, M]) due(res *Loaded[S, M]) bool {
	if res.Folded == 0 {
		return false
	}
	if s.policy.Every > 0 && res.Folded >= s.policy.Every {
		return true
	}
	return s.policy.MaxAge > 0 && (res.Snapshot == nil || s.now().Sub(res.Snapshot.CreatedAt) >= s.policy.MaxAge)
}

// save writes the snapshot of res.
func (s *Snapshotter[S, M]) save(ctx context.Context, res *Loaded[S, M]) (*Snapshot, error) {
	stored, err := res.Projection.ToStored()
	if err != nil {
		return nil, err
	}
	src := res.Projection.Source
	saved, err := s.store.SaveSnapshot(ctx, &Snapshot{Category: src.Category, Metadata: stored.Metadata, Name: s.projector.name,
		Position: res.Position, State: stored.State, Stream: src.Stream, Version: s.projector.version})
	if err != nil {
		return nil, fmt.Errorf("pgevents: snapshotter %q: save snapshot of %s at position %d: %w", s.projector.name, src, res.Position, err)
	}
	return saved, nil
}

// Save writes the snapshot of a stream's projection at position (the
// position of the last event folded into it), for when an application
// decides itself when to snapshot. It returns the snapshot stored (a save
// behind the stored one keeps that one) and the store's errors.
func (s *Snapshotter[S, M]) Save(ctx context.Context, p *Projection[S, M], position int64) (*Snapshot, error) {
	return s.save(ctx, &Loaded[S, M]{Position: position, Projection: p})
}
