package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pgevents/pgevents/pgstore"
)

// env is what variants share within one (group, client count) block.
type env struct {
	layout  layout
	cursors []cursor
	data    *eventData
	// rawPosition hands out positions for the raw INSERTs: unique across
	// the table, above every preloaded position, so they never conflict.
	rawPosition atomic.Int64
	// conns has one connection per client, shared by the SQL variants.
	conns []*pgx.Conn
	// pool has MaxConns = clients, for the driver variants.
	pool *pgxpool.Pool
	// stores are the driver variants' Stores of the current cell, by
	// variant key (for their group-commit statistics).
	stores map[string]*pgstore.Store
}

// variant is one line of the result table.
type variant struct {
	key      string // stable id, used by -only and in the table
	name     string
	group    string
	baseline bool
	optional bool // only with -only
	ops      func(ctx context.Context, e *env) ([]op, error)
}

const eventName = "OrderConfirmed"

// eventData holds pre-built events, so the client spends the same little
// CPU on every variant (it shares the machine's two cores with the server).
type eventData struct {
	payloads  []string // ~230-byte JSON objects
	metadatas []string // ~150-byte JSON objects
	one       []string // JSON arrays of one event, for pgevents.append
	ten       []string // JSON arrays of ten events
	bodies    []string // one event's JSON object without its opening brace
}

// withIDs returns a JSON array of events events starting at i, each with a
// new UUIDv7 id (what pgstore sends).
func (d *eventData) withIDs(i, events int) (string, error) {
	var b strings.Builder
	b.WriteByte('[')
	for j := 0; j < events; j++ {
		id, err := uuid.NewV7()
		if err != nil {
			return "", err
		}
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":"`)
		b.WriteString(id.String())
		b.WriteString(`",`)
		b.WriteString(d.bodies[(i+j)%len(d.bodies)])
	}
	b.WriteByte(']')
	return b.String(), nil
}

func newEventData(n int, seed uint64) *eventData {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	uid := func() string {
		var b [16]byte
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		return uuid.UUID(b).String()
	}
	d := &eventData{}
	for i := 0; i < n; i++ {
		d.payloads = append(d.payloads, fmt.Sprintf(`{"order_id":"%s","customer":"customer-%05d","amount":%d,"currency":"EUR","status":"confirmed","lines":[{"sku":"SKU-%04d","qty":%d,"price":1999}],"note":"written by pgevents-bench"}`,
			uid(), r.IntN(100000), r.IntN(100000), r.IntN(10000), 1+r.IntN(5)))
		d.metadatas = append(d.metadatas, fmt.Sprintf(`{"correlation_id":"%s","causation_id":"%s","user":"user-%04d","source":"pgevents-bench"}`,
			uid(), uid(), r.IntN(10000)))
	}
	event := func(i int) string {
		i %= n
		return `{"name":"` + eventName + `","payload":` + d.payloads[i] + `,"metadata":` + d.metadatas[i] + `}`
	}
	for i := 0; i < n; i++ {
		d.bodies = append(d.bodies, event(i)[1:])
		d.one = append(d.one, "["+event(i)+"]")
		parts := make([]string, 10)
		for j := range parts {
			parts[j] = event(i + j)
		}
		d.ten = append(d.ten, "["+strings.Join(parts, ",")+"]")
	}
	return d
}

// drain reads every row of a result without decoding it (like pgbench) and
// returns how many there were.
func drain(rows pgx.Rows) (int, error) {
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	return n, rows.Err()
}

func expect(n, want int, err error) (int, error) {
	if err == nil && n != want {
		err = fmt.Errorf("got %d rows, want %d", n, want)
	}
	return n, err
}

// perClient builds one op per connection, each with its own random source.
func perClient(e *env, build func(conn *pgx.Conn, r *rand.Rand) op) []op {
	ops := make([]op, len(e.conns))
	for i, c := range e.conns {
		ops[i] = build(c, rand.New(rand.NewPCG(uint64(i)+1, uint64(len(e.conns)))))
	}
	return ops
}

// randomStream picks one of the preloaded streams.
func (e *env) randomStream(r *rand.Rand) (category, stream string) {
	s := r.IntN(e.layout.streams)
	return e.layout.category(s), e.layout.stream(s)
}

const rawInsert1 = `INSERT INTO bench.raw_events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, now(), now())`

// rawInsert10 is one 10-row INSERT (one statement, one round trip, one
// transaction): rows share category, stream and name, positions $3..$3+9.
var rawInsert10 = func() string {
	var b strings.Builder
	b.WriteString("INSERT INTO bench.raw_events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at) VALUES\n")
	for i := 0; i < 10; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "(gen_random_uuid(), $1, $2, $3::bigint + %d, $4, $%d, $%d, now(), now())", i, 5+2*i, 6+2*i)
	}
	return b.String()
}()

