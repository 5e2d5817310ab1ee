package pgstore

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/pgeventsdb"
	"github.com/pgevents/pgevents/projection/live"
)

// LiveProjectionStore is the PostgreSQL registry of live projections (table
// pgevents.live_projections, through the SQL functions
// register_live_projection, fail_live_projection, live_projection_status,
// find_live_projection, request_live_projection_rebuild and
// drop_live_projection). It is a live.Registry: give it to
// live.Config.Registry, and the runner's projections, their versions and
// the errors that stop them are visible from SQL and the CLI
// ("pgevents projections"). It is safe for concurrent use.
type LiveProjectionStore struct {
	db      pgeventsdb.DBTX
	queries *pgeventsdb.Queries
}

// NewLiveProjectionStore returns a LiveProjectionStore over pool, whose
// database was migrated with pgevents.Migrate. It panics when pool is nil
// (a programmer error).
func NewLiveProjectionStore(pool *pgxpool.Pool) *LiveProjectionStore {
	if pool == nil {
		panic("pgevents: pgstore: NewLiveProjectionStore needs a *pgxpool.Pool (got nil)")
	}
	return &LiveProjectionStore{db: pool, queries: pgeventsdb.New()}
}

var _ live.Registry = (*LiveProjectionStore)(nil)

// RegisterLiveProjection records (or updates) a live projection, clears
// its error and returns the build its runner runs (see
// pgevents.register_live_projection): the serving build for the serving
// version, a blue/green rebuild for a newer version. Invalid names are an
// *pgevents.InvalidInputError (CodeInvalidName); a version below 1 or
// superseded (older than the serving one or the one being rebuilt), and
// names over 240 characters, one with live.CodeInvalidArgument.
func (s *LiveProjectionStore) RegisterLiveProjection(ctx context.Context, r *live.Registration) (*live.Assignment, error) {
	if r == nil {
		return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidName, Field: "registration", Reason: "is required"}
	}
	if r.Version > math.MaxInt32 {
		return nil, &pgevents.InvalidInputError{Code: live.CodeInvalidArgument, Field: "version",
			Reason: fmt.Sprintf("must be at most %d", math.MaxInt32)}
	}
	for _, f := range []struct{ field, value string }{{"name", r.Name}, {"group", r.Group}, {"category", r.Source.Category}} {
		if err := checkText(pgevents.CodeInvalidName, f.field, f.value); err != nil {
			return nil, err
		}
	}
	params := &pgeventsdb.RegisterLiveProjectionParams{Name: r.Name, Version: int32(max(r.Version, math.MinInt32)), GroupName: r.Group}
	if r.Source.Category != "" {
		params.Category = &r.Source.Category
	}
	row, err := s.queries.RegisterLiveProjection(ctx, s.db, params)
	if err != nil {
		return nil, interpretError(fmt.Sprintf("register live projection %q", r.Name), err)
	}
	b := buildsFromInternal(row)
	if b.Rebuild != nil && b.RebuildVersion == r.Version && b.Version != r.Version {
		return b.Rebuild, nil
	}
	return &b.Serving, nil
}

// buildsFromInternal returns the builds of a registry row.
func buildsFromInternal(row *pgeventsdb.LiveProjection) *live.Builds {
	b := &live.Builds{Serving: live.Assignment{Build: int(row.Build), Group: row.GroupName}, Version: int(row.Version)}
	if row.BuildingVersion != nil && row.BuildingBuild != nil && row.BuildingGroup != nil {
		b.Rebuild = &live.Assignment{Build: int(*row.BuildingBuild), Group: *row.BuildingGroup, Rebuilding: true}
		b.RebuildVersion = int(*row.BuildingVersion)
	}
	return b
}

