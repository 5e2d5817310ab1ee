package projection_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/projection"
)

type counter struct {
	Count  int      `json:"count"`
	Events []string `json:"events"`
}

type meta struct {
	Seen int `json:"seen"`
}

func event(name string, pos int64) pgevents.Event {
	return pgevents.Event{Category: "c", Stream: "s", Name: name, Position: pos, Payload: json.RawMessage(`{"n": 1}`)}
}

func record(c counter, e pgevents.Event) (counter, error) {
	c.Count++
	c.Events = append(c.Events, e.Name)
	return c, nil
}

func TestNormalizeEventName(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"profile-created", "ProfileCreated", "profile_created", "PROFILE CREATED", "profile.created", "Profile--Created"} {
		require.Equal(t, "profilecreated", projection.NormalizeEventName(n), n)
	}
	require.NotEqual(t, projection.NormalizeEventName("profile-created"), projection.NormalizeEventName("profile-create"))
	require.Equal(t, "zoë2", projection.NormalizeEventName("Zoë_2"))
}

func TestNew_HandlersMatchAnySpelling(t *testing.T) {
	t.Parallel()
	p, err := projection.New(&projection.Config[counter, struct{}]{Name: "counter",
		Handlers: map[string]projection.Handler[counter]{"profile-created": record}})
	require.NoError(t, err)
	got, err := p.ProjectEvents(pgevents.StreamID("c", "s"), []pgevents.Event{
		event("profile-created", 0), event("ProfileCreated", 1), event("profile_created", 2), event("PROFILE CREATED", 3),
	})
	require.NoError(t, err)
	require.Equal(t, 4, got.State.Count)
	require.True(t, p.Handles("Profile.Created"))
	require.False(t, p.Handles("profile-deleted"))
}

func TestNew_RejectsHandlersThatNormaliseEqual(t *testing.T) {
	t.Parallel()
	_, err := projection.New(&projection.Config[counter, struct{}]{Name: "counter",
		Handlers: map[string]projection.Handler[counter]{"profile-created": record, "ProfileCreated": record}})
	require.ErrorContains(t, err, `"ProfileCreated"`)
	require.ErrorContains(t, err, `"profile-created"`)

	_, err = projection.New(&projection.Config[counter, struct{}]{Name: "counter",
		Handlers: map[string]projection.Handler[counter]{"--": record}})
	require.ErrorContains(t, err, "no letter or digit")

	_, err = projection.New(&projection.Config[counter, struct{}]{Name: "counter",
		Handlers: map[string]projection.Handler[counter]{"x": nil}})
	require.ErrorContains(t, err, "nil")
}

type UserProfile struct{}
type HTTPServerState struct{}
type Box[T any] struct{ V T }

func TestNew_DefaultName(t *testing.T) {
	t.Parallel()
	require.Equal(t, "counter", projection.DefaultName[counter]())
	require.Equal(t, "user-profile", projection.DefaultName[UserProfile]())
	require.Equal(t, "user-profile", projection.DefaultName[*UserProfile]())
	require.Equal(t, "http-server-state", projection.DefaultName[HTTPServerState]())
	require.Equal(t, "box", projection.DefaultName[Box[int]]())
	require.Equal(t, "", projection.DefaultName[map[string]any]())

	p, err := projection.New[UserProfile, struct{}](nil)
	require.NoError(t, err)
	require.Equal(t, "user-profile", p.Name())

	_, err = projection.New[map[string]any, struct{}](nil)
	require.ErrorContains(t, err, "Config.Name is required")
	named, err := projection.New(&projection.Config[map[string]any, struct{}]{Name: "bag"})
	require.NoError(t, err)
	require.Equal(t, "bag", named.Name())
}

func TestProjector_UnknownEvents(t *testing.T) {
	t.Parallel()
	cfg := &projection.Config[counter, meta]{Name: "counter",
		Handlers: map[string]projection.Handler[counter]{"known": record},
		UpdateMetadata: func(m meta, _ counter, _ pgevents.Event) (meta, error) {
			m.Seen++
			return m, nil
		},
	}
	strict, err := projection.New(cfg)
	require.NoError(t, err)
	events := []pgevents.Event{event("known", 0), event("mystery-event", 1), event("known", 2)}
	_, err = strict.ProjectEvents(pgevents.StreamID("c", "s"), events)
	require.ErrorIs(t, err, projection.ErrUnknownEvent)
	var unknown *projection.UnknownEventError
	require.ErrorAs(t, err, &unknown)
	require.Equal(t, "mystery-event", unknown.Event.Name)
	require.Equal(t, "counter", unknown.Projector)
	require.ErrorContains(t, err, `"mystery-event"`)
	require.ErrorContains(t, err, `"counter"`)

	cfg.IgnoreUnknownEvents = true
	lenient, err := projection.New(cfg)
	require.NoError(t, err)
	got, err := lenient.ProjectEvents(pgevents.StreamID("c", "s"), events)
	require.NoError(t, err)
	require.Equal(t, []string{"known", "known"}, got.State.Events)
	require.Equal(t, 3, got.Metadata.Seen, "metadata is updated after every event, ignored ones included")
}

