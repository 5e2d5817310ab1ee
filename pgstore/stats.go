package pgstore

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgevents/pgevents/pgeventsdb"
)

// Count is a number of events, streams or categories, either counted
// (Exact) or estimated from planner statistics.
type Count struct {
	// Exact is false for an estimate.
	Exact bool `json:"exact"`
	// N is the count or the estimate.
	N int64 `json:"count"`
}

// String returns N, prefixed with "~" when it is an estimate.
func (c Count) String() string {
	if c.Exact {
		return strconv.FormatInt(c.N, 10)
	}
	return "~" + strconv.FormatInt(c.N, 10)
}

// MarshalJSON encodes c as {"count": N, "exact": bool}.
func (c Count) MarshalJSON() ([]byte, error) {
	type plain Count
	return json.Marshal(plain(c))
}

// StatsParams are the parameters of LogStats.
type StatsParams struct {
	// CountBudget is how many index entries the call may count exactly;
	// beyond it, counts are planner estimates. nil means the installation's
	// setting stats_max_count (default 100000), the most it allows; 0 asks
	// for estimates only.
	CountBudget *int
}

// LogStats are totals of the whole log, from pgevents.log_stats.
type LogStats struct {
	// Categories is the number of categories.
	Categories Count `json:"categories"`
	// Events is the number of events.
	Events Count `json:"events"`
	// Fence is the snapshot fence and what it holds back (HeldBackSince is
	// not set).
	Fence FenceLag `json:"fence"`
	// LastHour is the number of events recorded in the last hour.
	LastHour Count `json:"last_hour"`
	// LastMinute is the number of events recorded in the last minute.
	LastMinute Count `json:"last_minute"`
	// LatestObservedAt is when the latest event (in sequence order) was
	// recorded; zero when the log is empty.
	LatestObservedAt time.Time `json:"latest_observed_at"`
	// MaxSequenceNumber is the highest sequence number; 0 when empty.
	MaxSequenceNumber int64 `json:"max_sequence_number"`
	// Streams is the number of streams.
	Streams Count `json:"streams"`
}

// CategoryStatsParams are the parameters of CategoryStats.
type CategoryStatsParams struct {
	// After returns only categories sorting after it (key-set paging);
	// empty starts at the first.
	After string
	// Category, when set, returns only that category (no row when it has
	// no events).
	Category string
	// CountBudget is as in StatsParams, shared by the whole call.
	CountBudget *int
	// Limit is the most categories returned, 1 to 10000; 0 means 1000.
	Limit int
}

// CategoryStats are one category's counts, from pgevents.category_stats.
type CategoryStats struct {
	// Category is the category's name.
	Category string `json:"category"`
	// Events is the number of its events.
	Events Count `json:"events"`
	// LastHour is the number of its events recorded in the last hour.
	LastHour Count `json:"last_hour"`
	// LastMinute is the number of its events recorded in the last minute.
	LastMinute Count `json:"last_minute"`
	// LatestObservedAt is when its latest event (in read order) was
	// recorded.
	LatestObservedAt time.Time `json:"latest_observed_at"`
	// Streams is the number of its streams.
	Streams Count `json:"streams"`
}

// EventNameStatsParams are the parameters of EventNameStats.
type EventNameStatsParams struct {
	// Category restricts the names to one category; empty means the log.
	Category string
	// CountBudget is as in StatsParams (names count at most 10000 exactly).
	CountBudget *int
	// Limit is the most names returned, 1 to 10000; 0 means 100.
	Limit int
}

// EventNameStats is an event name and how many events have it, from
// pgevents.event_name_stats.
type EventNameStats struct {
	// Events is the number of events with the name.
	Events Count `json:"events"`
	// Name is the event name.
	Name string `json:"name"`
}

// LogStats returns totals of the log: events, streams, categories, events
// recorded in the last minute and hour, the latest event and the fence. Its
// cost does not grow with the number of events (see pgevents.log_stats):
// counts are exact up to the count budget and planner estimates beyond
// (Count.Exact false), so it answers quickly on any store. A nil params
// means the defaults. Reads go to Config.ReadPool when set.
//
// ctx governs the whole call. Errors: a *pgevents.InvalidInputError
// (CodeInvalidReadArgument, field count_budget) for a budget out of range.
func (s *Store) LogStats(ctx context.Context, params *StatsParams) (stats *LogStats, err error) {
	ctx, c := s.tel.start(ctx, opLogStats, nil)
	defer func() { c.end(err, 0) }()
	if params == nil {
		params = &StatsParams{}
	}
	var row *pgeventsdb.LogStatsRow
	err = s.reader.run(ctx, func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		row, err = s.queries.LogStats(ctx, db, budgetToInternal(params.CountBudget))
		return interpretError("log stats", err)
	})
	if err != nil {
		return nil, err
	}
	stats = &LogStats{
		Categories:        count(row.Categories, row.CategoriesExact),
		Events:            count(row.Events, row.EventsExact),
		LastHour:          count(row.LastHour, row.LastHourExact),
		LastMinute:        count(row.LastMinute, row.LastMinuteExact),
		MaxSequenceNumber: deref(row.MaxSequenceNumber),
		LatestObservedAt:  deref(row.LatestObservedAt),
		Streams:           count(row.Streams, row.StreamsExact),
		Fence: FenceLag{Fence: deref(row.Fence), HeldBackEvents: deref(row.HeldBackEvents),
			Lag: deref(row.FenceLag)},
	}
	s.tel.recordFence(ctx, stats.Fence.HeldBackEvents, stats.Fence.Lag)
	return stats, nil
}

