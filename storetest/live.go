package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/projection"
	"github.com/pgevents/pgevents/projection/live"
)

// LiveRegistry is a live projection registry as both adapters implement
// it (pgstore.LiveProjectionStore, memstore.LiveProjectionStore).
type LiveRegistry interface {
	live.Registry
	// RequestRebuild starts a rebuild of the serving version.
	RequestRebuild(ctx context.Context, name string) (*live.Builds, error)
	// Status returns the status of every live projection (or name's).
	Status(ctx context.Context, name string) ([]live.Status, error)
	// Drop removes a live projection and what it stored.
	Drop(ctx context.Context, name string) (int64, error)
}

// LiveStores are the stores a live projection registry case works on.
type LiveStores struct {
	// Consumers is the consumer store of the projections' groups.
	Consumers consumer.Store
	// Events is the event store.
	Events pgevents.Store
	// Projections is the projection store the registry switches rows in.
	Projections projection.Store
	// Registry is the registry under test.
	Registry LiveRegistry
}

// RunLiveRegistry runs the contract of live projection registries (issue
// 11: blue/green builds, requested rebuilds, switches, status, failures,
// drop) against the stores newStores returns, fresh for each subtest:
// registering (build 1; a newer version starts a rebuild in group@build;
// an older one, a version below 1, a name with @, names over 240
// characters: live.CodeInvalidArgument), requesting a rebuild (a new build
// of the serving version; idempotent; not found), switching (not before
// the group exists or while events are left; then the rebuilt rows
// replace the serving ones and the old group is dropped; a build not
// being rebuilt: live.CodeInvalidArgument), recording failures (only for
// current builds), the status with its progress, and dropping.
func RunLiveRegistry(t *testing.T, newStores func(t *testing.T) LiveStores) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, s LiveStores)
	}{
		{"Register/BuildsAndVersions", liveRegisterCase},
		{"Register/ValidatesItsInput", liveRegisterInvalidCase},
		{"RequestRebuild/NewBuildOfTheServingVersion", liveRequestCase},
		{"Switch/ReplacesTheServingRows", liveSwitchCase},
		{"Fail/OnlyCurrentBuilds", liveFailCase},
		{"Drop/RemovesEverything", liveDropCase},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStores(t)
			require.NotNil(t, s.Registry, "storetest: newStores returned no registry")
			c.run(t, s)
		})
	}
}

func register(t *testing.T, s LiveStores, name string, version int) (*live.Assignment, error) {
	t.Helper()
	return s.Registry.RegisterLiveProjection(t.Context(), &live.Registration{Group: "projection:" + name, Name: name,
		Source: pgevents.CategoryID("acct"), Version: version})
}

func requireLiveInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var ie *pgevents.InvalidInputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, live.CodeInvalidArgument, ie.Code, "%v", err)
	require.Equal(t, field, ie.Field, "%v", err)
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)
}

func liveRegisterCase(t *testing.T, s LiveStores) {
	a, err := register(t, s, "count", 1)
	require.NoError(t, err)
	require.Equal(t, live.Assignment{Build: 1, Group: "projection:count"}, *a)
	a, err = register(t, s, "count", 2)
	require.NoError(t, err)
	require.Equal(t, live.Assignment{Build: 2, Group: "projection:count@2", Rebuilding: true}, *a, "a newer version: a rebuild")
	a, err = register(t, s, "count", 2)
	require.NoError(t, err)
	require.Equal(t, 2, a.Build, "the same rebuild again")
	a, err = register(t, s, "count", 1)
	require.NoError(t, err)
	require.Equal(t, live.Assignment{Build: 1, Group: "projection:count"}, *a, "version 1 still serves")
	a, err = register(t, s, "count", 3)
	require.NoError(t, err)
	require.Equal(t, live.Assignment{Build: 3, Group: "projection:count@3", Rebuilding: true}, *a, "version 3 replaces the rebuild of 2")
	_, err = register(t, s, "count", 2)
	requireLiveInvalid(t, err, "version")
	b, err := s.Registry.FindLiveProjection(t.Context(), "count")
	require.NoError(t, err)
	require.Equal(t, &live.Builds{Serving: live.Assignment{Build: 1, Group: "projection:count"}, Version: 1,
		Rebuild: &live.Assignment{Build: 3, Group: "projection:count@3", Rebuilding: true}, RebuildVersion: 3}, b)
	_, err = s.Registry.FindLiveProjection(t.Context(), "nobody")
	require.ErrorIs(t, err, pgevents.ErrNotFound)
	name, err := s.Registry.CheckBuild(t.Context(), liveBatch(t, s), "count", 3)
	if err == nil { // pgstore needs a batch's transaction
		require.Equal(t, "count@3", name)
	}
}