const appendSQL = `SELECT * FROM pgevents.append($1, $2, $3::jsonb, NULL, $4)`

func rawAppend1(ctx context.Context, e *env) ([]op, error) {
	return perClient(e, func(conn *pgx.Conn, r *rand.Rand) op {
		return func(ctx context.Context) (int, error) {
			c, s := e.randomStream(r)
			i := r.IntN(len(e.data.payloads))
			_, err := conn.Exec(ctx, rawInsert1, c, s, e.rawPosition.Add(1), eventName, e.data.payloads[i], e.data.metadatas[i])
			return 1, err
		}
	}), nil
}

func rawAppend10(ctx context.Context, e *env) ([]op, error) {
	return perClient(e, func(conn *pgx.Conn, r *rand.Rand) op {
		args := make([]any, 24)
		return func(ctx context.Context) (int, error) {
			c, s := e.randomStream(r)
			i := r.IntN(len(e.data.payloads))
			args[0], args[1], args[2], args[3] = c, s, e.rawPosition.Add(10)-9, eventName
			for j := 0; j < 10; j++ {
				k := (i + j) % len(e.data.payloads)
				args[4+2*j], args[5+2*j] = e.data.payloads[k], e.data.metadatas[k]
			}
			_, err := conn.Exec(ctx, rawInsert10, args...)
			return 10, err
		}
	}), nil
}

func fnAppend(events int, scope string) func(ctx context.Context, e *env) ([]op, error) {
	return fnAppendSQL(appendSQL, events, scope, false)
}

// fnAppendIDs is fnAppend (scope stream) with client-generated UUIDv7 ids,
// as pgstore sends them: pgevents.append then also runs its idempotent-retry
// check by id.
func fnAppendIDs(events int) func(ctx context.Context, e *env) ([]op, error) {
	return fnAppendSQL(appendSQL, events, "stream", true)
}

// fnAppendSQL calls an append function (query takes category, stream,
// events, scope) with events random pre-built events, with or without
// client ids, and drains the returned rows.
func fnAppendSQL(query string, events int, scope string, ids bool) func(ctx context.Context, e *env) ([]op, error) {
	return func(ctx context.Context, e *env) ([]op, error) {
		arrays := e.data.one
		if events == 10 {
			arrays = e.data.ten
		}
		return perClient(e, func(conn *pgx.Conn, r *rand.Rand) op {
			return func(ctx context.Context) (int, error) {
				c, s := e.randomStream(r)
				body := arrays[r.IntN(len(arrays))]
				if ids {
					var err error
					if body, err = e.data.withIDs(r.IntN(len(e.data.bodies)), events); err != nil {
						return 0, err
					}
				}
				rows, err := conn.Query(ctx, query, c, s, body, scope)
				if err != nil {
					return 0, err
				}
				n, err := drain(rows)
				return expect(n, events, err)
			}
		}), nil
	}
}

// The read variants: a 1000-event page of a category from a random cursor.
const (
	pageSize        = 1000
	readCategorySQL = `SELECT * FROM pgevents.read_category($1, $2::xid8, $3, 1000)`
	// rawFencedSQL is what read_category runs, as a plain statement.
	rawFencedSQL = `SELECT * FROM pgevents.events e
 WHERE e.category = $1 AND (e.transaction_id, e.sequence_number) > ($2::xid8, $3::bigint)
   AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
 ORDER BY e.transaction_id, e.sequence_number LIMIT 1000`
	// rawSequenceSQL is the legacy page: sequence order, no fence.
	rawSequenceSQL = `SELECT * FROM pgevents.events e
 WHERE e.category = $1 AND e.sequence_number > $2
 ORDER BY e.sequence_number LIMIT 1000`
)

func readPage(query string, withTx bool) func(ctx context.Context, e *env) ([]op, error) {
	return func(ctx context.Context, e *env) ([]op, error) {
		return perClient(e, func(conn *pgx.Conn, r *rand.Rand) op {
			return func(ctx context.Context) (int, error) {
				c := e.cursors[r.IntN(len(e.cursors))]
				var rows pgx.Rows
				var err error
				if withTx {
					rows, err = conn.Query(ctx, query, c.category, c.txid, c.seq)
				} else {
					rows, err = conn.Query(ctx, query, c.category, c.seq)
				}
				if err != nil {
					return 0, err
				}
				n, err := drain(rows)
				return expect(n, pageSize, err)
			}
		}), nil
	}
}
