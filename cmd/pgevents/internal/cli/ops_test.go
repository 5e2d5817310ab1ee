package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/cmd/pgevents/internal/cli"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/pgstore"
)

// opsStore returns a fresh migrated database's URL and a Store on it.
func opsStore(t *testing.T) (string, *pgstore.Store) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	pool, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	store, err := pgstore.New(pool, nil)
	require.NoError(t, err)
	return url, store
}

func appendN(t *testing.T, store *pgstore.Store, category, stream string, names ...string) []pgevents.Event {
	t.Helper()
	events := make([]pgevents.NewEvent, len(names))
	for i, n := range names {
		events[i] = pgevents.NewEvent{Name: n, Payload: json.RawMessage(fmt.Sprintf(`{"i": %d, "text": "tab\there"}`, i))}
	}
	res, err := store.AppendEvents(context.Background(), &pgevents.AppendParams{Category: category, Stream: stream, Events: events})
	require.NoError(t, err)
	return res.Events
}

// jsonLines decodes JSON lines.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		lines = append(lines, m)
	}
	return lines
}

// waitFenced polls until a fenced read of the log returns want events (the
// fence is cluster-wide: parallel tests hold it back for a moment).
func waitFenced(t *testing.T, store *pgstore.Store, want int) {
	t.Helper()
	require.Eventually(t, func() bool {
		evs, err := store.ReadEvents(context.Background(), &pgevents.ReadEventsParams{Limit: -1})
		return err == nil && len(evs) >= want
	}, 30*time.Second, 20*time.Millisecond)
}

var resumeRE = regexp.MustCompile(`resume with --after ([0-9]+:[0-9]+)`)

func TestRead(t *testing.T) {
	t.Parallel()
	url, store := opsStore(t)
	env := map[string]string{cli.EnvDatabaseURL: url}
	appendN(t, store, "order", "o-1", "Placed", "Paid", "Shipped")
	appendN(t, store, "cart", "c-1", "Added")
	appendN(t, store, "order", "o-2", "Placed")
	waitFenced(t, store, 5)

	t.Run("LogTable", func(t *testing.T) {
		r := run(t, env, "read")
		require.Equal(t, cli.ExitOK, r.code, r.stderr)
		lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
		require.Len(t, lines, 6)
		require.Regexp(t, `^CURSOR\s+CATEGORY\s+STREAM\s+POSITION\s+NAME\s+OBSERVED_AT\s+PAYLOAD$`, lines[0])
		require.Regexp(t, `^[0-9]+:[0-9]+\s+order\s+o-1\s+0\s+Placed\s+\S+Z\s+\{"i": 0, "text": "tab\\there"\}$`, lines[1])
		// Columns are aligned: every row's NAME starts where the header's does.
		col := strings.Index(lines[0], "NAME")
		for _, l := range lines[1:] {
			require.Regexp(t, `^\S`, l[col:], l)
		}
		require.Regexp(t, `pgevents: 5 events; resume with --after [0-9]+:[0-9]+`, r.stderr)
	})

	t.Run("ResumeJSON", func(t *testing.T) {
		r := run(t, env, "read", "--json", "--limit", "2")
		require.Equal(t, cli.ExitOK, r.code, r.stderr)
		first := jsonLines(t, r.stdout)
		require.Len(t, first, 2)
		m := resumeRE.FindStringSubmatch(r.stderr)
		require.NotNil(t, m, r.stderr)
		require.Equal(t, first[1]["cursor"], m[1])
		r = run(t, env, "read", "--json", "--limit", "0", "--page-size", "1", "--after", m[1])
		require.Equal(t, cli.ExitOK, r.code, r.stderr)
		rest := jsonLines(t, r.stdout)
		require.Len(t, rest, 3)
		var names []string
		for _, e := range append(first, rest...) {
			names = append(names, e["category"].(string)+"/"+e["name"].(string))
		}
		require.Equal(t, []string{"order/Placed", "order/Paid", "order/Shipped", "cart/Added", "order/Placed"}, names)
		require.Equal(t, map[string]any{"i": float64(0), "text": "tab\there"}, first[0]["payload"])
		require.Nil(t, first[0]["metadata"])
		for _, k := range []string{"id", "stream", "position", "sequence_number", "transaction_id", "occurred_at", "observed_at"} {
			require.Contains(t, first[0], k)
		}
	})

	t.Run("Category", func(t *testing.T) {
		r := run(t, env, "read", "--category", "order", "--json")
		require.Equal(t, cli.ExitOK, r.code, r.stderr)
		require.Len(t, jsonLines(t, r.stdout), 4)
	})

	t.Run("Stream", func(t *testing.T) {
		r := run(t, env, "read", "--category", "order", "--stream", "o-1", "--position", "1", "--json")
		require.Equal(t, cli.ExitOK, r.code, r.stderr)
		lines := jsonLines(t, r.stdout)
		require.Len(t, lines, 2)
		require.Equal(t, float64(1), lines[0]["position"])
		require.Equal(t, "Shipped", lines[1]["name"])
		require.NotContains(t, r.stderr, "resume")
	})

	t.Run("Empty", func(t *testing.T) {
		r := run(t, env, "read", "--category", "nothing")
		require.Equal(t, cli.ExitOK, r.code, r.stderr)
		require.Empty(t, r.stdout)
		require.Contains(t, r.stderr, "no events")
	})

	t.Run("Usage", func(t *testing.T) {
		for _, args := range [][]string{
			{"read", "--stream", "s"},
			{"read", "--category", "c", "--stream", "s", "--after", "1:1"},
			{"read", "--position", "3"},
			{"read", "--after", "not-a-cursor"},
			{"read", "--after", "-1:0"},
			{"read", "--limit", "-1"},
			{"read", "--page-size", "0"},
			{"read", "extra"},
		} {
			r := run(t, env, args...)
			require.Equal(t, cli.ExitUsage, r.code, args)
			require.Contains(t, r.stderr, "Usage:", args)
		}
	})

	t.Run("InvalidInput", func(t *testing.T) {
		// A well-formed cursor from the future: the database refuses it (PE106).
		r := run(t, env, "read", "--after", "999999999999:1")
		require.Equal(t, cli.ExitFailure, r.code)
		require.Contains(t, r.stderr, "PE106")
		r = run(t, env, "read", "--category", "bad\x01name")
		require.Equal(t, cli.ExitFailure, r.code)
		require.Contains(t, r.stderr, "PE101")
	})

	t.Run("Help", func(t *testing.T) {
		r := run(t, nil, "read", "--help")
		require.Equal(t, cli.ExitOK, r.code)
		require.Contains(t, r.stdout, "Exit codes")
	})
}

