package projection_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/projection"
)

// One stored projection whose state does not decode into the repository's
// type must not hide the rest of the page (issue 8, item 4).
func TestRepository_SearchReturnsThePageAroundAProjectionThatDoesNotDecode(t *testing.T) {
	ctx := context.Background()
	store := memstore.NewProjectionStore()
	for _, p := range []struct{ id, state string }{
		{"a", `{"count": 1}`},
		{"b", `{"count": "not a number"}`},
		{"c", `{"count": 3}`},
	} {
		_, err := store.SaveProjection(ctx, &projection.Stored{Name: "counter", ID: p.id,
			Source: pgevents.LogID(), State: json.RawMessage(p.state), Metadata: json.RawMessage(`{}`)})
		require.NoError(t, err)
	}
	type counter struct {
		Count int `json:"count"`
	}
	repo := projection.NewRepository[counter, map[string]any](store, "counter")

	found, err := repo.Search(ctx, projection.Query{})
	require.ErrorIs(t, err, projection.ErrDecode)
	var de *projection.DecodeError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "b", de.ID)
	require.Equal(t, "state", de.Part)
	require.Len(t, found, 2)
	require.Equal(t, "a", found[0].ID)
	require.Equal(t, "c", found[1].ID)

	_, err = repo.Load(ctx, "b")
	require.ErrorIs(t, err, projection.ErrDecode)
	var syntax *json.UnmarshalTypeError
	require.True(t, errors.As(err, &syntax), "unwraps to the JSON error: %v", err)
}