// LogStatsTx is LogStats in the caller's transaction tx; see WithTx.
func (s *Store) LogStatsTx(ctx context.Context, tx pgx.Tx, params *StatsParams) (*LogStats, error) {
	return s.WithTx(tx).LogStats(ctx, params)
}

// CategoryStats returns per-category counts in category order, at most
// params.Limit categories after params.After: events, streams, events
// recorded in the last minute and hour (exact within the count budget,
// shared by all categories, else planner estimates), and when the latest
// event was recorded. It costs one index probe per category plus what the
// budget allows, never a scan of the events (see pgevents.category_stats).
// A nil params means the defaults. Reads go to Config.ReadPool when set.
//
// ctx governs the whole call. Errors: a *pgevents.InvalidInputError for an
// invalid After (CodeInvalidName), a limit or budget out of range
// (CodeInvalidReadArgument).
func (s *Store) CategoryStats(ctx context.Context, params *CategoryStatsParams) (stats []CategoryStats, err error) {
	ctx, c := s.tel.start(ctx, opCategoryStats, nil)
	defer func() { c.end(err, 0) }()
	if params == nil {
		params = &CategoryStatsParams{}
	}
	arg := &pgeventsdb.CategoryStatsParams{MaxRows: statsLimit(params.Limit, 1000),
		CountBudget: budgetToInternal(params.CountBudget)}
	if params.After != "" {
		arg.After = &params.After
	}
	if params.Category != "" {
		arg.Category = &params.Category
	}
	var rows []*pgeventsdb.PgeventsCategoryStat
	err = s.reader.run(ctx, func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		rows, err = s.queries.CategoryStats(ctx, db, arg)
		return interpretError("category stats", err)
	})
	if err != nil {
		return nil, err
	}
	stats = make([]CategoryStats, len(rows))
	for i, r := range rows {
		stats[i] = CategoryStats{
			Category:         deref(r.Category),
			Events:           count(r.Events, r.EventsExact),
			LastHour:         count(r.LastHour, r.LastHourExact),
			LastMinute:       count(r.LastMinute, r.LastMinuteExact),
			LatestObservedAt: deref(r.LatestObservedAt),
			Streams:          count(r.Streams, r.StreamsExact),
		}
	}
	return stats, nil
}

// CategoryStatsTx is CategoryStats in the caller's transaction tx; see
// WithTx.
func (s *Store) CategoryStatsTx(ctx context.Context, tx pgx.Tx, params *CategoryStatsParams) ([]CategoryStats, error) {
	return s.WithTx(tx).CategoryStats(ctx, params)
}

// EventNameStats returns the event names of the log, or of
// params.Category, with how many events have each, most frequent first, at
// most params.Limit of them. Counts are exact when the source holds at most
// the count budget (and 10000) events, else estimates (see
// pgevents.event_name_stats: names rare in the statistics or the latest
// events may be missing). A nil params means the log and the defaults.
// Reads go to Config.ReadPool when set.
//
// ctx governs the whole call. Errors: a *pgevents.InvalidInputError for an
// invalid category (CodeInvalidName), a limit or budget out of range
// (CodeInvalidReadArgument).
func (s *Store) EventNameStats(ctx context.Context, params *EventNameStatsParams) (stats []EventNameStats, err error) {
	ctx, c := s.tel.start(ctx, opEventNameStats, nil)
	defer func() { c.end(err, 0) }()
	if params == nil {
		params = &EventNameStatsParams{}
	}
	arg := &pgeventsdb.EventNameStatsParams{MaxRows: statsLimit(params.Limit, 100),
		CountBudget: budgetToInternal(params.CountBudget)}
	if params.Category != "" {
		arg.Category = &params.Category
	}
	var rows []*pgeventsdb.PgeventsEventNameStat
	err = s.reader.run(ctx, func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		rows, err = s.queries.EventNameStats(ctx, db, arg)
		return interpretError("event name stats", err)
	})
	if err != nil {
		return nil, err
	}
	stats = make([]EventNameStats, len(rows))
	for i, r := range rows {
		stats[i] = EventNameStats{Name: deref(r.Name), Events: count(r.Events, r.Exact)}
	}
	return stats, nil
}

// EventNameStatsTx is EventNameStats in the caller's transaction tx; see
// WithTx.
func (s *Store) EventNameStatsTx(ctx context.Context, tx pgx.Tx, params *EventNameStatsParams) ([]EventNameStats, error) {
	return s.WithTx(tx).EventNameStats(ctx, params)
}

func count(n *int64, exact *bool) Count {
	return Count{N: deref(n), Exact: deref(exact)}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// budgetToInternal converts a count budget: nil stays NULL (the setting);
// values beyond int32 go as the largest int32 (refused by the SQL unless the
// setting allows it).
func budgetToInternal(b *int) *int32 {
	if b == nil {
		return nil
	}
	v := int32(max(min(*b, math.MaxInt32), math.MinInt32))
	return &v
}

// statsLimit converts a stats limit: 0 means def; out-of-range values go to
// SQL clamped to int32, where they are refused.
func statsLimit(limit, def int) int32 {
	if limit == 0 {
		return int32(def)
	}
	return int32(max(min(limit, math.MaxInt32), math.MinInt32))
}
