package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgstore"
)

// database is every read the browser makes: thin calls of the pgevents SQL
// functions (sql/functions), directly or through pgstore. Nothing here
// writes, and the pool's sessions are read-only (PoolConfig).
type database struct {
	pool  *pgxpool.Pool
	store *pgstore.Store
}

// summary is pgevents.browse_summary's row.
type summary struct {
	AnalyzedAt         *time.Time
	EstimatedEvents    *int64
	LastObservedAt     *time.Time
	LastSequenceNumber *int64
}

func (d *database) summary(ctx context.Context) (*summary, error) {
	var s summary
	err := d.pool.QueryRow(ctx, `SELECT estimated_events, analyzed_at, last_sequence_number, last_observed_at
		FROM pgevents.browse_summary()`).Scan(&s.EstimatedEvents, &s.AnalyzedAt, &s.LastSequenceNumber, &s.LastObservedAt)
	if err != nil {
		return nil, fmt.Errorf("pgevents: browse summary: %w", err)
	}
	return &s, nil
}

// categoryRow is a row of pgevents.browse_categories.
type categoryRow struct {
	Counted        *int64
	Estimate       *int64
	LatestAt       *time.Time
	LatestID       *uuid.UUID
	LatestSequence *int64
	Name           string
}

func (d *database) categories(ctx context.Context, after string, limit, countLimit int) ([]categoryRow, error) {
	rows, err := d.pool.Query(ctx, `SELECT category, events_counted, events_estimate, latest_id, latest_sequence_number, latest_observed_at
		FROM pgevents.browse_categories($1, $2, $3)`, nullIfEmpty(after), limit, countLimit)
	if err != nil {
		return nil, fmt.Errorf("pgevents: browse categories: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (categoryRow, error) {
		var c categoryRow
		err := row.Scan(&c.Name, &c.Counted, &c.Estimate, &c.LatestID, &c.LatestSequence, &c.LatestAt)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgevents: browse categories: %w", err)
	}
	return out, nil
}

// activityRow is a row of pgevents.browse_activity.
type activityRow struct {
	Category string
	Complete bool
	Events   int64
	Minute   time.Time
}

func (d *database) activity(ctx context.Context, minutes, maxEvents int) ([]activityRow, error) {
	rows, err := d.pool.Query(ctx, `SELECT category, minute, events, complete FROM pgevents.browse_activity($1, $2)`, minutes, maxEvents)
	if err != nil {
		return nil, fmt.Errorf("pgevents: browse activity: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (activityRow, error) {
		var a activityRow
		err := row.Scan(&a.Category, &a.Minute, &a.Events, &a.Complete)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgevents: browse activity: %w", err)
	}
	return out, nil
}

// streamRow is a row of pgevents.browse_streams.
type streamRow struct {
	LatestAt       time.Time
	LatestID       uuid.UUID
	LatestName     string
	LatestPosition int64
	Name           string
}

func (d *database) streams(ctx context.Context, category, after string, limit int) ([]streamRow, error) {
	rows, err := d.pool.Query(ctx, `SELECT stream, latest_position, latest_id, latest_name, latest_observed_at
		FROM pgevents.browse_streams($1, $2, $3)`, category, nullIfEmpty(after), limit)
	if err != nil {
		return nil, fmt.Errorf("pgevents: browse streams: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (streamRow, error) {
		var s streamRow
		err := row.Scan(&s.Name, &s.LatestPosition, &s.LatestID, &s.LatestName, &s.LatestAt)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgevents: browse streams: %w", err)
	}
	return out, nil
}

// eventColumns are the columns of pgevents.events in the order scanEvent
// reads them (the transaction id as text: pgx has no xid8 codec).
const eventColumns = `sequence_number, transaction_id::text, id, category, stream, position, name, payload, metadata, occurred_at, observed_at`

func scanEvent(row pgx.CollectableRow) (pgevents.Event, error) {
	var (
		e  pgevents.Event
		tx string
	)
	if err := row.Scan(&e.SequenceNumber, &tx, &e.ID, &e.Category, &e.Stream, &e.Position, &e.Name,
		&e.Payload, &e.Metadata, &e.OccurredAt, &e.ObservedAt); err != nil {
		return e, err
	}
	id, err := strconv.ParseUint(tx, 10, 64)
	if err != nil {
		return e, fmt.Errorf("transaction_id %q: %w", tx, err)
	}
	e.TransactionID = id
	return e, nil
}

// event returns the event with id, or nil when there is none.
func (d *database) event(ctx context.Context, id uuid.UUID) (*pgevents.Event, error) {
	rows, err := d.pool.Query(ctx, `SELECT `+eventColumns+` FROM pgevents.read_event($1)`, id)
	if err != nil {
		return nil, fmt.Errorf("pgevents: read event: %w", err)
	}
	events, err := pgx.CollectRows(rows, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("pgevents: read event: %w", err)
	}
	if len(events) == 0 {
		return nil, nil
	}
	return &events[0], nil
}

// tail returns the latest limit events of the log (category "") or a
// category below the fence, newest first.
func (d *database) tail(ctx context.Context, category string, limit int) ([]pgevents.Event, error) {
	rows, err := d.pool.Query(ctx, `SELECT `+eventColumns+` FROM pgevents.browse_tail($1, $2)`, nullIfEmpty(category), limit)
	if err != nil {
		return nil, fmt.Errorf("pgevents: browse tail: %w", err)
	}
	events, err := pgx.CollectRows(rows, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("pgevents: browse tail: %w", err)
	}
	return events, nil
}

// streamPosition returns the latest position of a stream, nil when it has
// no events.
func (d *database) streamPosition(ctx context.Context, category, stream string) (*int64, error) {
	var pos *int64
	if err := d.pool.QueryRow(ctx, `SELECT pgevents.stream_position($1, $2)`, category, stream).Scan(&pos); err != nil {
		return nil, fmt.Errorf("pgevents: stream position: %w", err)
	}
	return pos, nil
}

// projectionRow is a row of pgevents.search_projections.
type projectionRow struct {
	CreatedAt time.Time
	ID        string
	Metadata  json.RawMessage
	Name      string
	Source    json.RawMessage
	State     json.RawMessage
	UpdatedAt time.Time
}

func (d *database) searchProjections(ctx context.Context, query []byte) ([]projectionRow, error) {
	rows, err := d.pool.Query(ctx, `SELECT name, id, source, state, metadata, created_at, updated_at
		FROM pgevents.search_projections($1::jsonb)`, string(query))
	if err != nil {
		return nil, fmt.Errorf("pgevents: search projections: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (projectionRow, error) {
		var p projectionRow
		err := row.Scan(&p.Name, &p.ID, &p.Source, &p.State, &p.Metadata, &p.CreatedAt, &p.UpdatedAt)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgevents: search projections: %w", err)
	}
	return out, nil
}

func (d *database) projectionNames(ctx context.Context, limit int) ([]string, error) {
	rows, err := d.pool.Query(ctx, `SELECT name FROM pgevents.browse_projection_names(NULL, $1)`, limit)
	if err != nil {
		return nil, fmt.Errorf("pgevents: browse projection names: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("pgevents: browse projection names: %w", err)
	}
	return names, nil
}

// consumerStatusFunction is the consumers' status function the browser
// shows when it exists (consumers are an optional part of the kit): a
// set-returning function whose arguments, if any, all have defaults.
const consumerStatusFunction = "pgevents.consumer_status()"

// table is a result set of unknown shape, rendered generically.
type table struct {
	Columns []string
	Rows    [][]any
}

// consumers returns pgevents.consumer_status()'s rows, or nil when no such
// function can be called without arguments (all of them defaulted) by the
// connected role.
func (d *database) consumers(ctx context.Context, maxRows int) (*table, error) {
	var callable bool
	err := d.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p
		WHERE p.pronamespace = pg_catalog.to_regnamespace('pgevents') AND p.proname = 'consumer_status'
		  AND p.pronargs = p.pronargdefaults AND p.prokind = 'f' AND p.proretset
		  AND pg_catalog.has_function_privilege(p.oid, 'EXECUTE'))`).Scan(&callable)
	if err != nil {
		return nil, fmt.Errorf("pgevents: consumer status: %w", err)
	}
	if !callable {
		return nil, nil
	}
	rows, err := d.pool.Query(ctx, `SELECT * FROM `+consumerStatusFunction+` LIMIT $1`, maxRows)
	if err != nil {
		return nil, fmt.Errorf("pgevents: consumer status: %w", err)
	}
	defer rows.Close()
	t := &table{}
	for _, f := range rows.FieldDescriptions() {
		t.Columns = append(t.Columns, f.Name)
	}
	for rows.Next() {
		values, err := rows.Values()
		if err != nil {
			return nil, fmt.Errorf("pgevents: consumer status: %w", err)
		}
		t.Rows = append(t.Rows, values)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgevents: consumer status: %w", err)
	}
	return t, nil
}

// readOnlyRole reports whether the connected role can append (it should
// not: the browser only reads; see PoolConfig).
func (d *database) canAppend(ctx context.Context) (bool, error) {
	var can bool
	err := d.pool.QueryRow(ctx, `SELECT COALESCE((SELECT pg_catalog.has_function_privilege(p, 'EXECUTE')
		FROM (SELECT pg_catalog.to_regprocedure('pgevents.append(text,text,jsonb,jsonb,text)') AS p) f WHERE p IS NOT NULL), false)`).Scan(&can)
	if err != nil {
		return false, fmt.Errorf("pgevents: check privileges: %w", err)
	}
	return can, nil
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// invalidInput returns the typed invalid-input error in err: a
// *pgevents.InvalidInputError from pgstore, or a PostgreSQL error of class
// PE1 (PE101..PE115) whose DETAIL is {"field", "reason"}.
func invalidInput(err error) (*pgevents.InvalidInputError, bool) {
	var ie *pgevents.InvalidInputError
	if errors.As(err, &ie) {
		return ie, true
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || len(pe.Code) != 5 || pe.Code[:3] != "PE1" {
		return nil, false
	}
	var detail struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	}
	if json.Unmarshal([]byte(pe.Detail), &detail) != nil || detail.Field == "" {
		detail.Reason = pe.Message
	}
	return &pgevents.InvalidInputError{Code: pe.Code, Field: detail.Field, Reason: detail.Reason}, true
}
