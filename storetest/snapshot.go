package storetest

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgeventstest"
	"github.com/pgevents/pgevents/projection"
)

// SnapshotStores are the stores a snapshot contract case works on: an
// event store and the snapshot store over the same events.
type SnapshotStores struct {
	// Events is the event store whose streams the snapshots cover.
	Events pgevents.Store
	// Snapshots is the snapshot store.
	Snapshots projection.SnapshotStore
}

// RunSnapshotStore runs the contract suite of projection.SnapshotStore and
// projection.Snapshotter against the stores newStores returns (empty, fresh
// for each subtest). Subtests are named Method/Behaviour and never call
// t.Parallel.
//
// The suite covers saves and loads (one snapshot per name, version and
// stream; a save never moves a snapshot backwards; other versions are
// never returned), DropSnapshots by version, the errors (PE101 names,
// PE140 version and position, including positions beyond the stream's
// latest event, PE115 over the size limit; nothing saved), and a property
// test over random streams (pgeventstest generators): for any stream and
// any snapshot position, Snapshotter.Load from the snapshot plus the tail
// gives exactly the projection a full fold gives, and a snapshot of
// another version changes nothing. The random seed is logged; replay a
// failure with PGEVENTS_SNAPSHOT_SEED.
func RunSnapshotStore(t *testing.T, newStores func(t *testing.T) SnapshotStores) {
	t.Helper()
	ctx := context.Background()
	setup := func(t *testing.T) SnapshotStores {
		s := newStores(t)
		require.NotNil(t, s.Events, "storetest: newStores returned no event store")
		require.NotNil(t, s.Snapshots, "storetest: newStores returned no snapshot store")
		return s
	}
	seed := int64(0) // distinct event ids for each append (subtests run in sequence)
	appendN := func(t *testing.T, s SnapshotStores, category, stream string, n int) {
		t.Helper()
		seed++
		_, err := pgevents.NewClient(s.Events).Stream(category, stream).
			Append(ctx, pgeventstest.NewGenerator(seed).Events(n, nil), nil)
		require.NoError(t, err)
	}
	snap := func(name string, version int, stream string, position int64, state string) *projection.Snapshot {
		return &projection.Snapshot{Category: "snap", Metadata: json.RawMessage(`{"m": 1}`), Name: name,
			Position: position, State: json.RawMessage(state), Stream: stream, Version: version}
	}
	key := func(name string, version int, stream string) *projection.SnapshotKey {
		return &projection.SnapshotKey{Category: "snap", Name: name, Stream: stream, Version: version}
	}

	t.Run("SaveSnapshot/StoresAndLoads", func(t *testing.T) {
		s := setup(t)
		appendN(t, s, "snap", "ada", 10)
		before := time.Now().Add(-time.Minute)
		saved, err := s.Snapshots.SaveSnapshot(ctx, snap("count", 1, "ada", 4, `{"n": 5}`))
		require.NoError(t, err)
		require.Equal(t, int64(4), saved.Position)
		require.Equal(t, 1, saved.Version)
		require.Equal(t, "snap", saved.Category)
		require.Equal(t, "ada", saved.Stream)
		require.Equal(t, "count", saved.Name)
		require.JSONEq(t, `{"n": 5}`, string(saved.State))
		require.JSONEq(t, `{"m": 1}`, string(saved.Metadata))
		require.True(t, saved.CreatedAt.After(before), "CreatedAt %s is not recent", saved.CreatedAt)
		loaded, err := s.Snapshots.LoadSnapshot(ctx, key("count", 1, "ada"))
		require.NoError(t, err)
		require.Equal(t, saved.Position, loaded.Position)
		require.Equal(t, saved.CreatedAt, loaded.CreatedAt)
		require.JSONEq(t, `{"n": 5}`, string(loaded.State))
	})

	t.Run("SaveSnapshot/NeverMovesBackwards", func(t *testing.T) {
		s := setup(t)
		appendN(t, s, "snap", "ada", 10)
		_, err := s.Snapshots.SaveSnapshot(ctx, snap("count", 1, "ada", 9, `{"n": 10}`))
		require.NoError(t, err)
		for _, pos := range []int64{2, 9} {
			kept, err := s.Snapshots.SaveSnapshot(ctx, snap("count", 1, "ada", pos, `{"n": 0}`))
			require.NoError(t, err)
			require.Equal(t, int64(9), kept.Position, "a save at %d keeps the snapshot at 9", pos)
			require.JSONEq(t, `{"n": 10}`, string(kept.State))
		}
		loaded, err := s.Snapshots.LoadSnapshot(ctx, key("count", 1, "ada"))
		require.NoError(t, err)
		require.JSONEq(t, `{"n": 10}`, string(loaded.State))
	})

	t.Run("LoadSnapshot/OnlyItsVersionAndStream", func(t *testing.T) {
		s := setup(t)
		appendN(t, s, "snap", "ada", 3)
		_, err := s.Snapshots.SaveSnapshot(ctx, snap("count", 1, "ada", 2, `{"v": 1}`))
		require.NoError(t, err)
		_, err = s.Snapshots.SaveSnapshot(ctx, snap("count", 2, "ada", 0, `{"v": 2}`))
		require.NoError(t, err)
		v2, err := s.Snapshots.LoadSnapshot(ctx, key("count", 2, "ada"))
		require.NoError(t, err)
		require.JSONEq(t, `{"v": 2}`, string(v2.State))
		for _, k := range []*projection.SnapshotKey{key("count", 3, "ada"), key("count", 1, "bob"), key("other", 1, "ada")} {
			_, err = s.Snapshots.LoadSnapshot(ctx, k)
			require.ErrorIs(t, err, pgevents.ErrNotFound, "%+v", k)
		}
	})

	t.Run("DropSnapshots/ByVersion", func(t *testing.T) {
		s := setup(t)
		appendN(t, s, "snap", "ada", 3)
		for v := 1; v <= 3; v++ {
			_, err := s.Snapshots.SaveSnapshot(ctx, snap("count", v, "ada", 1, `{}`))
			require.NoError(t, err)
		}
		_, err := s.Snapshots.SaveSnapshot(ctx, snap("other", 1, "ada", 1, `{}`))
		require.NoError(t, err)
		n, err := s.Snapshots.DropSnapshots(ctx, "count", 3)
		require.NoError(t, err)
		require.Equal(t, int64(2), n)
		_, err = s.Snapshots.LoadSnapshot(ctx, key("count", 3, "ada"))
		require.NoError(t, err)
		n, err = s.Snapshots.DropSnapshots(ctx, "count", 0)
		require.NoError(t, err)
		require.Equal(t, int64(1), n)
		_, err = s.Snapshots.LoadSnapshot(ctx, key("other", 1, "ada"))
		require.NoError(t, err, "another name's snapshots are kept")
	})

	t.Run("SaveSnapshot/InvalidInput", func(t *testing.T) {
		s := setup(t)
		appendN(t, s, "snap", "ada", 3)
		long := strings.Repeat("😀", 255)
		appendN(t, s, long, long, 1)
		_, err := s.Snapshots.SaveSnapshot(ctx, &projection.Snapshot{Category: long, Name: long, Stream: long,
			Version: 1, State: json.RawMessage(`{}`)})
		require.NoError(t, err, "names of 255 four-byte characters")

		big := `{"s": "` + strings.Repeat("x", projection.DefaultMaxJSONBytes) + `"}`
		for _, c := range []struct {
			name  string
			snap  *projection.Snapshot
			code  string
			field string
		}{
			{"EmptyName", snap("", 1, "ada", 0, `{}`), pgevents.CodeInvalidName, "name"},
			{"ControlInStream", snap("count", 1, "a\nb", 0, `{}`), pgevents.CodeInvalidName, "stream"},
			{"VersionZero", snap("count", 0, "ada", 0, `{}`), projection.CodeInvalidSnapshot, "version"},
			{"VersionNegative", snap("count", -1, "ada", 0, `{}`), projection.CodeInvalidSnapshot, "version"},
			{"VersionBeyondInt4", snap("count", 1<<31, "ada", 0, `{}`), projection.CodeInvalidSnapshot, "version"},
			{"PositionNegative", snap("count", 1, "ada", -1, `{}`), projection.CodeInvalidSnapshot, "position"},
			{"PositionBeyondStream", snap("count", 1, "ada", 3, `{}`), projection.CodeInvalidSnapshot, "position"},
			{"EmptyStream", snap("count", 1, "nobody", 0, `{}`), projection.CodeInvalidSnapshot, "position"},
			{"StateTooLarge", snap("count", 1, "ada", 2, big), projection.CodeProjectionTooLarge, "state"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := s.Snapshots.SaveSnapshot(ctx, c.snap)
				requireInvalidInput(t, err, c.code, c.field)
				if c.snap.Version >= 1 && c.snap.Version < 1<<31 && c.snap.Name != "" && !strings.Contains(c.snap.Stream, "\n") {
					_, err = s.Snapshots.LoadSnapshot(ctx, key(c.snap.Name, c.snap.Version, c.snap.Stream))
					require.ErrorIs(t, err, pgevents.ErrNotFound, "nothing saved")
				}
			})
		}
		_, err = s.Snapshots.LoadSnapshot(ctx, key("count", 0, "ada"))
		requireInvalidInput(t, err, projection.CodeInvalidSnapshot, "version")
		_, err = s.Snapshots.DropSnapshots(ctx, "count", -1)
		requireInvalidInput(t, err, projection.CodeInvalidSnapshot, "below_version")
		_, err = s.Snapshots.DropSnapshots(ctx, "", 0)
		requireInvalidInput(t, err, pgevents.CodeInvalidName, "name")
	})

	t.Run("Snapshotter/SnapshotPlusTailIsFullFold", func(t *testing.T) {
		s := setup(t)
		seed := time.Now().UnixNano()
		if v := os.Getenv("PGEVENTS_SNAPSHOT_SEED"); v != "" {
			var err error
			seed, err = strconv.ParseInt(v, 10, 64)
			require.NoError(t, err)
		}
		t.Logf("seed %d (replay with PGEVENTS_SNAPSHOT_SEED=%d)", seed, seed)
		g := pgeventstest.NewGenerator(seed)
		client := pgevents.NewClient(s.Events)
		v1 := snapshotProjector(t, 1)
		sn, err := projection.NewSnapshotter(v1, s.Snapshots, nil)
		require.NoError(t, err)
		opts := &pgeventstest.EventOpts{Names: []string{"Deposited", "Withdrawn", "Renamed", "Noted"}, PayloadDepth: 2}
		for i := range 25 {
			stream := client.Stream("account", g.StreamName())
			n := 1 + g.Rand().IntN(40)
			for appended := 0; appended < n; {
				batch := min(n-appended, 1+g.Rand().IntN(10))
				_, err := stream.Append(ctx, g.Events(batch, opts), nil)
				require.NoError(t, err)
				appended += batch
			}
			events, err := stream.Read(ctx, nil)
			require.NoError(t, err)
			full, err := v1.ProjectEvents(stream.ID(), events)
			require.NoError(t, err)

			if g.Rand().IntN(4) == 0 {
				// A snapshot of another version, at the end, with a state
				// that is not even of the type: it must be ignored.
				_, err := s.Snapshots.SaveSnapshot(ctx, &projection.Snapshot{Category: "account", Name: v1.Name(),
					Position: int64(n - 1), State: json.RawMessage(`"garbage"`), Stream: stream.ID().Stream, Version: 2})
				require.NoError(t, err)
			}
			at := g.Rand().IntN(n) // the snapshot covers events 0..at
			prefix, err := v1.ProjectEvents(stream.ID(), events[:at+1])
			require.NoError(t, err)
			saved, err := sn.Save(ctx, prefix, int64(at))
			require.NoError(t, err)
			require.Equal(t, int64(at), saved.Position)

			loaded, err := sn.Load(ctx, stream)
			require.NoError(t, err, "stream %d", i)
			require.NotNil(t, loaded.Snapshot, "stream %d: loaded from the snapshot", i)
			require.Equal(t, int64(at), loaded.Snapshot.Position)
			require.Equal(t, n-1-at, loaded.Folded, "stream %d: only the tail is folded", i)
			require.Equal(t, int64(n-1), loaded.Position)
			requireSameProjection(t, full, loaded.Projection, "stream %d (%d events, snapshot at %d)", i, n, at)
		}
	})

	t.Run("Snapshotter/PolicyEvery", func(t *testing.T) {
		s := setup(t)
		client := pgevents.NewClient(s.Events)
		g := pgeventstest.NewGenerator(7)
		opts := &pgeventstest.EventOpts{Names: []string{"Deposited", "Withdrawn"}}
		p := snapshotProjector(t, 1)
		sn, err := projection.NewSnapshotter(p, s.Snapshots, &projection.SnapshotPolicy{Every: 5})
		require.NoError(t, err)
		stream := client.Stream("account", "policy")
		_, err = stream.Append(ctx, g.Events(12, opts), nil)
		require.NoError(t, err)

		first, err := sn.Load(ctx, stream)
		require.NoError(t, err)
		require.Nil(t, first.Snapshot)
		require.Equal(t, 12, first.Folded)
		require.NoError(t, first.SaveErr)
		require.NotNil(t, first.Saved, "12 events folded, Every 5: a snapshot is written")
		require.Equal(t, int64(11), first.Saved.Position)

		_, err = stream.Append(ctx, g.Events(3, opts), nil)
		require.NoError(t, err)
		second, err := sn.Load(ctx, stream)
		require.NoError(t, err)
		require.Equal(t, 3, second.Folded, "only the events after the snapshot are folded")
		require.Nil(t, second.Saved, "3 events folded, Every 5: no snapshot")
		full, err := p.ProjectStream(ctx, stream)
		require.NoError(t, err)
		requireSameProjection(t, full, second.Projection, "after the tail")

		v2, err := projection.NewSnapshotter(snapshotProjector(t, 2), s.Snapshots, nil)
		require.NoError(t, err)
		third, err := v2.Load(ctx, stream)
		require.NoError(t, err)
		require.Nil(t, third.Snapshot, "version 2 ignores version 1's snapshot")
		require.Equal(t, 15, third.Folded)
	})
}