// liveBatch returns a batch without a transaction: memstore's registry
// fences it, pgstore's refuses it (it needs the batch's transaction).
func liveBatch(_ *testing.T, _ LiveStores) *consumer.Batch { return &consumer.Batch{} }

func liveRegisterInvalidCase(t *testing.T, s LiveStores) {
	_, err := register(t, s, "count", 0)
	requireLiveInvalid(t, err, "version")
	_, err = register(t, s, "co@unt", 1)
	requireLiveInvalid(t, err, "name")
	_, err = register(t, s, strings.Repeat("n", 241), 1)
	requireLiveInvalid(t, err, "name")
	_, err = s.Registry.RegisterLiveProjection(t.Context(), &live.Registration{Group: strings.Repeat("g", 241), Name: "n", Version: 1})
	requireLiveInvalid(t, err, "group")
	_, err = register(t, s, "a\tb", 1)
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)
	_, err = s.Registry.RegisterLiveProjection(t.Context(), nil)
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)
	_, err = s.Registry.SwitchLiveProjection(t.Context(), "count", 1, -1)
	requireLiveInvalid(t, err, "max_lag")
	status, err := s.Registry.Status(t.Context(), "")
	require.NoError(t, err)
	require.Empty(t, status, "nothing was registered")
}

func liveRequestCase(t *testing.T, s LiveStores) {
	_, err := s.Registry.RequestRebuild(t.Context(), "count")
	require.ErrorIs(t, err, pgevents.ErrNotFound)
	_, err = register(t, s, "count", 1)
	require.NoError(t, err)
	b, err := s.Registry.RequestRebuild(t.Context(), "count")
	require.NoError(t, err)
	require.Equal(t, &live.Builds{Serving: live.Assignment{Build: 1, Group: "projection:count"}, Version: 1,
		Rebuild: &live.Assignment{Build: 2, Group: "projection:count@2", Rebuilding: true}, RebuildVersion: 1}, b)
	again, err := s.Registry.RequestRebuild(t.Context(), "count")
	require.NoError(t, err)
	require.Equal(t, b, again, "idempotent while in progress")
	a, err := register(t, s, "count", 1)
	require.NoError(t, err)
	require.Equal(t, live.Assignment{Build: 1, Group: "projection:count"}, *a, "the serving version's runner runs the serving build")
	status, err := s.Registry.Status(t.Context(), "count")
	require.NoError(t, err)
	require.Len(t, status, 1)
	require.NotNil(t, status[0].Rebuild)
	require.True(t, status[0].Rebuild.Requested)
	require.Equal(t, int64(-1), status[0].Rebuild.LagEvents, "its group does not exist yet")
}

