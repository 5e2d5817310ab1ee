package pgeventstest

import (
	"context"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/pgevents/pgevents"
)

// fakeStore is a minimal in-memory pgevents.Store for this package's tests:
// no conditions, one transaction id per append, reads see everything.
type fakeStore struct {
	err    error // returned by every read when set
	events []pgevents.Event
	mu     sync.Mutex
	reads  int
}

var _ pgevents.Store = (*fakeStore)(nil)

func (s *fakeStore) AppendEvents(_ context.Context, p *pgevents.AppendParams) (*pgevents.AppendResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := int64(0)
	for _, e := range s.events {
		if e.Category == p.Category && e.Stream == p.Stream {
			next = e.Position + 1
		}
	}
	tx := uint64(len(s.events) + 100)
	res := &pgevents.AppendResult{}
	for _, ne := range p.Events {
		if ne.ID == uuid.Nil {
			ne.ID = uuid.New()
		}
		e := NewStoredEventBuilder().FromNewEvent(ne).WithStream(p.Category, p.Stream).WithPosition(next).
			WithSequenceNumber(int64(len(s.events) + 1)).WithTransactionID(tx).Build()
		s.events = append(s.events, e)
		res.Events = append(res.Events, e)
		next++
	}
	return res, nil
}

func (s *fakeStore) AppendStreams(context.Context, *pgevents.AppendStreamsParams) (*pgevents.AppendResult, error) {
	return nil, pgevents.ErrNotImplemented
}

func (s *fakeStore) read(match func(pgevents.Event) bool, limit int) ([]pgevents.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	if s.err != nil {
		return nil, s.err
	}
	if limit == 0 {
		limit = pgevents.DefaultLimit
	}
	var out []pgevents.Event
	for _, e := range s.events {
		if match(e) && (limit < 0 || len(out) < limit) {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *fakeStore) ReadStream(_ context.Context, p *pgevents.ReadStreamParams) ([]pgevents.Event, error) {
	return s.read(func(e pgevents.Event) bool {
		return e.Category == p.Category && e.Stream == p.Stream && e.Position >= p.FromPosition
	}, p.Limit)
}

func (s *fakeStore) ReadEvents(_ context.Context, p *pgevents.ReadEventsParams) ([]pgevents.Event, error) {
	return s.read(func(e pgevents.Event) bool {
		return (p.Category == "" || e.Category == p.Category) && p.After.Less(e.Cursor())
	}, p.Limit)
}

func (s *fakeStore) LatestEvent(_ context.Context, p *pgevents.LatestEventParams) (*pgevents.Event, error) {
	events, err := s.read(func(e pgevents.Event) bool {
		return (p.Source.Category == "" || e.Category == p.Source.Category) && (p.Source.Stream == "" || e.Stream == p.Source.Stream)
	}, -1)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, pgevents.ErrNotFound
	}
	return new(slices.MaxFunc(events, func(a, b pgevents.Event) int {
		if a.Cursor().Less(b.Cursor()) {
			return -1
		}
		return 1
	})), nil
}
