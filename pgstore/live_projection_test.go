package pgstore

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/projection"
	"github.com/pgevents/pgevents/storetest"
)

// TestLiveProjectionStore_Contract runs the live projection registry
// contract (storetest.RunLiveRegistry) on PostgreSQL, each subtest on a
// fresh database; memstore runs the same cases.
func TestLiveProjectionStore_Contract(t *testing.T) {
	t.Parallel()
	storetest.RunLiveRegistry(t, func(t *testing.T) storetest.LiveStores {
		pool := newPool(t, execModes[0], 10)
		store := setupStore(t, pool, nil).store
		return storetest.LiveStores{Consumers: NewConsumerStore(store), Events: store, Projections: NewProjectionStore(pool),
			Registry: NewLiveProjectionStore(pool)}
	})
}

// TestProjectionStore_LoadSaveProjections checks the pipelined loads and
// saves live projection batches use: order kept, nil for missing ones, the
// same errors as one at a time, and nothing saved when one save fails.
func TestProjectionStore_LoadSaveProjections(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := newPool(t, execModes[0], 10)
	_ = setupStore(t, pool, nil)
	s := NewProjectionStore(pool)
	stored := func(id, state string) *projection.Stored {
		return &projection.Stored{Name: "p", ID: id, Source: pgevents.StreamID("acct", id), State: json.RawMessage(state)}
	}
	require.NoError(t, s.SaveProjections(ctx, []*projection.Stored{stored("a", `{"n": 1}`), stored("b", `{"n": 2}`)}))
	got, err := s.LoadProjections(ctx, "p", []string{"b", "missing", "a"})
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.JSONEq(t, `{"n": 2}`, string(got[0].State))
	require.Nil(t, got[1])
	require.JSONEq(t, `{"n": 1}`, string(got[2].State))
	_, err = s.LoadProjections(ctx, "p", []string{"a", "x\x01"})
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)

	_, err = pool.Exec(ctx, `UPDATE pgevents.settings SET value = '100' WHERE name = 'projection_max_json_bytes'`)
	require.NoError(t, err)
	err = s.SaveProjections(ctx, []*projection.Stored{stored("c", `{"n": 3}`), stored("d", `{"big": "`+strings.Repeat("x", 200)+`"}`)})
	require.ErrorIs(t, err, pgevents.ErrInvalidInput, "over the installation's limit")
	got, err = s.LoadProjections(ctx, "p", []string{"c"})
	require.NoError(t, err)
	require.Nil(t, got[0], "one pipelined call is one implicit transaction: nothing saved")
}
