// Package storetest is the contract suite of pgevents.Store: every
// behaviour of SPEC §1-3 and §6 that a Store must have, as Go subtests any
// adapter runs against itself. pgstore (PostgreSQL) and memstore (in memory)
// both pass it; a third-party adapter should too.
//
// # Running it
//
// Call Run from a test of the adapter's package with a factory that returns
// an EMPTY store for each subtest (that allows imports, see below):
//
//	func TestStore_Contract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) pgevents.Store {
//			return newEmptyStore(t) // cleaned up with t.Cleanup
//		})
//	}
//
// Subtests are named Method/Behaviour (for example
// "AppendEvents/PositionsAreContiguousFromLatest"), so -run selects an area
// or a single behaviour. Each subtest gets a fresh store from the factory,
// and fails at once if the store is not empty. Benchmark measures appends
// and reads the same way, RunProjectionStore is the suite of
// projection.Store, and RunConsumers the suite of consumer.Store (consumer
// groups, SPEC §7).
//
// # The custom condition the factory must register
//
// Stores must support custom condition types. The suite uses one, named
// "position_below" (PositionBelowType), with parameters {"max": N}: it is met
// when the stream is empty or its latest position is below N. The factory's
// store must have it registered.
//
// With pgstore (PostgreSQL), run PositionBelowSQL once in the database (or
// in the template it is cloned from) after pgevents.Migrate, as a role
// allowed to call pgevents.register_condition_type (the schema owner). It
// creates the function public.storetest_position_below and registers it.
//
// With memstore, pass PositionBelow in the Config:
//
//	memstore.New(&memstore.Config{Conditions: map[string]memstore.ConditionFunc{
//		storetest.PositionBelowType: storetest.PositionBelow,
//	}})
//
// # Imports: the factory's store must accept observed_at
//
// Recording times (NewEvent.ObservedAt) may only be set by imports, and a
// store refuses them by default (PE102). The suite covers imports, so the
// factory's store must allow them: with pgstore, run AllowObservedAtSQL
// once in the database as its owner (it sets the installation setting
// allow_observed_at); with memstore, set Config.AllowObservedAt. The write
// limits must be the defaults (see sql/errcodes.md, PE112).
//
// # Timing and the fence
//
// The suite never calls t.Parallel: PostgreSQL's snapshot fence is
// cluster-wide, so parallel databases of one cluster hold back each other's
// category and log reads. Where a resumable read (ReadEvents, Scan) must see
// events just committed, the suite polls with a short deadline (10 seconds);
// an adapter without a fence, such as memstore, passes at once. Tests of
// observed_at assume the store's clock is within a minute of the test's.
//
// Failures are reported with require; errors are matched with errors.Is and
// errors.As against the root package's sentinels, detail types and Code*
// constants, and JSON is compared semantically (require.JSONEq), since
// PostgreSQL's jsonb re-encodes it.
package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

// PositionBelowType is the custom condition type the suite uses; see the
// package documentation.
const PositionBelowType = "position_below"

// PositionBelow implements the "position_below" condition for memstore's
// Config.Conditions: met when the stream is empty or its latest position is
// below condition.Params["max"] (a JSON number). It returns an error when
// "max" is missing or not a number.
func PositionBelow(category, stream string, latest *pgevents.Event, condition pgevents.Condition) (bool, error) {
	maxPos, ok := condition.Params["max"].(float64)
	if !ok {
		return false, fmt.Errorf("position_below: params.max must be a number (got %v)", condition.Params["max"])
	}
	return latest == nil || float64(latest.Position) < maxPos, nil
}

// PositionBelowSQL creates and registers the "position_below" condition in
// a PostgreSQL database migrated with pgevents.Migrate. It is idempotent.
const PositionBelowSQL = `
CREATE OR REPLACE FUNCTION public.storetest_position_below(
  p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean
  LANGUAGE sql
  IMMUTABLE
AS $$
  SELECT p_latest.position IS NULL OR p_latest.position < (p_condition ->> 'max')::numeric
$$;
SELECT pgevents.register_condition_type('position_below',
  'public.storetest_position_below(text, text, pgevents.events, jsonb)'::regprocedure);
`