func TestLatest(t *testing.T) {
	t.Parallel()
	url, store := opsStore(t)
	env := map[string]string{cli.EnvDatabaseURL: url}

	r := run(t, env, "latest")
	require.Equal(t, cli.ExitNotFound, r.code, r.stderr)
	require.Contains(t, r.stderr, "no event")

	appendN(t, store, "order", "o-1", "Placed", "Paid")
	appendN(t, store, "cart", "c-1", "Added")

	r = run(t, env, "latest", "--json")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Equal(t, "Added", jsonLines(t, r.stdout)[0]["name"])

	r = run(t, env, "latest", "--category", "order", "--stream", "o-1")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Regexp(t, `(?m)^[0-9]+:[0-9]+\s+order\s+o-1\s+1\s+Paid\s`, r.stdout)

	r = run(t, env, "latest", "--category", "order", "--stream", "o-2")
	require.Equal(t, cli.ExitNotFound, r.code, r.stderr)

	r = run(t, env, "latest", "--stream", "o-1")
	require.Equal(t, cli.ExitUsage, r.code)
}

func TestStats(t *testing.T) {
	t.Parallel()
	url, store := opsStore(t)
	env := map[string]string{cli.EnvDatabaseURL: url}

	r := run(t, env, "stats")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Regexp(t, `(?m)^  events\s+0$`, r.stdout)

	appendN(t, store, "order", "o-1", "Placed", "Paid", "Paid")
	appendN(t, store, "order", "o-2", "Placed")
	appendN(t, store, "cart", "c-1", "Added")

	r = run(t, env, "stats")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Regexp(t, `(?m)^  events\s+5$`, r.stdout)
	require.Regexp(t, `(?m)^  streams\s+3$`, r.stdout)
	require.Regexp(t, `(?m)^  categories\s+2$`, r.stdout)
	require.Regexp(t, `(?m)^  last hour\s+5$`, r.stdout)
	require.Regexp(t, `(?m)^  fence lag\s+`, r.stdout)
	require.Regexp(t, `(?m)^CATEGORY\s+EVENTS\s+STREAMS\s+LAST_MINUTE\s+LAST_HOUR\s+LATEST_EVENT_AT$`, r.stdout)
	require.Regexp(t, `(?m)^cart\s+1\s+1\s+1\s+1\s+\S+Z$`, r.stdout)
	require.Regexp(t, `(?m)^order\s+4\s+2\s+4\s+4\s+\S+Z$`, r.stdout)
	require.Regexp(t, `(?m)^Paid\s+2$`, r.stdout)

	r = run(t, env, "stats", "--json", "--category", "order")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	lines := jsonLines(t, r.stdout)
	require.Equal(t, "log", lines[0]["type"])
	require.Equal(t, map[string]any{"count": float64(5), "exact": true}, lines[0]["events"])
	require.Contains(t, lines[0]["fence"], "lag_seconds")
	require.Equal(t, "category", lines[1]["type"])
	require.Equal(t, "order", lines[1]["category"])
	require.Equal(t, map[string]any{"count": float64(2), "exact": true}, lines[1]["streams"])
	require.Len(t, lines, 4) // log, order, Paid, Placed
	require.Equal(t, map[string]any{"type": "event_name", "name": "Paid", "events": map[string]any{"count": float64(2), "exact": true}}, lines[2])

	// Estimates only: flagged as such, whatever the planner guesses.
	r = run(t, env, "stats", "--json", "--count-budget", "0", "--names", "0")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	lines = jsonLines(t, r.stdout)
	require.Equal(t, false, lines[0]["events"].(map[string]any)["exact"])
	require.Equal(t, true, lines[0]["categories"].(map[string]any)["exact"]) // one probe per category
	require.Equal(t, false, lines[1]["events"].(map[string]any)["exact"])
	r = run(t, env, "stats", "--count-budget", "0")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Regexp(t, `(?m)^  events\s+~[0-9]+$`, r.stdout)

	// The owner's setting bounds the budget a caller may ask for.
	r = run(t, env, "stats", "--count-budget", "100001")
	require.Equal(t, cli.ExitFailure, r.code)
	require.Contains(t, r.stderr, "PE106")
	require.Contains(t, r.stderr, "count_budget")

	r = run(t, env, "stats", "--category", "nope")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, `category "nope" has no events`)

	for _, args := range [][]string{{"stats", "--names", "-1"}, {"stats", "--count-budget", "-2"}, {"stats", "x"}} {
		r = run(t, env, args...)
		require.Equal(t, cli.ExitUsage, r.code, args)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a concurrent reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestTail(t *testing.T) {
	t.Parallel()
	url, store := opsStore(t)
	env := map[string]string{cli.EnvDatabaseURL: url}
	before := appendN(t, store, "order", "o-1", "Old")
	waitFenced(t, store, 1)

	// Without -f: prints what is there after the cursor, then stops.
	r := run(t, env, "tail", "--after", "0:0", "--json")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Len(t, jsonLines(t, r.stdout), 1)
	require.Contains(t, r.stderr, "resume with --after "+before[0].Cursor().String())

	// -f from now: only events appended after it started, until cancelled.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- cli.Run(ctx, []string{"tail", "-f", "--category", "order", "--interval", "10ms", "--json"},
			&cli.Config{Getenv: func(k string) string { return env[k] }, Stdout: &stdout, Stderr: &stderr})
	}()
	// tail announces its starting point on stderr: events appended after
	// that are printed.
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "following category order") },
		30*time.Second, 5*time.Millisecond)
	appendN(t, store, "order", "o-1", "New1")
	appendN(t, store, "cart", "c-1", "OtherCategory")
	appendN(t, store, "order", "o-2", "New2")
	require.Eventually(t, func() bool { return strings.Count(stdout.String(), "\n") >= 2 }, 30*time.Second, 10*time.Millisecond)
	cancel()
	code := <-done
	require.Equal(t, cli.ExitOK, code, stderr.String())
	lines := jsonLines(t, stdout.String())
	require.Len(t, lines, 2)
	require.Equal(t, "New1", lines[0]["name"])
	require.Equal(t, "New2", lines[1]["name"])
	m := resumeRE.FindStringSubmatch(stderr.String())
	require.NotNil(t, m, stderr.String())
	require.Equal(t, lines[1]["cursor"], m[1])

	// Resume from the printed cursor: exactly the events after it.
	appendN(t, store, "order", "o-3", "New3")
	waitFenced(t, store, 5)
	r = run(t, env, "tail", "--category", "order", "--after", m[1], "--json")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	lines = jsonLines(t, r.stdout)
	require.Len(t, lines, 1)
	require.Equal(t, "New3", lines[0]["name"])

	for _, args := range [][]string{{"tail", "--interval", "0s"}, {"tail", "--after", "x"}, {"tail", "x"}} {
		r = run(t, env, args...)
		require.Equal(t, cli.ExitUsage, r.code, args)
	}
}

func TestInterrupted(t *testing.T) {
	t.Parallel()
	url, _ := opsStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stderr bytes.Buffer
	code := cli.Run(ctx, []string{"--database-url", url, "stats"}, &cli.Config{Stderr: &stderr})
	require.Equal(t, cli.ExitInterrupted, code, stderr.String())
}