// snapshotState is the state of the snapshot property test's projector.
type snapshotState struct {
	Balance int      `json:"balance"`
	Keys    []string `json:"keys"`
	Last    string   `json:"last"`
}

// snapshotMetadata is its metadata: every event counts, handled or not.
type snapshotMetadata struct {
	Events   int    `json:"events"`
	LastName string `json:"last_name"`
}

// snapshotProjector folds the property test's events: payload keys into
// the balance and a list, ids into Last; "Noted" events are ignored.
func snapshotProjector(t *testing.T, version int) *projection.Projector[snapshotState, snapshotMetadata] {
	t.Helper()
	keys := func(e pgevents.Event) []string {
		var m map[string]json.RawMessage
		_ = json.Unmarshal(e.Payload, &m)
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	p, err := projection.New(&projection.Config[snapshotState, snapshotMetadata]{
		Handlers: map[string]projection.Handler[snapshotState]{
			"deposited": func(s snapshotState, e pgevents.Event) (snapshotState, error) {
				s.Balance += len(keys(e))
				return s, nil
			},
			"withdrawn": func(s snapshotState, e pgevents.Event) (snapshotState, error) {
				s.Balance--
				if k := keys(e); len(k) > 0 {
					s.Keys = append(s.Keys[:len(s.Keys):len(s.Keys)], k[0])
				}
				return s, nil
			},
			"renamed": func(s snapshotState, e pgevents.Event) (snapshotState, error) {
				s.Last = e.ID.String()
				return s, nil
			},
		},
		IgnoreUnknownEvents: true,
		Name:                "snapshot-account",
		UpdateMetadata: func(m snapshotMetadata, _ snapshotState, e pgevents.Event) (snapshotMetadata, error) {
			m.Events++
			m.LastName = e.Name
			return m, nil
		},
		Version: version,
	})
	require.NoError(t, err)
	return p
}

// requireSameProjection asserts two projections are equal as stored: id,
// name, source, and state and metadata as JSON.
func requireSameProjection[S, M any](t *testing.T, want, got *projection.Projection[S, M], msgAndArgs ...any) {
	t.Helper()
	w, err := want.ToStored()
	require.NoError(t, err)
	g, err := got.ToStored()
	require.NoError(t, err)
	require.Equal(t, w.ID, g.ID, msgAndArgs...)
	require.Equal(t, w.Name, g.Name, msgAndArgs...)
	require.Equal(t, w.Source, g.Source, msgAndArgs...)
	require.JSONEq(t, string(w.State), string(g.State), msgAndArgs...)
	require.JSONEq(t, string(w.Metadata), string(g.Metadata), msgAndArgs...)
}
