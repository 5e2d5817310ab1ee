package memstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/projection/live"
)

// LiveProjectionStore is the in-memory registry of live projections, with
// the rules of pgstore.LiveProjectionStore and the SQL functions behind it
// (register_live_projection, check_live_projection_build,
// switch_live_projection, request_live_projection_rebuild,
// find_live_projection, live_projection_status, fail_live_projection,
// drop_live_projection): the same builds, fences, switches, errors and
// codes. It is a live.Registry over a memstore ConsumerStore (the groups),
// ProjectionStore (the rows; a rebuild's under name@build) and, optionally,
// SnapshotStore (a switch drops older versions' snapshots). A batch's
// fence (CheckBuild) and a switch are serialised by the store's lock, but
// memstore has no transactions spanning the stores: a switch happens
// between two batches, not atomically with them. It is safe for
// concurrent use.
type LiveProjectionStore struct {
	consumers   *ConsumerStore
	projections *ProjectionStore
	snapshots   *SnapshotStore

	mu   sync.Mutex
	rows map[string]*liveRow
}

// liveRow is a registry row (pgevents.live_projections).
type liveRow struct {
	build, version                 int
	buildStartedAt, registeredAt   time.Time
	building                       *live.Assignment // nil: no rebuild
	buildingRequestedAt, startedAt time.Time        // startedAt: the rebuild's
	buildingVersion                int
	category, err, group, name     string
	failedAt, switchedAt           time.Time
}

// NewLiveProjectionStore returns an empty LiveProjectionStore over the
// consumer groups of consumers and the projections of projections;
// snapshots may be nil. It panics when consumers or projections is nil (a
// programmer error).
func NewLiveProjectionStore(consumers *ConsumerStore, projections *ProjectionStore, snapshots *SnapshotStore) *LiveProjectionStore {
	if consumers == nil || projections == nil {
		panic("pgevents: memstore: NewLiveProjectionStore needs a *ConsumerStore and a *ProjectionStore")
	}
	return &LiveProjectionStore{consumers: consumers, projections: projections, snapshots: snapshots, rows: map[string]*liveRow{}}
}

var _ live.Registry = (*LiveProjectionStore)(nil)

func liveInvalid(field, reason string) error {
	return &pgevents.InvalidInputError{Code: live.CodeInvalidArgument, Field: field, Reason: reason}
}

// RegisterLiveProjection implements live.Registry (see
// pgstore.LiveProjectionStore.RegisterLiveProjection).
func (s *LiveProjectionStore) RegisterLiveProjection(ctx context.Context, r *live.Registration) (*live.Assignment, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgevents: register live projection: %w", err)
	}
	if r == nil {
		return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidName, Field: "registration", Reason: "is required"}
	}
	if r.Version > math.MaxInt32 {
		return nil, liveInvalid("version", fmt.Sprintf("must be at most %d", math.MaxInt32))
	}
	if err := pgevents.CheckName("name", r.Name); err != nil {
		return nil, err
	}
	if err := pgevents.CheckName("group", r.Group); err != nil {
		return nil, err
	}
	if r.Source.Category != "" {
		if err := pgevents.CheckName("category", r.Source.Category); err != nil {
			return nil, err
		}
	}
	switch {
	case r.Version < 1:
		return nil, liveInvalid("version", "must be at least 1")
	case strings.Contains(r.Name, "@"):
		return nil, liveInvalid("name", "must not contain @ (name@build names the rows of a rebuild)")
	case utf8.RuneCountInString(r.Name) > 240:
		return nil, liveInvalid("name", "must be at most 240 characters for a live projection")
	case utf8.RuneCountInString(r.Group) > 240:
		return nil, liveInvalid("group", "must be at most 240 characters for a live projection")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.consumers.now()
	l := s.rows[r.Name]
	if l == nil {
		l = &liveRow{build: 1, buildStartedAt: now, category: r.Source.Category, group: r.Group, name: r.Name,
			registeredAt: now, version: r.Version}
		s.rows[r.Name] = l
	}
	switch {
	case r.Version == l.version:
		l.err, l.failedAt, l.registeredAt = "", time.Time{}, now
		return &live.Assignment{Build: l.build, Group: l.group}, nil
	case l.building != nil && r.Version == l.buildingVersion:
		l.registeredAt = now
		a := *l.building
		return &a, nil
	case r.Version > l.version && (l.building == nil || r.Version > l.buildingVersion):
		if l.building != nil {
			s.abandon(ctx, l)
		}
		build := max(l.build, 0) + 1
		if l.building != nil {
			build = max(l.build, l.building.Build) + 1
		}
		l.building = &live.Assignment{Build: build, Group: fmt.Sprintf("%s@%d", r.Group, build), Rebuilding: true}
		l.buildingVersion, l.startedAt, l.buildingRequestedAt, l.registeredAt = r.Version, now, time.Time{}, now
		a := *l.building
		return &a, nil
	}
	extra := ""
	if l.building != nil {
		extra = fmt.Sprintf(" and rebuilds version %d", l.buildingVersion)
	}
	return nil, liveInvalid("version", fmt.Sprintf("%d is superseded: live projection %s serves version %d%s", r.Version, r.Name, l.version, extra))
}

