package pgevents_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

func TestAppendParams_EventsWithIDs(t *testing.T) {
	t.Parallel()
	own := uuid.New()
	p := &pgevents.AppendParams{Events: []pgevents.NewEvent{{Name: "A"}, {ID: own, Name: "B"}, {Name: "C"}}}
	first, err := p.EventsWithIDs()
	require.NoError(t, err)
	require.Equal(t, uuid.Version(7), first[0].ID.Version())
	require.Equal(t, own, first[1].ID, "an event's own id is kept")
	require.NotEqual(t, first[0].ID, first[2].ID)
	require.Equal(t, uuid.Nil, p.Events[0].ID, "the caller's events are not modified")

	again, err := p.EventsWithIDs()
	require.NoError(t, err)
	require.Equal(t, first, again, "the same *AppendParams: the same ids (an idempotent retry)")

	copied := *p
	fromCopy, err := copied.EventsWithIDs()
	require.NoError(t, err)
	require.Equal(t, first, fromCopy, "a copy of the params is the same append")

	p.Events[1].ID = uuid.Nil // its own id cleared: every event gets an id still
	cleared, err := p.EventsWithIDs()
	require.NoError(t, err)
	require.NotEqual(t, uuid.Nil, cleared[1].ID)
	p.Events[1].ID = own

	p.Events = []pgevents.NewEvent{{Name: "A"}, {ID: own, Name: "B"}, {Name: "C"}}
	other, err := p.EventsWithIDs()
	require.NoError(t, err)
	require.NotEqual(t, first[0].ID, other[0].ID, "new events in the params: new ids")

	p.Events = p.Events[:2]
	shorter, err := p.EventsWithIDs()
	require.NoError(t, err)
	require.NotEqual(t, other[0].ID, shorter[0].ID, "a different slice: new ids")

	empty := &pgevents.AppendParams{}
	none, err := empty.EventsWithIDs()
	require.NoError(t, err)
	require.Empty(t, none)
}

func TestAppendStreamsParams_EventsWithIDs(t *testing.T) {
	t.Parallel()
	p := &pgevents.AppendStreamsParams{Streams: map[string]pgevents.StreamAppend{
		"a": {Events: []pgevents.NewEvent{{Name: "A"}}}, "b": {Events: []pgevents.NewEvent{{Name: "B"}, {Name: "C"}}},
	}}
	first, err := p.EventsWithIDs()
	require.NoError(t, err)
	again, err := p.EventsWithIDs()
	require.NoError(t, err)
	require.Equal(t, first, again)
	require.Len(t, first["b"], 2)
	require.Equal(t, uuid.Nil, p.Streams["b"].Events[0].ID)
	p.Streams["a"] = pgevents.StreamAppend{Events: []pgevents.NewEvent{{Name: "A"}}}
	changed, err := p.EventsWithIDs()
	require.NoError(t, err)
	require.NotEqual(t, first["a"][0].ID, changed["a"][0].ID)
	require.Equal(t, first["b"], changed["b"])
}

func TestWithIDs(t *testing.T) {
	t.Parallel()
	in := []pgevents.NewEvent{{Name: "A"}, {ID: uuid.New(), Name: "B"}}
	out, err := pgevents.WithIDs(in)
	require.NoError(t, err)
	require.NotEqual(t, uuid.Nil, out[0].ID)
	require.Equal(t, in[1].ID, out[1].ID)
	require.Equal(t, uuid.Nil, in[0].ID)
}
