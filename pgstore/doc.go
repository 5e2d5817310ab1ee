// Package pgstore is the PostgreSQL adapter of pgevents: a pgevents.Store
// over a pgx/v5 pool that calls the pgevents SQL functions through package
// pgeventsdb. Every rule (names, write conditions, positions, the ordering
// guarantee, idempotent retries) is enforced in SQL; pgstore converts types,
// maps SQLSTATEs to pgevents' typed errors, generates missing event ids and
// retries conflicts in transactions it owns.
//
// # Use
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	...
//	store, err := pgstore.New(pool, nil) // nil: the default Config
//	...
//	client := pgevents.NewClient(store)
//	events, err := client.Stream("account", "42").Append(ctx, []pgevents.NewEvent{
//		{Name: "opened", Payload: json.RawMessage(`{"owner":"ada"}`)},
//	}, &pgevents.AppendOpts{Condition: pgevents.StreamIsEmpty()})
//
// The database must be migrated with pgevents.Migrate.
//
// # Transactions
//
// A Store runs each operation in a transaction of its own, and retries it on
// a retryable conflict (pgevents.ErrRetryable: SQLSTATE 40001, 40P01, or
// 23505 on the events' unique keys) up to Config.MaxRetries times with a
// short jittered backoff. Event ids are generated once, before the first
// attempt, and kept in the caller's *AppendParams (AppendParams.EventsWithIDs),
// so an internal retry, and a caller's retry of the same *AppendParams after
// an error whose outcome it cannot know (a lost connection), are
// idempotent.
//
// # Reads
//
// Rows are scanned without decoding their JSON: Event.Payload and Metadata
// (and a projection's State and Metadata) are the bytes PostgreSQL sent, so
// a stored document that encoding/json cannot decode (nested beyond its
// 10,000 levels, say) never fails a read or stops a Scan; decoding, and its
// error, belong to that one event (see package typed).
//
// To append atomically with an application's own writes, bind the Store to
// the application's transaction with WithTx, or call the ...Tx variants
// (AppendEventsTx, ...). Such calls commit or roll back with the
// application's transaction and are never retried: on ErrRetryable, roll
// back and retry the whole transaction. Append early in the transaction
// (see WithTx).
//
//	tx, err := pool.Begin(ctx)
//	...
//	defer tx.Rollback(ctx)
//	if _, err := tx.Exec(ctx, "UPDATE accounts SET ..."); err != nil { ... }
//	if _, err := store.AppendEventsTx(ctx, tx, &pgevents.AppendParams{...}); err != nil { ... }
//	return tx.Commit(ctx)
//
// # Connection poolers
//
// pgstore issues single statements with bind parameters and no session
// state, so it works with every pgx.QueryExecMode, including
// QueryExecModeSimpleProtocol for PgBouncer in transaction mode.
//
// # Replicas, telemetry and stats
//
// Config.ReadPool sends reads and scans to another pool, typically a hot
// standby, while appends stay on the pool given to New; resumable reads keep
// their guarantee there (the standby's own snapshot fence), later by the
// replay lag. Config.TracerProvider and Config.MeterProvider (default: the
// global OpenTelemetry providers, no-ops unless the application installs an
// SDK) receive a span per call and counters, a duration histogram and fence
// gauges (see InstrumentationName and the README); pgstore depends on the
// OpenTelemetry API only. LogStats, CategoryStats and EventNameStats report
// counts and rates at a cost that does not grow with the number of events
// (exact within a count budget, else flagged planner estimates).
//
// # Consumers
//
// ConsumerStore is the PostgreSQL consumer.Store (consumer groups,
// checkpoints, leases, parked events; see package consumer): handlers get
// the pgx.Tx in which the checkpoint is saved. Notifier wakes consumers
// with one coalesced NOTIFY sent after appends commit (wire its Appended as
// Config.AfterAppend) and a LISTEN connection (consumer.Config.Waker).
//
// # Errors
//
// Errors match pgevents' sentinels with errors.Is and its detail types with
// errors.As: *pgevents.ConditionError for unmet conditions (with the SQLSTATE
// in Code, the failed Condition, the stream's latest Position and, for an
// "or", its Failures), *pgevents.InvalidInputError for invalid input, a
// *pgevents.RetryableError for retryable conflicts, and pgevents.ErrNotFound
// for LatestEvent on an empty source. Other errors (connection, context) are
// wrapped with the operation's name.
//
// # Contract suite
//
// pgstore's tests run the storetest contract suite against it, under the
// default exec mode and the simple protocol; a third-party adapter wires the
// suite the same way (see storetest_test.go).
package pgstore