func TestProjector_InitialStateIDAndMetadata(t *testing.T) {
	t.Parallel()
	var sawState []counter
	p, err := projection.New(&projection.Config[counter, meta]{Name: "counter",
		Handlers:        map[string]projection.Handler[counter]{"tick": record},
		InitialState:    func() counter { return counter{Events: []string{"start"}} },
		InitialMetadata: func() meta { return meta{Seen: 100} },
		ID: func(s counter, source pgevents.Identifier) (string, error) {
			return fmt.Sprintf("%s-%d", source.Stream, s.Count), nil
		},
		UpdateMetadata: func(m meta, s counter, e pgevents.Event) (meta, error) {
			sawState = append(sawState, s)
			m.Seen += int(e.Position)
			return m, nil
		},
	})
	require.NoError(t, err)
	a, err := p.ProjectEvents(pgevents.StreamID("c", "a"), []pgevents.Event{event("tick", 0), event("tick", 1)})
	require.NoError(t, err)
	require.Equal(t, "a-2", a.ID)
	require.Equal(t, "counter", a.Name)
	require.Equal(t, pgevents.StreamID("c", "a"), a.Source)
	require.Equal(t, []string{"start", "tick", "tick"}, a.State.Events)
	require.Equal(t, meta{Seen: 101}, a.Metadata)
	require.Equal(t, 2, sawState[1].Count, "UpdateMetadata sees the state after the event")

	b, err := p.ProjectEvents(pgevents.StreamID("c", "b"), nil)
	require.NoError(t, err)
	require.Equal(t, "b-0", b.ID)
	require.Equal(t, []string{"start"}, b.State.Events, "each projection starts from a fresh initial state")

	initial, err := p.Initial(pgevents.StreamID("c", "z"))
	require.NoError(t, err)
	require.Equal(t, "z-0", initial.ID)
}

func TestProjector_DefaultID(t *testing.T) {
	t.Parallel()
	p, err := projection.New(&projection.Config[counter, struct{}]{Name: "counter", IgnoreUnknownEvents: true})
	require.NoError(t, err)
	for source, want := range map[pgevents.Identifier]string{
		pgevents.StreamID("c", "s"): "s", pgevents.CategoryID("c"): "c", pgevents.LogID(): "log",
	} {
		got, err := p.ProjectEvents(source, nil)
		require.NoError(t, err)
		require.Equal(t, want, got.ID)
	}
	_, err = p.ProjectEvents(pgevents.Identifier{Stream: "s"}, nil)
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)
}

func TestProjector_Errors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	p, err := projection.New(&projection.Config[counter, struct{}]{Name: "counter",
		Handlers: map[string]projection.Handler[counter]{
			"fail": func(c counter, _ pgevents.Event) (counter, error) { return c, boom },
			"decode": projection.PayloadHandler(func(c counter, v struct{ N string }) (counter, error) {
				return c, nil
			}),
			"tick": record,
		},
		ID: func(c counter, _ pgevents.Identifier) (string, error) {
			if c.Count > 5 {
				return "", nil
			}
			return "id", nil
		},
	})
	require.NoError(t, err)
	source := pgevents.StreamID("c", "s")

	_, err = p.ProjectEvents(source, []pgevents.Event{event("tick", 0), event("fail", 1)})
	require.ErrorIs(t, err, boom)
	require.ErrorContains(t, err, `event "fail" (stream c/s, position 1)`)

	_, err = p.ProjectEvents(source, []pgevents.Event{event("decode", 0)})
	var typeErr *json.UnmarshalTypeError
	require.ErrorAs(t, err, &typeErr)

	readErr := errors.New("connection lost")
	var seq iter.Seq2[pgevents.Event, error] = func(yield func(pgevents.Event, error) bool) {
		if yield(event("tick", 0), nil) {
			yield(pgevents.Event{}, readErr)
		}
	}
	_, err = p.Project(source, seq)
	require.ErrorIs(t, err, readErr)

	var many []pgevents.Event
	for i := range 6 {
		many = append(many, event("tick", int64(i)))
	}
	_, err = p.ProjectEvents(source, many)
	require.ErrorContains(t, err, "empty id")
}