// FindLiveProjection returns the builds of live projection name
// (pgevents.find_live_projection): the serving one and the rebuild in
// progress. It returns an error matching pgevents.ErrNotFound when no live
// projection has the name.
func (s *LiveProjectionStore) FindLiveProjection(ctx context.Context, name string) (*live.Builds, error) {
	if err := checkText(pgevents.CodeInvalidName, "name", name); err != nil {
		return nil, err
	}
	rows, err := s.queries.FindLiveProjection(ctx, s.db, name)
	if err != nil {
		return nil, interpretError(fmt.Sprintf("find live projection %q", name), err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("pgevents: find live projection %q: %w", name, pgevents.ErrNotFound)
	}
	return buildsFromInternal(rows[0]), nil
}

// RequestRebuild starts a blue/green rebuild of the serving version of live
// projection name (pgevents.request_live_projection_rebuild): a new build
// folds from the first event beside the serving one, run by the projection's
// runners (they pick it up within their SwitchInterval), and is switched in
// once caught up. With a rebuild already in progress it changes nothing. It
// returns the projection's builds, and an error matching
// pgevents.ErrNotFound when no live projection has the name.
func (s *LiveProjectionStore) RequestRebuild(ctx context.Context, name string) (*live.Builds, error) {
	if err := checkText(pgevents.CodeInvalidName, "name", name); err != nil {
		return nil, err
	}
	rows, err := s.queries.RequestLiveProjectionRebuild(ctx, s.db, name)
	if err != nil {
		return nil, interpretError(fmt.Sprintf("request live projection rebuild %q", name), err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("pgevents: request live projection rebuild %q: %w", name, pgevents.ErrNotFound)
	}
	return buildsFromInternal(rows[0]), nil
}

// CheckBuild runs pgevents.check_live_projection_build in the batch's
// transaction (batch.Tx): it fences the batch and returns the projection
// name its projections are saved under (name, or name@build while
// rebuilding). A build switched out, abandoned or dropped fails with an
// *pgevents.InvalidInputError (live.CodeInvalidArgument, field "build"); a
// batch without a PostgreSQL transaction is an error.
func (s *LiveProjectionStore) CheckBuild(ctx context.Context, batch *consumer.Batch, name string, build int) (string, error) {
	if batch == nil || batch.Tx == nil {
		return "", fmt.Errorf("pgevents: check live projection build %q: the batch has no PostgreSQL transaction (use pgstore's consumer store)", name)
	}
	target, err := s.queries.CheckLiveProjectionBuild(ctx, batch.Tx, &pgeventsdb.CheckLiveProjectionBuildParams{Name: name,
		Build: int32(min(max(build, math.MinInt32), math.MaxInt32))})
	if err != nil {
		return "", interpretError(fmt.Sprintf("check live projection build %q/%d", name, build), err)
	}
	return target, nil
}

// SwitchLiveProjection runs pgevents.switch_live_projection: when build
// (being rebuilt) has at most maxLag events left, it replaces the serving
// rows and build with the rebuilt ones in one transaction, and reports
// whether it did. A build not being rebuilt is an
// *pgevents.InvalidInputError (live.CodeInvalidArgument).
func (s *LiveProjectionStore) SwitchLiveProjection(ctx context.Context, name string, build int, maxLag int64) (bool, error) {
	if err := checkText(pgevents.CodeInvalidName, "name", name); err != nil {
		return false, err
	}
	switched, err := s.queries.SwitchLiveProjection(ctx, s.db, &pgeventsdb.SwitchLiveProjectionParams{Name: name,
		Build: int32(min(max(build, math.MinInt32), math.MaxInt32)), MaxLag: maxLag})
	if err != nil {
		return false, interpretError(fmt.Sprintf("switch live projection %q", name), err)
	}
	return switched, nil
}

// FailLiveProjection records the error that stopped build of live
// projection name (its text, up to 2000 characters); it is ignored when
// the name is not registered or the build neither serves nor is being
// rebuilt (a build switched out never marks its successor failed).
func (s *LiveProjectionStore) FailLiveProjection(ctx context.Context, name string, build int, failure error) error {
	if err := checkText(pgevents.CodeInvalidName, "name", name); err != nil {
		return err
	}
	text := "unknown error"
	if failure != nil {
		text = errorText(failure.Error())
	}
	if _, err := s.queries.FailLiveProjection(ctx, s.db, &pgeventsdb.FailLiveProjectionParams{Name: name, Error: text,
		Build: int32Ptr(int32(min(max(build, math.MinInt32), math.MaxInt32)))}); err != nil {
		return interpretError(fmt.Sprintf("fail live projection %q", name), err)
	}
	return nil
}

// Status returns the status of every registered live projection, or of
// the one named name when it is not "", in name order, as
// pgevents.live_projection_status computes it (from the registry and the
// consumer groups; the state is one of live.StateFailed, StateStopped,
// StateParked, StateCatchingUp, StateLive).
func (s *LiveProjectionStore) Status(ctx context.Context, name string) ([]live.Status, error) {
	var arg *string
	if name != "" {
		if err := checkText(pgevents.CodeInvalidName, "name", name); err != nil {
			return nil, err
		}
		arg = &name
	}
	rows, err := s.queries.LiveProjectionStatus(ctx, s.db, arg)
	if err != nil {
		return nil, interpretError("live projection status", err)
	}
	out := make([]live.Status, 0, len(rows))
	for _, r := range rows {
		st := live.Status{Build: int(r.Build), Cursor: pgevents.Cursor{TransactionID: r.TransactionID, SequenceNumber: r.SequenceNumber},
			Group: r.GroupName, LagEvents: r.LagEvents, Name: r.Name, ParkedEvents: r.ParkedEvents,
			State: live.StateStopped, Version: int(r.Version)}
		if r.Lag != nil {
			st.Lag = *r.Lag
		}
		if r.State != nil {
			st.State = live.State(*r.State)
		}
		if r.Error != nil {
			st.Error = *r.Error
		}
		st.Progress = progressFromInternal(r.EventsDone, r.EventsTotal, r.Rate, r.Eta)
		if r.BuildingBuild != nil && r.BuildingVersion != nil && r.BuildingGroup != nil {
			rb := &live.RebuildStatus{Build: int(*r.BuildingBuild), Group: *r.BuildingGroup, LagEvents: -1,
				Version: int(*r.BuildingVersion)}
			if r.BuildingLagEvents != nil {
				rb.LagEvents = *r.BuildingLagEvents
			}
			if r.BuildingProjections != nil {
				rb.Projections = *r.BuildingProjections
			}
			if r.BuildingStartedAt != nil {
				rb.StartedAt = *r.BuildingStartedAt
			}
			rb.Requested = r.BuildingRequestedAt != nil
			if r.BuildingEventsDone != nil && r.BuildingEventsTotal != nil {
				rb.Progress = progressFromInternal(*r.BuildingEventsDone, *r.BuildingEventsTotal, r.BuildingRate, r.BuildingEta)
			} else {
				rb.Progress.ETA = -1
			}
			st.Rebuild = rb
		}
		out = append(out, st)
	}
	return out, nil
}

// Drop removes live projection name with its consumer group, the
// projections stored under the name and their snapshots, and returns how
// many projections it deleted. It returns an error matching
// pgevents.ErrNotFound when no live projection has the name. A runner
// still running it stops at its next batch.
func (s *LiveProjectionStore) Drop(ctx context.Context, name string) (int64, error) {
	if err := checkText(pgevents.CodeInvalidName, "name", name); err != nil {
		return 0, err
	}
	n, err := s.queries.DropLiveProjection(ctx, s.db, name)
	if err != nil {
		return 0, interpretError(fmt.Sprintf("drop live projection %q", name), err)
	}
	if n < 0 {
		return 0, fmt.Errorf("pgevents: drop live projection %q: %w", name, pgevents.ErrNotFound)
	}
	return n, nil
}

func int32Ptr(v int32) *int32 { return &v }

// progressFromInternal returns a build's progress from
// pgevents.live_projection_status's columns.
func progressFromInternal(done, total int64, rate *float64, eta *time.Duration) live.Progress {
	p := live.Progress{EventsDone: done, EventsTotal: total, ETA: -1}
	if rate != nil {
		p.Rate = *rate
	}
	switch {
	case done >= total:
		p.ETA = 0
	case eta != nil:
		p.ETA = *eta
	}
	return p
}
