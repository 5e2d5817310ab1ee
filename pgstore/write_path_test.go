package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/storetest"
)

// loginRoleSeq names the LOGIN roles the adversarial tests create (roles are
// cluster-wide; the pid keeps parallel test binaries apart).
var loginRoleSeq atomic.Int64

// loginAs creates a LOGIN role that is a member of memberOf (or of nothing)
// and returns a connection to pool's database as that role. The role is
// dropped when the test ends.
func loginAs(t *testing.T, pool *pgxpool.Pool, memberOf string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	role := fmt.Sprintf("pgevents_test_login_%d_%d", os.Getpid(), loginRoleSeq.Add(1))
	create := fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD 'attacker'", role)
	if memberOf != "" {
		create += " IN ROLE " + memberOf
	}
	_, err := pool.Exec(ctx, create)
	require.NoError(t, err)
	cfg := pool.Config().ConnConfig.Copy()
	cfg.User, cfg.Password = role, "attacker"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = conn.Close(context.Background())
		_, _ = pool.Exec(context.Background(), "DROP ROLE IF EXISTS "+role)
	})
	return conn
}

func readAll(t *testing.T, store *Store, stream string) []pgevents.Event {
	t.Helper()
	events, err := store.ReadStream(context.Background(), &pgevents.ReadStreamParams{Category: "account", Stream: stream, Limit: -1})
	require.NoError(t, err)
	return events
}

func requireSQLState(t *testing.T, want string, err error) {
	t.Helper()
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	require.Equal(t, want, pgErr.Code, pgErr.Message)
}

// TestAppend_LocksCannotBeTakenByOtherRoles is issue 8, item 6: a session
// that may connect must not be able to stall writers. Roles that are
// members of pgevents_reader, of pgevents_writer or of nothing take every
// lock they can in their own sessions; appends under every scope still
// finish (before the fix, an advisory lock on the well-known key stalled
// them until the context expired).
func TestAppend_LocksCannotBeTakenByOtherRoles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, pgx.QueryExecModeCacheStatement, 10)
	store := setupStore(t, pool, nil).store
	appendTo(t, store, "account", "victim", ev("Opened", `{}`))

	for _, memberOf := range []string{"pgevents_reader", "pgevents_writer", ""} {
		attacker := loginAs(t, pool, memberOf)
		// The keys the old write path locked exclusively: anyone may still
		// take them (shared, so that the attackers do not wait for each other).
		for _, key := range []string{"pgevents:stream:7:account:victim", "pgevents:category:7:account", "pgevents:log"} {
			_, err := attacker.Exec(ctx, "SELECT pg_advisory_lock_shared(hashtextextended($1, 0))", key)
			require.NoError(t, err)
		}
		for _, q := range []string{
			"SELECT 1 FROM pgevents.streams FOR UPDATE",
			"SELECT 1 FROM pgevents.streams FOR KEY SHARE",
			"SELECT 1 FROM pgevents.scope_locks FOR NO KEY UPDATE",
			"SELECT pgevents.lock_stream('account', 'victim', true)",
			"SELECT pgevents.lock_scope('log', NULL)",
		} {
			_, err := attacker.Exec(ctx, q)
			requireSQLState(t, "42501", err)
		}
		for _, q := range []string{"LOCK TABLE pgevents.streams IN ACCESS SHARE MODE", "LOCK TABLE pgevents.scope_locks IN EXCLUSIVE MODE",
			"LOCK TABLE pgevents.events IN SHARE MODE"} {
			tx, err := attacker.Begin(ctx)
			require.NoError(t, err)
			_, err = tx.Exec(ctx, q)
			requireSQLState(t, "42501", err)
			require.NoError(t, tx.Rollback(ctx))
		}
	}

	for i, scope := range []pgevents.Scope{pgevents.ScopeStream, pgevents.ScopeCategory, pgevents.ScopeLog} {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		res, err := store.AppendEvents(ctx, &pgevents.AppendParams{Category: "account", Stream: "victim", Scope: scope,
			Condition: pgevents.PositionIs(int64(i)), Events: []pgevents.NewEvent{ev("Deposited", `{}`)}})
		cancel()
		require.NoError(t, err, "scope %s", scope)
		require.Equal(t, int64(i+1), res.Events[0].Position)
	}
}

// TestAppend_RepeatableReadConflictIsRetryable is issue 8, item 21: a
// REPEATABLE READ (or SERIALIZABLE) transaction whose snapshot predates
// another transaction's committed append to the same stream fails with
// 40001, the documented retryable code, not 23505; nothing is written.
func TestAppend_RepeatableReadConflictIsRetryable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, pgx.QueryExecModeCacheStatement, 10)
	store := setupStore(t, pool, nil).store
	appendTo(t, store, "account", "a1", ev("Opened", `{}`))

	for _, iso := range []pgx.TxIsoLevel{pgx.RepeatableRead, pgx.Serializable} {
		for _, stream := range []string{"a1", "new-" + string(iso)} {
			tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: iso})
			require.NoError(t, err)
			_, err = tx.Exec(ctx, "SELECT 1") // the snapshot
			require.NoError(t, err)
			appendTo(t, store, "account", stream, ev("Concurrent", `{}`))
			before := readAll(t, store, stream)

			_, err = store.AppendEventsTx(ctx, tx, &pgevents.AppendParams{Category: "account", Stream: stream,
				Events: []pgevents.NewEvent{ev("Stale", `{}`)}})
			require.ErrorIs(t, err, pgevents.ErrRetryable, "%s, stream %s", iso, stream)
			var re *pgevents.RetryableError
			require.ErrorAs(t, err, &re)
			require.Equal(t, pgevents.CodeSerializationFailure, re.Code, "%s, stream %s: %v", iso, stream, err)
			require.NoError(t, tx.Rollback(ctx))

			require.Equal(t, before, readAll(t, store, stream), "nothing written")
		}
	}
}