func liveSwitchCase(t *testing.T, s LiveStores) {
	ctx := t.Context()
	_, err := pgevents.NewClient(s.Events).Stream("acct", "s1").Append(ctx, []pgevents.NewEvent{
		{Name: "Deposited", Payload: json.RawMessage(`{}`)}, {Name: "Deposited", Payload: json.RawMessage(`{}`)}}, nil)
	require.NoError(t, err)
	_, err = register(t, s, "count", 1)
	require.NoError(t, err)
	save := func(name, state string) {
		_, err := s.Projections.SaveProjection(ctx, &projection.Stored{Name: name, ID: "s1", Source: pgevents.StreamID("acct", "s1"),
			State: json.RawMessage(state)})
		require.NoError(t, err)
	}
	save("count", `{"v": 1}`)
	_, err = s.Consumers.CreateGroup(ctx, &consumer.CreateGroupParams{Group: "projection:count", Source: pgevents.CategoryID("acct")})
	require.NoError(t, err)
	a, err := register(t, s, "count", 2)
	require.NoError(t, err)
	switched, err := s.Registry.SwitchLiveProjection(ctx, "count", a.Build, 0)
	require.NoError(t, err)
	require.False(t, switched, "its group does not exist yet")
	_, err = s.Consumers.CreateGroup(ctx, &consumer.CreateGroupParams{Group: a.Group, Source: pgevents.CategoryID("acct")})
	require.NoError(t, err)
	var lag int64
	require.Eventually(t, func() bool { // the snapshot fence is cluster-wide
		status, err := s.Registry.Status(ctx, "count")
		if err != nil || len(status) != 1 || status[0].Rebuild == nil {
			return false
		}
		lag = status[0].Rebuild.LagEvents
		if lag != 2 {
			return false
		}
		// The switch counts only the events past the snapshot fence, which
		// is cluster-wide: wait until no other transaction holds them back.
		parts, err := s.Consumers.GroupStatus(ctx, a.Group)
		if err != nil {
			return false
		}
		var held int64
		for _, p := range parts {
			held += p.HeldBackEvents
		}
		return held == 0
	}, 10*time.Second, 10*time.Millisecond)
	status, err := s.Registry.Status(ctx, "count")
	require.NoError(t, err)
	require.Equal(t, live.Progress{EventsDone: 0, EventsTotal: 2, ETA: -1}, status[0].Rebuild.Progress)
	require.Equal(t, int64(2), status[0].Progress.EventsTotal)
	switched, err = s.Registry.SwitchLiveProjection(ctx, "count", a.Build, 1)
	require.NoError(t, err)
	require.False(t, switched, "2 events left, at most 1 allowed")
	save("count@2", `{"v": 2}`)
	loaded, err := s.Projections.LoadProjection(ctx, "count", "s1")
	require.NoError(t, err)
	require.JSONEq(t, `{"v": 1}`, string(loaded.State), "the serving rows until the switch")
	switched, err = s.Registry.SwitchLiveProjection(ctx, "count", a.Build, 2)
	require.NoError(t, err)
	require.True(t, switched)
	loaded, err = s.Projections.LoadProjection(ctx, "count", "s1")
	require.NoError(t, err)
	require.JSONEq(t, `{"v": 2}`, string(loaded.State), "the rebuilt rows after it")
	_, err = s.Projections.LoadProjection(ctx, "count@2", "s1")
	require.ErrorIs(t, err, pgevents.ErrNotFound)
	_, err = s.Consumers.GroupStatus(ctx, "projection:count")
	require.ErrorIs(t, err, consumer.ErrGroupNotFound, "the old group is dropped")
	b, err := s.Registry.FindLiveProjection(ctx, "count")
	require.NoError(t, err)
	require.Equal(t, &live.Builds{Serving: live.Assignment{Build: 2, Group: "projection:count@2"}, Version: 2}, b)
	_, err = s.Registry.SwitchLiveProjection(ctx, "count", 2, 0)
	requireLiveInvalid(t, err, "build")
	b, err = s.Registry.RequestRebuild(ctx, "count")
	require.NoError(t, err)
	require.Equal(t, &live.Assignment{Build: 3, Group: "projection:count@3", Rebuilding: true}, b.Rebuild, "group@3, not group@2@3")
}

func liveFailCase(t *testing.T, s LiveStores) {
	ctx := t.Context()
	_, err := register(t, s, "count", 1)
	require.NoError(t, err)
	require.NoError(t, s.Registry.FailLiveProjection(ctx, "count", 7, errors.New("not a current build")))
	status, err := s.Registry.Status(ctx, "count")
	require.NoError(t, err)
	require.Empty(t, status[0].Error)
	require.Equal(t, live.StateStopped, status[0].State)
	require.NoError(t, s.Registry.FailLiveProjection(ctx, "count", 1, errors.New(strings.Repeat("é", 2100))))
	status, err = s.Registry.Status(ctx, "count")
	require.NoError(t, err)
	require.Equal(t, live.StateFailed, status[0].State)
	require.Equal(t, strings.Repeat("é", 2000), status[0].Error, "kept up to 2000 characters")
	_, err = register(t, s, "count", 1)
	require.NoError(t, err)
	status, err = s.Registry.Status(ctx, "count")
	require.NoError(t, err)
	require.Empty(t, status[0].Error, "registering again clears the error")
	require.NoError(t, s.Registry.FailLiveProjection(ctx, "nobody", 1, errors.New("x")), "not registered: ignored")
}

func liveDropCase(t *testing.T, s LiveStores) {
	ctx := t.Context()
	_, err := register(t, s, "count", 1)
	require.NoError(t, err)
	for _, name := range []string{"count", "count@2"} {
		_, err := s.Projections.SaveProjection(ctx, &projection.Stored{Name: name, ID: "s1", Source: pgevents.StreamID("acct", "s1"),
			State: json.RawMessage(`{}`)})
		require.NoError(t, err)
	}
	_, err = s.Registry.RequestRebuild(ctx, "count")
	require.NoError(t, err)
	n, err := s.Registry.Drop(ctx, "count")
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	for _, name := range []string{"count", "count@2"} {
		_, err = s.Projections.LoadProjection(ctx, name, "s1")
		require.ErrorIs(t, err, pgevents.ErrNotFound, name)
	}
	_, err = s.Registry.Drop(ctx, "count")
	require.ErrorIs(t, err, pgevents.ErrNotFound)
	_, err = s.Registry.FindLiveProjection(ctx, "count")
	require.ErrorIs(t, err, pgevents.ErrNotFound)
}