// AllowObservedAtSQL lets appends set observed_at in a PostgreSQL database
// migrated with pgevents.Migrate (the installation setting
// allow_observed_at), as the suite needs; run it as the schema owner. It is
// idempotent.
const AllowObservedAtSQL = `UPDATE pgevents.settings SET value = 'true' WHERE name = 'allow_observed_at'`

// eventCase is one behaviour of the contract.
type eventCase struct {
	method    string
	behaviour string
	run       func(t *testing.T, s pgevents.Store)
}

// Run runs the contract suite against the stores newStore returns. newStore
// is called once per subtest, with that subtest's t, and must return an
// empty store with the "position_below" condition registered (see the
// package documentation); it may register cleanups with t.Cleanup.
//
// Run never calls t.Parallel.
func Run(t *testing.T, newStore func(t *testing.T) pgevents.Store) {
	t.Helper()
	cases := slices.Concat(appendEventsCases(), appendStreamsCases(), conditionCases(), readCases(),
		scanCases(), errorCases(), concurrencyCases())
	var methods []string
	byMethod := map[string][]eventCase{}
	for _, c := range cases {
		if _, ok := byMethod[c.method]; !ok {
			methods = append(methods, c.method)
		}
		byMethod[c.method] = append(byMethod[c.method], c)
	}
	for _, method := range methods {
		t.Run(method, func(t *testing.T) {
			for _, c := range byMethod[method] {
				t.Run(c.behaviour, func(t *testing.T) {
					s := newStore(t)
					require.NotNil(t, s, "storetest: newStore returned nil")
					_, err := s.LatestEvent(t.Context(), &pgevents.LatestEventParams{Source: pgevents.LogID()})
					require.ErrorIs(t, err, pgevents.ErrNotFound, "storetest: newStore must return an empty store")
					c.run(t, s)
				})
			}
		})
	}
}

// pollTimeout bounds how long the suite waits for committed events to pass
// the fence.
const pollTimeout = 10 * time.Second

// pollUntil calls cond until it returns true, failing t after pollTimeout.
// Resumable reads of a store with a snapshot fence see committed events
// only once every older transaction of the cluster has ended.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(pollTimeout)
	for wait := time.Millisecond; !cond(); wait = min(2*wait, 100*time.Millisecond) {
		if time.Now().After(deadline) {
			require.FailNow(t, "storetest: timed out waiting for "+what,
				"after %s; a long-running transaction may hold the fence back", pollTimeout)
		}
		time.Sleep(wait)
	}
}

// newEvents returns events named names, each with a payload naming it and
// its index.
func newEvents(names ...string) []pgevents.NewEvent {
	out := make([]pgevents.NewEvent, len(names))
	for i, n := range names {
		out[i] = pgevents.NewEvent{Name: n, Payload: json.RawMessage(fmt.Sprintf(`{"name":%q,"index":%d}`, n, i))}
	}
	return out
}

// mustAppend appends events to (category, stream) under cond and returns them.
func mustAppend(t *testing.T, s pgevents.Store, category, stream string, cond pgevents.Condition, events ...pgevents.NewEvent) []pgevents.Event {
	t.Helper()
	res, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: category, Stream: stream, Condition: cond, Events: events})
	require.NoError(t, err)
	require.NotNil(t, res)
	require.Len(t, res.Events, len(events))
	return res.Events
}

// readWholeStream returns the whole stream.
func readWholeStream(t *testing.T, s pgevents.Store, category, stream string) []pgevents.Event {
	t.Helper()
	events, err := s.ReadStream(t.Context(), &pgevents.ReadStreamParams{Category: category, Stream: stream, Limit: -1})
	require.NoError(t, err)
	return events
}