// TestAppend_LimitsAndImportsMatchMemstore runs the same appends against
// PostgreSQL and memstore with the same lowered write limits and imports
// allowed, and requires the same errors (code, field, reason): in
// particular memstore's emulation of the JSON text size PostgreSQL
// measures, across the limit.
func TestAppend_LimitsAndImportsMatchMemstore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, pgx.QueryExecModeCacheStatement, 10)
	_, err := pool.Exec(ctx, `UPDATE pgevents.settings SET value = CASE name
	    WHEN 'max_append_events' THEN '100' WHEN 'max_append_size' THEN '65536'
	    WHEN 'max_event_size' THEN '65536' WHEN 'max_event_depth' THEN '32' ELSE value END`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, storetest.AllowObservedAtSQL)
	require.NoError(t, err)
	pg := setupStore(t, pool, nil).store
	mem := memstore.New(&memstore.Config{AllowObservedAt: true, Limits: memstore.Limits{
		MaxAppendEvents: 100, MaxAppendSize: 65536, MaxEventDepth: 32, MaxEventSize: 65536}})

	same := func(what string, params pgevents.AppendParams) {
		t.Helper()
		_, pgErr := pg.AppendEvents(ctx, &params)
		_, memErr := mem.AppendEvents(ctx, &params)
		if pgErr == nil || memErr == nil {
			require.Equal(t, pgErr == nil, memErr == nil, "%s: postgres %v, memstore %v", what, pgErr, memErr)
			return
		}
		var pgIE, memIE *pgevents.InvalidInputError
		require.ErrorAs(t, pgErr, &pgIE, what)
		require.ErrorAs(t, memErr, &memIE, what)
		require.Equal(t, *pgIE, *memIE, what)
		require.Equal(t, errors.Is(pgErr, pgevents.ErrLimitExceeded), errors.Is(memErr, pgevents.ErrLimitExceeded))
	}
	at := time.Date(2020, 1, 2, 3, 4, 5, 120000000, time.FixedZone("X", 3600))
	refused, accepted := 0, 0
	text, err := json.Marshal(strings.Repeat("é\"\u0001", 3000)) // 2 + 2 + 6 bytes each as PostgreSQL prints them
	require.NoError(t, err)
	payload := json.RawMessage(`{"text": ` + string(text) + `, "n": [1e3, 0.10, -0, 1E-2]}`)
	for n := 35000; n <= 35400; n += 7 {
		events := []pgevents.NewEvent{
			{Name: `Tab "quoted" ü`, Payload: payload, Metadata: json.RawMessage(`{"by": "x"}`), OccurredAt: at, ObservedAt: at},
			{Name: "Second", Payload: json.RawMessage(fmt.Sprintf("%q", strings.Repeat("x", n)))},
		}
		_, probe := mem.AppendEvents(ctx, &pgevents.AppendParams{Category: "probe", Stream: "p", Events: events})
		if probe != nil {
			refused++
		} else {
			accepted++
		}
		same(fmt.Sprintf("batch near max_append_size, n=%d", n), pgevents.AppendParams{Category: "size", Stream: fmt.Sprint(n), Events: events})
	}
	require.Positive(t, refused, "the sweep crosses the limit")
	require.Positive(t, accepted, "the sweep crosses the limit")

	many := make([]pgevents.NewEvent, 101)
	for i := range many {
		many[i] = ev("E", "{}")
	}
	same("101 events", pgevents.AppendParams{Category: "c", Stream: "count", Events: many})
	same("100 events", pgevents.AppendParams{Category: "c", Stream: "count", Events: many[:100]})
	same("one event too large", pgevents.AppendParams{Category: "c", Stream: "big", Events: []pgevents.NewEvent{
		{Name: "A", Payload: json.RawMessage(fmt.Sprintf("%q", strings.Repeat("x", 65531)))}}})
	same("metadata 33 deep", pgevents.AppendParams{Category: "c", Stream: "deep", Events: []pgevents.NewEvent{
		{Name: "A", Metadata: json.RawMessage(strings.Repeat("[", 33) + strings.Repeat("]", 33))}}})
	same("payload 32 deep", pgevents.AppendParams{Category: "c", Stream: "deep", Events: []pgevents.NewEvent{
		{Name: "A", Payload: json.RawMessage(strings.Repeat(`{"a":`, 31) + "{}" + strings.Repeat("}", 31))}}})
	same("an import", pgevents.AppendParams{Category: "c", Stream: "imports", Events: []pgevents.NewEvent{
		{Name: "A", ObservedAt: at.Add(time.Hour)}}})
	same("an import earlier than the latest", pgevents.AppendParams{Category: "c", Stream: "imports", Events: []pgevents.NewEvent{
		{Name: "B", ObservedAt: at}}})
	same("an import earlier than the one before it in the batch", pgevents.AppendParams{Category: "c", Stream: "imports", Events: []pgevents.NewEvent{
		{Name: "B", ObservedAt: at.Add(2 * time.Hour)}, {Name: "C", ObservedAt: at.Add(90 * time.Minute)}}})
}