// abandon drops the rebuild of l: its group and its rows.
func (s *LiveProjectionStore) abandon(ctx context.Context, l *liveRow) {
	_, _ = s.consumers.DropGroup(context.WithoutCancel(ctx), l.building.Group)
	s.projections.dropName(fmt.Sprintf("%s@%d", l.name, l.building.Build))
}

// FailLiveProjection implements live.Registry: it records the error (its
// first 2000 characters) when build serves or is being rebuilt.
func (s *LiveProjectionStore) FailLiveProjection(ctx context.Context, name string, build int, failure error) error {
	if err := checkLiveCall(ctx, "fail live projection", name); err != nil {
		return err
	}
	text := ""
	if failure != nil {
		text = failure.Error()
	}
	if r := []rune(text); len(r) > 2000 {
		text = string(r[:2000])
	}
	if text == "" {
		text = "unknown error"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.rows[name]; l != nil && (build == l.build || (l.building != nil && build == l.building.Build)) {
		l.err, l.failedAt = text, s.consumers.now()
	}
	return nil
}

// CheckBuild implements live.Registry: it returns name for the serving
// build, name@build for the one being rebuilt, and fails with
// live.CodeInvalidArgument (field "build") otherwise. batch may have no
// transaction.
func (s *LiveProjectionStore) CheckBuild(ctx context.Context, _ *consumer.Batch, name string, build int) (string, error) {
	if err := checkLiveCall(ctx, "check live projection build", name); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.rows[name]; l != nil {
		if build == l.build {
			return name, nil
		}
		if l.building != nil && build == l.building.Build {
			return fmt.Sprintf("%s@%d", name, build), nil
		}
	}
	return "", liveInvalid("build", fmt.Sprintf("build %d of live projection %s is superseded or dropped", build, name))
}

// SwitchLiveProjection implements live.Registry (see
// pgstore.LiveProjectionStore.SwitchLiveProjection).
func (s *LiveProjectionStore) SwitchLiveProjection(ctx context.Context, name string, build int, maxLag int64) (bool, error) {
	if err := checkLiveCall(ctx, "switch live projection", name); err != nil {
		return false, err
	}
	if maxLag < 0 {
		return false, liveInvalid("max_lag", "must not be negative")
	}
	// The lag is read without the registry's lock: a batch holds the event
	// store's lock (InTx) when it takes the registry's (CheckBuild).
	s.mu.Lock()
	l := s.rows[name]
	if l == nil || l.building == nil || l.building.Build != build {
		s.mu.Unlock()
		return false, liveInvalid("build", fmt.Sprintf("build %d of live projection %s is not being rebuilt", build, name))
	}
	group := l.building.Group
	s.mu.Unlock()
	parts, err := s.consumers.GroupStatus(ctx, group)
	if errors.Is(err, consumer.ErrGroupNotFound) {
		return false, nil // its runner has not created the group yet
	} else if err != nil {
		return false, err
	}
	var lag int64
	for _, p := range parts {
		lag += p.LagEvents - p.HeldBackEvents
	}
	if lag > maxLag {
		return false, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if l = s.rows[name]; l == nil || l.building == nil || l.building.Build != build {
		return false, liveInvalid("build", fmt.Sprintf("build %d of live projection %s is not being rebuilt", build, name))
	}
	s.projections.replaceName(name, fmt.Sprintf("%s@%d", name, build))
	_, _ = s.consumers.DropGroup(context.WithoutCancel(ctx), l.group)
	if s.snapshots != nil {
		_, _ = s.snapshots.DropSnapshots(context.WithoutCancel(ctx), name, l.buildingVersion)
	}
	l.version, l.build, l.group, l.buildStartedAt = l.buildingVersion, l.building.Build, l.building.Group, l.startedAt
	l.building, l.buildingVersion, l.startedAt, l.buildingRequestedAt = nil, 0, time.Time{}, time.Time{}
	l.err, l.failedAt, l.switchedAt = "", time.Time{}, s.consumers.now()
	return true, nil
}

// builds returns the builds of l.
func (l *liveRow) builds() *live.Builds {
	b := &live.Builds{Serving: live.Assignment{Build: l.build, Group: l.group}, Version: l.version}
	if l.building != nil {
		a := *l.building
		b.Rebuild, b.RebuildVersion = &a, l.buildingVersion
	}
	return b
}

// FindLiveProjection implements live.Registry: the builds of name, or an
// error matching pgevents.ErrNotFound.
func (s *LiveProjectionStore) FindLiveProjection(ctx context.Context, name string) (*live.Builds, error) {
	if err := checkLiveCall(ctx, "find live projection", name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.rows[name]
	if l == nil {
		return nil, fmt.Errorf("pgevents: find live projection %q: %w", name, pgevents.ErrNotFound)
	}
	return l.builds(), nil
}

// RequestRebuild starts a rebuild of the serving version of name (see
// pgstore.LiveProjectionStore.RequestRebuild): no-op while a rebuild is in
// progress; an error matching pgevents.ErrNotFound when no live projection
// has the name.
func (s *LiveProjectionStore) RequestRebuild(ctx context.Context, name string) (*live.Builds, error) {
	if err := checkLiveCall(ctx, "request live projection rebuild", name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.rows[name]
	if l == nil {
		return nil, fmt.Errorf("pgevents: request live projection rebuild %q: %w", name, pgevents.ErrNotFound)
	}
	if l.building == nil {
		if l.build >= math.MaxInt32 {
			return nil, liveInvalid("build", "live projection "+name+" has used every build number")
		}
		base := l.group
		if l.build > 1 {
			base = strings.TrimSuffix(l.group, fmt.Sprintf("@%d", l.build))
		}
		now := s.consumers.now()
		l.building = &live.Assignment{Build: l.build + 1, Group: fmt.Sprintf("%s@%d", base, l.build+1), Rebuilding: true}
		l.buildingVersion, l.startedAt, l.buildingRequestedAt = l.version, now, now
	}
	return l.builds(), nil
}

// Status returns the status of every live projection, or of name when it
// is not "", in name order, computed as pgevents.live_projection_status
// does (state, cursor, lag, progress, the rebuild in progress).
func (s *LiveProjectionStore) Status(ctx context.Context, name string) ([]live.Status, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgevents: live projection status: %w", err)
	}
	if name != "" {
		if err := pgevents.CheckName("name", name); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	rows := make([]liveRow, 0, len(s.rows))
	for _, l := range s.rows {
		if name == "" || l.name == name {
			c := *l
			if l.building != nil {
				b := *l.building
				c.building = &b
			}
			rows = append(rows, c)
		}
	}
	s.mu.Unlock()
	sort.Slice(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	out := make([]live.Status, 0, len(rows))
	now := s.consumers.now()
	for _, l := range rows {
		total, err := s.countSource(ctx, l.category)
		if err != nil {
			return nil, err
		}
		st := live.Status{Build: l.build, Error: l.err, Group: l.group, Name: l.name, State: live.StateStopped, Version: l.version}
		parts, err := s.consumers.GroupStatus(ctx, l.group)
		if err != nil && !errors.Is(err, consumer.ErrGroupNotFound) {
			return nil, err
		}
		var held int64
		owned := 0
		for _, p := range parts {
			if st.Cursor.Less(p.Checkpoint) {
				st.Cursor = p.Checkpoint
			}
			st.LagEvents += p.LagEvents
			st.Lag = max(st.Lag, p.Lag)
			st.ParkedEvents += p.ParkedEvents
			held += p.HeldBackEvents
			if !p.LeaseExpiresAt.IsZero() {
				owned++
			}
		}
		st.Progress = averageProgress(max(total, st.LagEvents), st.LagEvents, l.buildStartedAt, now)
		switch {
		case l.err != "":
			st.State = live.StateFailed
		case owned == 0:
		case st.ParkedEvents > 0:
			st.State = live.StateParked
		case st.LagEvents > held:
			st.State = live.StateCatchingUp
		default:
			st.State = live.StateLive
		}
		if b := l.building; b != nil {
			rb := &live.RebuildStatus{Build: b.Build, Group: b.Group, LagEvents: -1, Requested: !l.buildingRequestedAt.IsZero(),
				StartedAt: l.startedAt, Version: l.buildingVersion, Projections: s.projections.countName(fmt.Sprintf("%s@%d", l.name, b.Build)),
				Progress: live.Progress{ETA: -1}}
			parts, err := s.consumers.GroupStatus(ctx, b.Group)
			switch {
			case err == nil:
				rb.LagEvents = 0
				for _, p := range parts {
					rb.LagEvents += p.LagEvents
				}
				rb.Progress = averageProgress(max(total, rb.LagEvents), rb.LagEvents, l.startedAt, now)
			case !errors.Is(err, consumer.ErrGroupNotFound):
				return nil, err
			}
			st.Rebuild = rb
		}
		out = append(out, st)
	}
	return out, nil
}

// averageProgress is the progress of a build with total events, left of
// them to go, at its average rate since started (no rate before a second).
func averageProgress(total, left int64, started, now time.Time) live.Progress {
	p := live.Progress{EventsDone: total - left, EventsTotal: total, ETA: -1}
	if el := now.Sub(started); el >= time.Second {
		p.Rate = float64(p.EventsDone) / el.Seconds()
	}
	switch {
	case left <= 0:
		p.ETA = 0
	case p.Rate > 0:
		p.ETA = time.Duration(float64(left) / p.Rate * float64(time.Second))
	}
	return p
}

// countSource counts the committed events of category ("" : the log).
func (s *LiveProjectionStore) countSource(ctx context.Context, category string) (int64, error) {
	var n int64
	err := s.consumers.store.read(ctx, "live projection status", func(visible int) error {
		n = int64(len(s.consumers.store.mem.sourceIndex(category, visible)))
		return nil
	})
	return n, err
}

// Drop removes live projection name with its consumer groups, its
// projections (and a rebuild's) and its snapshots, and returns how many
// projections stored under the name it deleted; an error matching
// pgevents.ErrNotFound when no live projection has the name.
func (s *LiveProjectionStore) Drop(ctx context.Context, name string) (int64, error) {
	if err := checkLiveCall(ctx, "drop live projection", name); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.rows[name]
	if l == nil {
		return 0, fmt.Errorf("pgevents: drop live projection %q: %w", name, pgevents.ErrNotFound)
	}
	_, _ = s.consumers.DropGroup(context.WithoutCancel(ctx), l.group)
	n := s.projections.dropName(name)
	if l.building != nil {
		s.abandon(ctx, l)
	}
	if s.snapshots != nil {
		_, _ = s.snapshots.DropSnapshots(context.WithoutCancel(ctx), name, 0)
	}
	delete(s.rows, name)
	return n, nil
}

// checkLiveCall is the start of every call naming a live projection: the
// context's error (wrapped with op), then the name's (pgevents.CheckName).
func checkLiveCall(ctx context.Context, op, name string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pgevents: %s: %w", op, err)
	}
	return pgevents.CheckName("name", name)
}
