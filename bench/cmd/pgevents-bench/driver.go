package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/jackc/pgx/v5"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgstore"
)

// The driver path: what an application pays per append through Go, with
// client-side JSON encoding of []pgevents.NewEvent and decoding of the
// stored events, on a pgxpool shared by the clients.

// newEvents pre-builds batches of NewEvents from the shared data.
func newEvents(d *eventData, events int) [][]pgevents.NewEvent {
	out := make([][]pgevents.NewEvent, len(d.payloads))
	for i := range out {
		batch := make([]pgevents.NewEvent, events)
		for j := range batch {
			k := (i + j) % len(d.payloads)
			batch[j] = pgevents.NewEvent{Name: eventName,
				Payload: json.RawMessage(d.payloads[k]), Metadata: json.RawMessage(d.metadatas[k])}
		}
		out[i] = batch
	}
	return out
}

// poolOps builds one op per client on the shared pool.
func poolOps(e *env, build func(r *rand.Rand) op) []op {
	ops := make([]op, len(e.conns))
	for i := range ops {
		ops[i] = build(rand.New(rand.NewPCG(uint64(i)+1, uint64(len(e.conns))+7)))
	}
	return ops
}

const appendColumnsSQL = `SELECT sequence_number, transaction_id, id, category, stream, position, name, payload, metadata, occurred_at, observed_at
  FROM pgevents.append($1, $2, $3::jsonb, NULL, $4)`

// pgxAppend is the driver path without pgstore: pgx calls pgevents.append on
// the pool and scans every returned row into a pgevents.Event.
func pgxAppend(events int) func(ctx context.Context, e *env) ([]op, error) {
	return func(ctx context.Context, e *env) ([]op, error) {
		batches := newEvents(e.data, events)
		return poolOps(e, func(r *rand.Rand) op {
			return func(ctx context.Context) (int, error) {
				c, s := e.randomStream(r)
				body, err := json.Marshal(batches[r.IntN(len(batches))])
				if err != nil {
					return 0, err
				}
				rows, err := e.pool.Query(ctx, appendColumnsSQL, c, s, body, string(pgevents.ScopeStream))
				if err != nil {
					return 0, err
				}
				stored, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (pgevents.Event, error) {
					var ev pgevents.Event
					err := row.Scan(&ev.SequenceNumber, &ev.TransactionID, &ev.ID, &ev.Category, &ev.Stream,
						&ev.Position, &ev.Name, &ev.Payload, &ev.Metadata, &ev.OccurredAt, &ev.ObservedAt)
					return ev, err
				})
				if err == nil && len(stored) != events {
					err = fmt.Errorf("got %d events, want %d", len(stored), events)
				}
				return len(stored), err
			}
		}), nil
	}
}

// storeAppend is the driver path: pgstore.Store.AppendEvents on a pool of
// one connection per client. pgstore gives every event a UUIDv7 id on the
// client, so pgevents.append also runs its idempotent-retry lookup. cfg
// configures the Store (nil: the defaults, group commit on); the Store is
// kept in e.stores under key, for its group-commit statistics.
func storeAppend(key string, events int, cfg *pgstore.Config) func(ctx context.Context, e *env) ([]op, error) {
	return func(ctx context.Context, e *env) ([]op, error) {
		store, err := pgstore.New(e.pool, cfg)
		if err != nil {
			return nil, err
		}
		if e.stores == nil {
			e.stores = map[string]*pgstore.Store{}
		}
		e.stores[key] = store
		batches := newEvents(e.data, events)
		return poolOps(e, func(r *rand.Rand) op {
			return func(ctx context.Context) (int, error) {
				c, s := e.randomStream(r)
				res, err := store.AppendEvents(ctx, &pgevents.AppendParams{Category: c, Stream: s,
					Events: batches[r.IntN(len(batches))]})
				if err != nil {
					return 0, err
				}
				if len(res.Events) != events {
					return len(res.Events), fmt.Errorf("got %d events, want %d", len(res.Events), events)
				}
				return events, nil
			}
		}), nil
	}
}

