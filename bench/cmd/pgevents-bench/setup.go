package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/pgevents/pgevents"
)

// The baseline table: the same shape as pgevents.events (columns, the xid8
// default, identity, constraints and indexes, via LIKE ... INCLUDING ALL),
// written with plain INSERTs, no pgevents functions.
const rawTableDDL = `
CREATE SCHEMA IF NOT EXISTS bench;
DROP TABLE IF EXISTS bench.raw_events;
CREATE TABLE bench.raw_events (LIKE pgevents.events INCLUDING ALL);
`

// migrate installs pgevents with pgevents.Migrate.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	return pgevents.Migrate(ctx, db)
}

// layout is the shape of the preloaded data: streams s-0 .. s-(streams-1),
// stream s-i in category cat-(i mod categories), perStream events each,
// inserted interleaved (position by position across all streams) in
// transactions of batch positions, so the log has many transaction ids.
type layout struct {
	categories int
	streams    int
	perStream  int
	batch      int
}

func (l layout) category(stream int) string { return fmt.Sprintf("cat-%d", stream%l.categories) }
func (l layout) stream(stream int) string   { return fmt.Sprintf("s-%d", stream) }

// Payload and metadata of the preloaded events, ~230 and ~150 bytes of JSON
// like the events the appends write.
const (
	seedPayload = `pg_catalog.jsonb_build_object(
  'order_id', md5(s::text || ':' || p), 'customer', 'customer-' || (s * 7919 % 100000),
  'amount', (s * 31 + p) % 100000, 'currency', 'EUR', 'status', 'confirmed',
  'lines', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('sku', 'SKU-' || (s % 9973), 'qty', 1 + p % 5, 'price', 1999)),
  'note', 'seeded by pgevents-bench')`
	seedMetadata = `pg_catalog.jsonb_build_object(
  'correlation_id', md5(p::text || ':' || s), 'causation_id', md5(s::text || '/' || p),
  'user', 'user-' || (s % 1000), 'source', 'pgevents-bench')`
)

// preload bulk-loads the layout into pgevents.events (as the owner: INSERT
// is allowed, only UPDATE/DELETE/TRUNCATE are blocked) and copies it into
// the raw table, so both start equally large; then VACUUM ANALYZE and a
// CHECKPOINT.
func preload(ctx context.Context, conn *pgx.Conn, l layout) error {
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pgevents.events").Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("pgevents.events already holds %d events; preload wants an empty database", n)
	}
	t0 := time.Now()
	for p0 := 0; p0 < l.perStream; p0 += l.batch {
		p1 := min(p0+l.batch, l.perStream) - 1
		q := fmt.Sprintf(`INSERT INTO pgevents.events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
SELECT gen_random_uuid(), 'cat-' || (s %% %d), 's-' || s, p, 'OrderConfirmed', %s, %s, now(), now()
  FROM generate_series(%d, %d) AS p, generate_series(0, %d) AS s
 ORDER BY p, s`, l.categories, seedPayload, seedMetadata, p0, p1, l.streams-1)
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("preload: %w", err)
		}
	}
	log.Printf("preloaded %d events into pgevents.events in %s", l.streams*l.perStream, time.Since(t0).Round(time.Millisecond))
	// The streams' lock rows, as their first append would create them, so
	// every measured append finds its stream's row (the steady state).
	if _, err := conn.Exec(ctx, `INSERT INTO pgevents.streams (category, stream)
SELECT DISTINCT category, stream FROM pgevents.events
ON CONFLICT DO NOTHING`); err != nil {
		return fmt.Errorf("preload streams: %w", err)
	}
	t0 = time.Now()
	if _, err := conn.Exec(ctx, `INSERT INTO bench.raw_events (transaction_id, id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
SELECT transaction_id, id, category, stream, position, name, payload, metadata, occurred_at, observed_at
  FROM pgevents.events ORDER BY sequence_number`); err != nil {
		return fmt.Errorf("preload raw: %w", err)
	}
	log.Printf("copied them into bench.raw_events in %s", time.Since(t0).Round(time.Millisecond))
	return settle(ctx, conn)
}

// settle vacuums, analyzes and checkpoints, so every variant starts from
// the same clean state.
func settle(ctx context.Context, conn *pgx.Conn) error {
	t0 := time.Now()
	for _, q := range []string{"VACUUM (ANALYZE) pgevents.events", "VACUUM (ANALYZE) pgevents.streams", "VACUUM (ANALYZE) bench.raw_events", "CHECKPOINT"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	log.Printf("vacuum analyze + checkpoint in %s", time.Since(t0).Round(time.Millisecond))
	return nil
}

// cursor is a resume point inside a category with at least a page of
// events after it.
type cursor struct {
	category string
	txid     uint64 // xid8
	seq      int64
}

// cursors samples resume points that leave at least minAfter events of their
// category behind them (positions are interleaved, so a position below
// perStream - minAfter/streamsPerCategory - 1 leaves enough).
func cursors(ctx context.Context, conn *pgx.Conn, l layout, minAfter int) ([]cursor, error) {
	streamsPerCategory := l.streams / l.categories
	maxPos := l.perStream - minAfter/streamsPerCategory - 2
	if maxPos < 0 {
		return nil, fmt.Errorf("layout too small for %d-event pages", minAfter)
	}
	rows, err := conn.Query(ctx, `SELECT category, transaction_id, sequence_number FROM pgevents.events
 WHERE position <= $1 AND sequence_number % 97 = 0 ORDER BY sequence_number`, maxPos)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cursor, error) {
		var c cursor
		err := r.Scan(&c.category, &c.txid, &c.seq)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no read cursors: is the data preloaded?")
	}
	return out, nil
}
