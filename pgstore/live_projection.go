package pgstore

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgeventsdb"
	"github.com/pgevents/pgevents/projection/live"
)

// LiveProjectionStore is the PostgreSQL registry of live projections (table
// pgevents.live_projections, through the SQL functions
// register_live_projection, fail_live_projection, live_projection_status and
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

// RegisterLiveProjection records (or updates) a live projection and clears
// its error. Invalid names are an *pgevents.InvalidInputError
// (CodeInvalidName); a version below 1 one with code PE141.
func (s *LiveProjectionStore) RegisterLiveProjection(ctx context.Context, r *live.Registration) error {
	if r == nil {
		return &pgevents.InvalidInputError{Code: pgevents.CodeInvalidName, Field: "registration", Reason: "is required"}
	}
	if r.Version > math.MaxInt32 {
		return &pgevents.InvalidInputError{Code: live.CodeInvalidArgument, Field: "version",
			Reason: fmt.Sprintf("must be at most %d", math.MaxInt32)}
	}
	for _, f := range []struct{ field, value string }{{"name", r.Name}, {"group", r.Group}, {"category", r.Source.Category}} {
		if err := checkText(pgevents.CodeInvalidName, f.field, f.value); err != nil {
			return err
		}
	}
	params := &pgeventsdb.RegisterLiveProjectionParams{Name: r.Name, Version: int32(max(r.Version, math.MinInt32)), GroupName: r.Group}
	if r.Source.Category != "" {
		params.Category = &r.Source.Category
	}
	if _, err := s.queries.RegisterLiveProjection(ctx, s.db, params); err != nil {
		return interpretError(fmt.Sprintf("register live projection %q", r.Name), err)
	}
	return nil
}

// FailLiveProjection records the error that stopped live projection name
// (its text, up to 2000 characters); a name that is not registered is
// ignored.
func (s *LiveProjectionStore) FailLiveProjection(ctx context.Context, name string, failure error) error {
	if err := checkText(pgevents.CodeInvalidName, "name", name); err != nil {
		return err
	}
	text := "unknown error"
	if failure != nil {
		text = errorText(failure.Error())
	}
	if _, err := s.queries.FailLiveProjection(ctx, s.db, &pgeventsdb.FailLiveProjectionParams{Name: name, Error: text}); err != nil {
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
		st := live.Status{Cursor: pgevents.Cursor{TransactionID: r.TransactionID, SequenceNumber: r.SequenceNumber},
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
