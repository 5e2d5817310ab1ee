package cli_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/cmd/pgevents/internal/cli"
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/pgstore"
)

// consumerFixture: group "billing" (2 partitions over "order") with member
// m1, 3 events of which the first is parked and the others handled.
func consumerFixture(t *testing.T) (url string, parkedID int64) {
	t.Helper()
	url = pgtest.NewDatabase(t)
	pool, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	store, err := pgstore.New(pool, nil)
	require.NoError(t, err)
	ctx := t.Context()
	_, err = store.AppendEvents(ctx, &pgevents.AppendParams{Category: "order", Stream: "o-1",
		Events: []pgevents.NewEvent{{Name: "Placed"}, {Name: "Paid"}, {Name: "Shipped"}}})
	require.NoError(t, err)
	cs := pgstore.NewConsumerStore(store)
	_, err = cs.CreateGroup(ctx, &consumer.CreateGroupParams{Group: "billing", Source: pgevents.CategoryID("order"), Partitions: 2})
	require.NoError(t, err)
	_, err = cs.JoinGroup(ctx, &consumer.JoinGroupParams{Group: "billing", Member: "m1"})
	require.NoError(t, err)
	var ds []consumer.Delivery
	require.Eventually(t, func() bool {
		ds, err = cs.ReadBatch(ctx, &consumer.ReadBatchParams{Group: "billing", Member: "m1"})
		require.NoError(t, err)
		return len(ds) == 3
	}, pollTimeout, pollInterval)
	require.NoError(t, cs.CommitBatch(ctx, &consumer.CommitBatchParams{Group: "billing", Member: "m1", Handled: ds[1:],
		Park: []consumer.ParkedDelivery{{Attempts: 3, Delivery: ds[0], Error: "card declined\nretry later"}}}))
	parked, err := cs.ListParked(ctx, &consumer.ListParkedParams{Group: "billing"})
	require.NoError(t, err)
	return url, parked[0].ID
}

func TestConsumers(t *testing.T) {
	t.Parallel()
	url, _ := consumerFixture(t)
	env := map[string]string{cli.EnvDatabaseURL: url}

	r := run(t, env, "consumers")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "GROUP")
	require.Regexp(t, `billing\s+category order\s+\d/2\s+m1\s+\S+\s+1\s+\d+:\d+\s+0\s+-\s+0\s+-\s+1\n`, r.stdout, "the partition with the parked event")
	require.Regexp(t, `billing\s+m1\s+`, r.stdout, "the member")

	r = run(t, env, "consumers", "--group", "billing", "--json")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 3, "two partitions and one member")
	var p map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &p))
	require.Equal(t, "partition", p["kind"])
	require.Equal(t, "category order", p["source"])
	require.Equal(t, "m1", p["owner"])

	r = run(t, env, "consumers", "--group", "nope")
	require.Equal(t, cli.ExitFailure, r.code)
	require.Contains(t, r.stderr, "PE121")
	r = run(t, env, "consumers", "extra")
	require.Equal(t, cli.ExitUsage, r.code)
}

func TestParked(t *testing.T) {
	t.Parallel()
	url, id := consumerFixture(t)
	env := map[string]string{cli.EnvDatabaseURL: url}

	r := run(t, env, "parked", "list", "--group", "billing")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Regexp(t, `\d+\s+order/o-1\s+0\s+Placed\s+3\s+\S+\s+-\s+card declined retry later`, r.stdout)

	r = run(t, env, "parked", "list", "--group", "billing", "--json")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	var p map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &p))
	require.Equal(t, "card declined\nretry later", p["error"])
	require.Equal(t, "Placed", p["event"].(map[string]any)["name"])

	r = run(t, env, "parked", "replay", "--group", "billing", "--all")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Equal(t, "1 parked events marked for replay\n", r.stdout)
	r = run(t, env, "parked", "list", "--group", "billing")
	require.Contains(t, r.stdout, "requested")

	r = run(t, env, "parked", "drop", "--group", "billing", "999999")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Equal(t, "0 parked events dropped\n", r.stdout)
	r = run(t, env, "parked", "drop", "--group", "billing", strconvI(id))
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Equal(t, "1 parked events dropped\n", r.stdout)
	r = run(t, env, "parked", "list", "--group", "billing")
	require.Equal(t, "no parked events\n", r.stdout)

	for _, args := range [][]string{
		{"parked"}, {"parked", "purge"}, {"parked", "list"}, {"parked", "drop", "--group", "billing"},
		{"parked", "drop", "--group", "billing", "--all", "1"}, {"parked", "replay", "--group", "billing", "x"},
	} {
		r = run(t, env, args...)
		require.Equal(t, cli.ExitUsage, r.code, "%v: %s", args, r.stderr)
	}
	r = run(t, env, "parked", "list", "--group", "nope")
	require.Equal(t, cli.ExitFailure, r.code)
	require.Contains(t, r.stderr, "does not exist")
}

// The snapshot fence is cluster-wide: reads of events just committed poll.
const (
	pollTimeout  = 10 * time.Second
	pollInterval = 5 * time.Millisecond
)

func strconvI(id int64) string { return strconv.FormatInt(id, 10) }