// readAllEventually reads a category (the log when category is "") from the
// start until it holds at least want events, and requires exactly want.
func readAllEventually(t *testing.T, s pgevents.Store, category string, want int) []pgevents.Event {
	t.Helper()
	var events []pgevents.Event
	pollUntil(t, fmt.Sprintf("%d events in %q", want, category), func() bool {
		var err error
		events, err = s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: category, Limit: -1})
		require.NoError(t, err)
		return len(events) >= want
	})
	require.Len(t, events, want)
	return events
}

// requireLogEmpty requires that nothing was ever written.
func requireLogEmpty(t *testing.T, s pgevents.Store) {
	t.Helper()
	_, err := s.LatestEvent(t.Context(), &pgevents.LatestEventParams{Source: pgevents.LogID()})
	require.ErrorIs(t, err, pgevents.ErrNotFound, "expected nothing written")
}

// requireLogLatest requires that the log's latest event is want (nothing
// written after it).
func requireLogLatest(t *testing.T, s pgevents.Store, want pgevents.Event) {
	t.Helper()
	got, err := s.LatestEvent(t.Context(), &pgevents.LatestEventParams{Source: pgevents.LogID()})
	require.NoError(t, err)
	requireSameEvent(t, want, *got)
}

// requireSameEvent requires that got is the stored event want: same
// identity, place, cursor, content and times.
func requireSameEvent(t *testing.T, want, got pgevents.Event) {
	t.Helper()
	require.Equal(t, want.ID, got.ID, "id")
	require.Equal(t, want.Category, got.Category, "category")
	require.Equal(t, want.Stream, got.Stream, "stream")
	require.Equal(t, want.Position, got.Position, "position")
	require.Equal(t, want.SequenceNumber, got.SequenceNumber, "sequence number")
	require.Equal(t, want.TransactionID, got.TransactionID, "transaction id")
	require.Equal(t, want.Name, got.Name, "name")
	require.JSONEq(t, string(want.Payload), string(got.Payload), "payload")
	require.JSONEq(t, string(want.Metadata), string(got.Metadata), "metadata")
	require.True(t, want.OccurredAt.Equal(got.OccurredAt), "occurred_at: want %s, got %s", want.OccurredAt, got.OccurredAt)
	require.True(t, want.ObservedAt.Equal(got.ObservedAt), "observed_at: want %s, got %s", want.ObservedAt, got.ObservedAt)
}

func requireSameEvents(t *testing.T, want, got []pgevents.Event) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		requireSameEvent(t, want[i], got[i])
	}
}

// requireInvalidInput requires an *pgevents.InvalidInputError with code and field.
func requireInvalidInput(t *testing.T, err error, code, field string) *pgevents.InvalidInputError {
	t.Helper()
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)
	var ie *pgevents.InvalidInputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, code, ie.Code, "code of %v", err)
	require.Equal(t, field, ie.Field, "field of %v", err)
	require.NotEmpty(t, ie.Reason)
	return ie
}

// requireConditionFailed requires an unmet condition with code on the
// stream (category, stream) whose latest position was position.
func requireConditionFailed(t *testing.T, err error, code, category, stream string, position *int64) *pgevents.ConditionError {
	t.Helper()
	require.ErrorIs(t, err, pgevents.ErrConditionFailed)
	require.NotErrorIs(t, err, pgevents.ErrInvalidInput)
	var ce *pgevents.ConditionError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, code, ce.Code, "code of %v", err)
	require.Equal(t, category, ce.Category)
	require.Equal(t, stream, ce.Stream)
	require.Equal(t, position, ce.Position, "latest position")
	return ce
}

// requireCondition requires that got is want (compared in JSON form).
func requireCondition(t *testing.T, want, got pgevents.Condition) {
	t.Helper()
	require.JSONEq(t, want.String(), got.String())
}

func eventNames(events []pgevents.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Name
	}
	return out
}

func eventPositions(events []pgevents.Event) []int64 {
	out := make([]int64, len(events))
	for i, e := range events {
		out[i] = e.Position
	}
	return out
}

func posPtr(p int64) *int64 { return &p }