func TestProjector_Update(t *testing.T) {
	t.Parallel()
	p, err := projection.New(&projection.Config[counter, struct{}]{Name: "counter",
		Handlers: map[string]projection.Handler[counter]{"tick": record},
		ID: func(c counter, s pgevents.Identifier) (string, error) {
			return fmt.Sprintf("%s:%d", s.Stream, c.Count), nil
		}})
	require.NoError(t, err)
	first, err := p.ProjectEvents(pgevents.StreamID("c", "s"), []pgevents.Event{event("tick", 0)})
	require.NoError(t, err)
	second, err := p.UpdateEvents(first, []pgevents.Event{event("tick", 1), event("tick", 2)})
	require.NoError(t, err)
	require.Equal(t, 3, second.State.Count)
	require.Equal(t, "s:3", second.ID, "the id is derived again from the final state")
	require.Equal(t, first.Source, second.Source)
	require.Equal(t, 1, first.State.Count, "the base is not modified")

	other := &projection.Projection[counter, struct{}]{Name: "other", Source: pgevents.LogID()}
	_, err = p.UpdateEvents(other, nil)
	require.ErrorContains(t, err, `"other"`)
}

func TestProjection_StoredRoundTrip(t *testing.T) {
	t.Parallel()
	p := &projection.Projection[counter, meta]{ID: "i", Name: "counter", Source: pgevents.CategoryID("c"),
		State: counter{Count: 2, Events: []string{"a", "b"}}, Metadata: meta{Seen: 7}}
	s, err := p.ToStored()
	require.NoError(t, err)
	require.JSONEq(t, `{"count": 2, "events": ["a", "b"]}`, string(s.State))
	require.JSONEq(t, `{"seen": 7}`, string(s.Metadata))
	back, err := projection.FromStored[counter, meta](s)
	require.NoError(t, err)
	require.Equal(t, p, back)

	_, err = projection.FromStored[counter, meta](&projection.Stored{State: json.RawMessage(`"text"`)})
	require.Error(t, err)
	bad := &projection.Projection[func(), struct{}]{}
	_, err = bad.ToStored()
	require.Error(t, err)
}

// streamStore is a pgevents.Store holding one category's events, for the
// ProjectStream/ProjectCategory/ProjectLog helpers.
type streamStore struct{ events []pgevents.Event }

func (s *streamStore) AppendEvents(context.Context, *pgevents.AppendParams) (*pgevents.AppendResult, error) {
	return nil, pgevents.ErrNotImplemented
}

func (s *streamStore) AppendStreams(context.Context, *pgevents.AppendStreamsParams) (*pgevents.AppendResult, error) {
	return nil, pgevents.ErrNotImplemented
}

func (s *streamStore) ReadStream(_ context.Context, p *pgevents.ReadStreamParams) ([]pgevents.Event, error) {
	var out []pgevents.Event
	for _, e := range s.events {
		if e.Category == p.Category && e.Stream == p.Stream && e.Position >= p.FromPosition && len(out) < p.Limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *streamStore) ReadEvents(_ context.Context, p *pgevents.ReadEventsParams) ([]pgevents.Event, error) {
	var out []pgevents.Event
	for _, e := range s.events {
		if (p.Category == "" || e.Category == p.Category) && p.After.Less(e.Cursor()) && len(out) < p.Limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *streamStore) LatestEvent(context.Context, *pgevents.LatestEventParams) (*pgevents.Event, error) {
	return nil, pgevents.ErrNotImplemented
}

func TestProjector_ProjectStreamCategoryLog(t *testing.T) {
	t.Parallel()
	store := &streamStore{}
	for i, s := range []string{"a", "b", "a", "a"} {
		e := event("tick", 0)
		e.Stream, e.SequenceNumber, e.TransactionID = s, int64(i+1), 1
		store.events = append(store.events, e)
	}
	store.events[2].Position, store.events[3].Position = 1, 2
	client := pgevents.NewClient(store)
	p, err := projection.New(&projection.Config[counter, struct{}]{Name: "counter",
		Handlers: map[string]projection.Handler[counter]{"tick": record}})
	require.NoError(t, err)
	ctx := context.Background()

	s, err := p.ProjectStream(ctx, client.Stream("c", "a"))
	require.NoError(t, err)
	require.Equal(t, 3, s.State.Count)
	require.Equal(t, pgevents.StreamID("c", "a"), s.Source)
	require.Equal(t, "a", s.ID)

	c, err := p.ProjectCategory(ctx, client.Category("c"))
	require.NoError(t, err)
	require.Equal(t, 4, c.State.Count)
	require.Equal(t, pgevents.CategoryID("c"), c.Source)

	l, err := p.ProjectLog(ctx, client.Log())
	require.NoError(t, err)
	require.Equal(t, 4, l.State.Count)
	require.Equal(t, "log", l.ID)
}