// driverVariant is the Go driver row of the append groups, with the
// default configuration: concurrent appends coalesced (group commit).
func driverVariant(events int) variant {
	key := fmt.Sprintf("driver-%d", events)
	return variant{key: key, group: fmt.Sprintf("append-%d", events),
		name: fmt.Sprintf("Go driver: pgstore.AppendEvents, %d event(s), group commit (default)", events), ops: storeAppend(key, events, nil)}
}

// driverSingleVariant is the Go driver with group commit off: one
// pgevents.append transaction per call.
func driverSingleVariant(events int) variant {
	key := fmt.Sprintf("driver-%d-single", events)
	return variant{key: key, group: fmt.Sprintf("append-%d", events),
		name: fmt.Sprintf("Go driver: pgstore.AppendEvents, %d event(s), group commit off", events),
		ops:  storeAppend(key, events, &pgstore.Config{DisableGroupCommit: true})}
}

// driverInFlightVariant is the Go driver with group commit and n batches
// in flight at most (Config.GroupCommitMaxInFlight), for tuning its default.
func driverInFlightVariant(events, n int) variant {
	key := fmt.Sprintf("driver-%d-inflight%d", events, n)
	return variant{key: key, group: fmt.Sprintf("append-%d", events),
		name: fmt.Sprintf("Go driver: pgstore.AppendEvents, %d event(s), group commit, %d batches in flight", events, n),
		ops:  storeAppend(key, events, &pgstore.Config{GroupCommitMaxInFlight: n})}
}

// driverMaxEventsVariant is the Go driver with group commit coalescing
// appends of up to maxEvents events (Config.GroupCommitMaxAppendEvents),
// for tuning its default.
func driverMaxEventsVariant(events, maxEvents int) variant {
	key := fmt.Sprintf("driver-%d-maxevents%d", events, maxEvents)
	return variant{key: key, group: fmt.Sprintf("append-%d", events),
		name: fmt.Sprintf("Go driver: pgstore.AppendEvents, %d event(s), group commit of appends of ≤ %d events", events, maxEvents),
		ops:  storeAppend(key, events, &pgstore.Config{GroupCommitMaxAppendEvents: maxEvents})}
}

// driverMinBatchVariant is the Go driver with group commit and batches of
// at least n appends before another is opened (Config.GroupCommitMinBatch),
// for tuning its default.
func driverMinBatchVariant(events, n int) variant {
	key := fmt.Sprintf("driver-%d-minbatch%d", events, n)
	return variant{key: key, group: fmt.Sprintf("append-%d", events),
		name: fmt.Sprintf("Go driver: pgstore.AppendEvents, %d event(s), group commit, batches of ≥ %d", events, n),
		ops:  storeAppend(key, events, &pgstore.Config{GroupCommitMinBatch: n})}
}

// batchStats summarises a Store's group commit: batches, mean appends per
// batch, and the batch size at the 50th/90th percentile of appends and the
// largest (warm-up included).
func batchStats(st pgstore.GroupCommitStats) string {
	if st.Batches == 0 {
		return "no batches"
	}
	pct := func(p float64) int {
		want, seen := int64(float64(st.Items)*p), int64(0)
		for n, c := range st.Sizes {
			if seen += int64(n) * c; seen >= want && c > 0 {
				return n
			}
		}
		return len(st.Sizes) - 1
	}
	return fmt.Sprintf("%d batches, %.1f appends/batch (appends in batches of ≥ %d: half; ≥ %d: 10%%; largest %d), %d retries, %d fallbacks",
		st.Batches, st.MeanBatch(), pct(0.5), pct(0.9), len(st.Sizes)-1, st.Retries, st.Fallbacks)
}

// pgxVariant is the driver path without pgstore (pgx + pgevents.append,
// rows scanned into pgevents.Event), for comparison.
func pgxVariant(events int) variant {
	return variant{key: fmt.Sprintf("pgx-%d", events), group: fmt.Sprintf("append-%d", events),
		name: fmt.Sprintf("pgx + pgevents.append, rows scanned, %d event(s)", events), ops: pgxAppend(events)}
}
