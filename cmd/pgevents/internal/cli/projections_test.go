package cli_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/cmd/pgevents/internal/cli"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/pgstore"
	"github.com/pgevents/pgevents/projection"
	"github.com/pgevents/pgevents/projection/live"
)

func TestProjections(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	pool, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	ctx := t.Context()
	env := map[string]string{cli.EnvDatabaseURL: url}

	r := run(t, env, "projections")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Equal(t, "no live projections\n", r.stdout)

	registry := pgstore.NewLiveProjectionStore(pool)
	_, err = registry.RegisterLiveProjection(ctx, &live.Registration{Group: "projection:count", Name: "count",
		Source: pgevents.CategoryID("order"), Version: 3})
	require.NoError(t, err)
	_, err = registry.RegisterLiveProjection(ctx, &live.Registration{Group: "projection:audit", Name: "audit",
		Source: pgevents.LogID(), Version: 1})
	require.NoError(t, err)
	require.NoError(t, registry.FailLiveProjection(ctx, "audit", 1, projection.ErrUnknownEvent))
	a, err := registry.RegisterLiveProjection(ctx, &live.Registration{Group: "projection:count", Name: "count",
		Source: pgevents.CategoryID("order"), Version: 4})
	require.NoError(t, err)
	require.Equal(t, live.Assignment{Build: 2, Group: "projection:count@2", Rebuilding: true}, *a)
	_, err = pgstore.NewProjectionStore(pool).SaveProjection(ctx, &projection.Stored{Name: "count", ID: "o-1",
		Source: pgevents.StreamID("order", "o-1"), State: json.RawMessage(`{"n": 1}`)})
	require.NoError(t, err)

	r = run(t, env, "projections")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "NAME")
	require.Regexp(t, `audit\s+1\s+projection:audit\s+failed`, r.stdout)
	require.Regexp(t, `count\s+3\s+projection:count\s+stopped`, r.stdout)
	require.Regexp(t, `count\s+rebuilding version 4 \(build 2, group projection:count@2\): 0 projections built, events left unknown`, r.stdout)
	require.Contains(t, r.stdout, "unknown event")

	r = run(t, env, "projections", "--name", "count", "--json")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	lines := jsonLines(t, r.stdout)
	require.Len(t, lines, 1)
	require.Equal(t, "count", lines[0]["name"])
	require.Equal(t, float64(3), lines[0]["version"])
	require.Equal(t, "stopped", lines[0]["state"])
	require.Nil(t, lines[0]["error"])
	require.Equal(t, float64(4), lines[0]["rebuild_version"])

	r = run(t, env, "projections", "rebuild", "count", "--interval", "10ms")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "count: rebuilding version 4 (build 2, group projection:count@2; started by a runner of version 4) beside version 3 (build 1)",
		"a rebuild in progress: nothing requested")
	require.Contains(t, r.stdout, "events:            unknown")
	r = run(t, env, "projections", "rebuild", "audit", "--json", "--status")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.JSONEq(t, `{"name": "audit", "rebuilding": false, "version": 1, "build": 1}`, r.stdout)
	r = run(t, env, "projections", "rebuild", "audit")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "audit: rebuilding version 1 (build 2, group projection:audit@2; requested now) beside version 1 (build 1)")
	builds, err := registry.FindLiveProjection(ctx, "audit")
	require.NoError(t, err)
	require.Equal(t, &live.Assignment{Build: 2, Group: "projection:audit@2", Rebuilding: true}, builds.Rebuild)
	r = run(t, env, "projections", "rebuild", "audit", "--json")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	lines = jsonLines(t, r.stdout)
	require.Len(t, lines, 1)
	require.Equal(t, false, lines[0]["requested_now"], "already in progress")
	require.Equal(t, true, lines[0]["rebuild_requested"])
	require.Equal(t, float64(2), lines[0]["rebuild_build"])
	require.Nil(t, lines[0]["events_total"], "its runner has not started it")
	r = run(t, env, "projections", "rebuild", "nobody")
	require.Equal(t, cli.ExitFailure, r.code)
	require.Contains(t, r.stderr, "not found")
	r = run(t, env, "projections", "rebuild", "count", "--interval", "0s")
	require.Equal(t, cli.ExitUsage, r.code)

	r = run(t, env, "projections", "drop", "count")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Equal(t, "dropped live projection count: 1 projections deleted\n", r.stdout)
	r = run(t, env, "projections", "drop", "count")
	require.Equal(t, cli.ExitFailure, r.code, "no such live projection")
	require.Contains(t, r.stderr, "not found")
	r = run(t, env, "projections", "drop")
	require.Equal(t, cli.ExitUsage, r.code)
	r = run(t, env, "projections", "extra")
	require.Equal(t, cli.ExitUsage, r.code)
}
