// Package memstore is an in-memory pgevents.Store, for tests and
// experiments: the same positions, conditions, errors (with the same codes
// and fields), ordering and idempotent retries as the PostgreSQL adapter
// (pgstore), without a database. It passes the contract suite in package
// storetest.
//
//	store := memstore.New(nil)
//	client := pgevents.NewClient(store)
//	events, err := client.Stream("account", "a1").Append(ctx, []pgevents.NewEvent{{Name: "Opened"}},
//		&pgevents.AppendOpts{Condition: pgevents.StreamIsEmpty()})
//
// A Store is safe for concurrent use. It keeps every event in memory until
// it is garbage collected; nothing is persisted.
//
// # Custom conditions
//
// Custom write condition types are Go functions registered in
// Config.Conditions, where PostgreSQL uses SQL functions registered with
// pgevents.register_condition_type. A condition names them by type, as
// with pgstore:
//
//	store := memstore.New(&memstore.Config{Conditions: map[string]memstore.ConditionFunc{
//		"balance_at_least": func(category, stream string, latest *pgevents.Event, c pgevents.Condition) (bool, error) { ... },
//	}})
//	_, err := client.Stream("account", "a1").Append(ctx, events,
//		&pgevents.AppendOpts{Condition: pgevents.Custom("balance_at_least", map[string]any{"amount": 10})})
//
// # Differences from PostgreSQL
//
// memstore follows the SQL functions (sql/functions) rule by rule, checks in
// the same order and reports the same codes and fields. What differs:
//
//   - Serialisation: every write takes one store-wide lock, so writes are
//     serialised whatever their scope. Scopes are validated (PE105) and
//     otherwise ignored. There is never a retryable conflict (no 40001
//     transaction id inversion, deadlock or unique violation).
//   - The fence: every committed append is at once visible to ReadEvents
//     (there is no snapshot fence to wait for, and no fence lag to report).
//   - Cursors: TransactionID is a counter per store (from 1), taken by each
//     append call (or InTx transaction) at its first insert; it stands in
//     for PostgreSQL's xid8 and is not comparable with one. SequenceNumber
//     is a counter per store from 1. Both only have gaps where an append
//     inserted and was then undone (a multi-stream append failing on a
//     later stream, a failed InTx); PostgreSQL's have more.
//   - Transactions: there are no caller database transactions (pgstore's
//     WithTx(pgx.Tx) and ...Tx methods). Store.InTx groups calls into one
//     transaction instead; it holds the store-wide lock throughout (other
//     goroutines, readers included, wait). A failed call inside it undoes
//     only itself, as if in a savepoint, where PostgreSQL aborts the whole
//     transaction.
//   - JSON: payloads and metadata are returned in jsonb's text form, as
//     PostgreSQL returns them (keys sorted shorter-first then bytewise,
//     the last of duplicate keys kept, `{"a": 1, "b": [2, 3]}` spacing,
//     numbers as numeric prints them, e.g. 1e2 as 100), and compared with
//     jsonb equality (1.0 = 1) for idempotent retries. JSON that jsonb
//     refuses (\u0000, lone surrogates, invalid UTF-8, numbers out of
//     numeric's range) fails with PE102 on the event (field "events[i]"),
//     where PostgreSQL raises its own SQLSTATE.
//   - Timestamps: observed_at comes from Config.Clock (not a database
//     server's clock), read under the lock as PostgreSQL does, but only when
//     a stream gets an event without ObservedAt. Times are truncated to
//     microseconds in UTC, as pgevents' drivers send them; years must be 1
//     to 9999 in UTC (PE102). Config.AllowObservedAt stands for the
//     installation setting allow_observed_at (off by default).
//   - Write limits: Config.Limits stands for PostgreSQL's installation
//     settings (max_event_size, max_event_depth, max_append_events,
//     max_append_size), with the same defaults, floors, order of checks and
//     errors (PE112); sizes are measured on the JSON text PostgreSQL would
//     print, of the request pgstore would send.
//   - Generated ids are UUIDv7, as pgstore generates them (the SQL API on
//     its own uses gen_random_uuid, v4).
//   - Custom conditions are Go functions that see only the stream's latest
//     event (a SQL function may read anything), run under the store-wide
//     lock (they must not call the store), and are registered at New only.
//     Their error fails the append and is returned wrapped, untyped.
//   - ctx is checked when a call starts; waiting for the lock (during
//     another goroutine's InTx) is not interruptible.
//   - Errors: the same types, codes and fields as pgstore, and mostly the
//     same reasons (checks pgstore makes while encoding a request, such as
//     JSON validity, word theirs differently). There are no connection
//     errors, and no retryable ones.
//   - Not provided: least-privilege roles, immutability triggers (memstore
//     has no way to change or delete an event at all), the legacy
//     read_log_by_sequence, and FenceLag.
//
// The in-memory projection store of this package (ProjectionStore) is
// documented on its type.
package memstore
