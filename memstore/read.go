package memstore

import (
	"context"
	"fmt"
	"math"

	"github.com/pgevents/pgevents"
)

// ReadStream returns a stream's events in position order from
// params.FromPosition, at most params.Limit of them (0 means
// pgevents.DefaultLimit, -1 all). It returns an empty slice, not an error,
// for a stream with no events. A nil params is the zero ReadStreamParams.
// ctx is checked before the call.
//
// Errors: a *pgevents.InvalidInputError (ErrInvalidInput) for a bad limit,
// invalid names or a negative position, checked in that order.
func (s *Store) ReadStream(ctx context.Context, params *pgevents.ReadStreamParams) ([]pgevents.Event, error) {
	if params == nil {
		params = &pgevents.ReadStreamParams{}
	}
	limit, err := checkLimit(params.Limit)
	if err != nil {
		return nil, err
	}
	if err := checkStreamNames(params.Category, params.Stream); err != nil {
		return nil, err
	}
	if params.FromPosition < 0 {
		return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidReadArgument, Field: "from_position", Reason: "must be at least 0"}
	}
	var out []pgevents.Event
	err = s.read(ctx, "read stream", func(int) error {
		idx := s.mem.streams[streamKey{params.Category, params.Stream}]
		out = s.mem.collect(idx, min(params.FromPosition, int64(len(idx))), limit)
		return nil
	})
	return out, err
}

// ReadEvents returns the events of params.Category, or of the whole log when
// it is empty, after the cursor params.After, in resumable order
// (TransactionID, SequenceNumber), at most params.Limit of them (0 means
// pgevents.DefaultLimit, -1 all). Every committed append is visible at once
// (there is no fence to wait for); inside InTx, the transaction's own events
// are not. A nil params reads the log from the start. ctx is checked before
// the call.
//
// Errors: a *pgevents.InvalidInputError (ErrInvalidInput) for a bad limit,
// an invalid category, or a cursor with a negative sequence number
// (CodeInvalidReadArgument, field "after_sequence_number") or a transaction
// id never given out yet ("after_transaction_id", a cursor from the future:
// reading after it would skip every event until the ids caught up), checked
// in that order, as pgevents.read_category and read_log do.
func (s *Store) ReadEvents(ctx context.Context, params *pgevents.ReadEventsParams) ([]pgevents.Event, error) {
	if params == nil {
		params = &pgevents.ReadEventsParams{}
	}
	limit, err := checkLimit(params.Limit)
	if err != nil {
		return nil, err
	}
	if params.Category != "" {
		if err := pgevents.CheckName("category", params.Category); err != nil {
			return nil, err
		}
	}
	if params.After.SequenceNumber < 0 {
		return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidReadArgument, Field: "after_sequence_number",
			Reason: fmt.Sprintf("must be at least 0 (got %d)", params.After.SequenceNumber)}
	}
	var out []pgevents.Event
	err = s.read(ctx, "read events", func(visible int) error {
		m := s.mem
		if params.After.TransactionID > m.lastTx {
			return &pgevents.InvalidInputError{Code: pgevents.CodeInvalidReadArgument, Field: "after_transaction_id",
				Reason: fmt.Sprintf("is beyond the transaction ids assigned so far (got %d): not a cursor a read returned", params.After.TransactionID)}
		}
		if params.Category == "" {
			from := m.afterInLog(visible, params.After)
			out = m.collectLog(from, visible, limit)
			return nil
		}
		idx := m.categories[params.Category]
		n := len(idx)
		for n > 0 && idx[n-1] >= visible {
			n--
		}
		idx = idx[:n]
		out = m.collect(idx, int64(m.after(idx, n, params.After)), limit)
		return nil
	})
	return out, err
}

// LatestEvent returns the latest event of params.Source: a stream's event at
// the highest position, or the last event of a category or the log in
// resumable order. A nil params is the log. ctx is checked before the call.
//
// Errors: pgevents.ErrNotFound when the source has no event; a
// *pgevents.InvalidInputError (ErrInvalidInput) for a stream without a
// category (CodeInvalidIdentifier) or invalid names.
func (s *Store) LatestEvent(ctx context.Context, params *pgevents.LatestEventParams) (*pgevents.Event, error) {
	if params == nil {
		params = &pgevents.LatestEventParams{}
	}
	src := params.Source
	if err := src.Validate(); err != nil {
		return nil, err
	}
	if src.Category != "" {
		if err := pgevents.CheckName("category", src.Category); err != nil {
			return nil, err
		}
	}
	if src.Stream != "" {
		if err := pgevents.CheckName("stream", src.Stream); err != nil {
			return nil, err
		}
	}
	var out *pgevents.Event
	err := s.read(ctx, "latest event", func(int) error {
		m := s.mem
		var e *pgevents.Event
		switch {
		case src.Stream != "":
			e = m.latest(src.Category, src.Stream)
		case src.Category != "":
			if idx := m.categories[src.Category]; len(idx) > 0 {
				e = &m.events[idx[len(idx)-1]]
			}
		case len(m.events) > 0:
			e = &m.events[len(m.events)-1]
		}
		if e == nil {
			return fmt.Errorf("pgevents: latest event: %w", pgevents.ErrNotFound)
		}
		c := cloneEvent(*e)
		out = &c
		return nil
	})
	return out, err
}

// checkLimit is pgevents.check_limit, after pgstore's conversion of a Go
// limit: it returns the number of events to read at most.
func checkLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return pgevents.DefaultLimit, nil
	case limit == -1 || limit > math.MaxInt32:
		return math.MaxInt, nil
	case limit < -1:
		return 0, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidReadArgument, Field: "limit",
			Reason: fmt.Sprintf("must be -1 (unlimited) or at least 0 (got %d)", max(limit, math.MinInt32))}
	}
	return limit, nil
}

// collect returns copies of the events idx[from:], at most limit of them.
func (m *memory) collect(idx []int, from int64, limit int) []pgevents.Event {
	idx = idx[from:]
	if len(idx) > limit {
		idx = idx[:limit]
	}
	out := make([]pgevents.Event, len(idx))
	for i, j := range idx {
		out[i] = cloneEvent(m.events[j])
	}
	return out
}

// afterInLog returns the index of the first of the first n events of the
// log after cursor c.
func (m *memory) afterInLog(n int, c pgevents.Cursor) int {
	lo, hi := 0, n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if c.Less(m.events[mid].Cursor()) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// collectLog returns copies of the log's events from index from (below
// end), at most limit of them.
func (m *memory) collectLog(from, end, limit int) []pgevents.Event {
	if end-from > limit {
		end = from + limit
	}
	out := make([]pgevents.Event, 0, max(0, end-from))
	for i := from; i < end; i++ {
		out = append(out, cloneEvent(m.events[i]))
	}
	return out
}

// checkStreamNames checks a stream's category and stream names in the order
// pgevents.check_name is called in SQL (category first).
func checkStreamNames(category, stream string) error {
	if err := pgevents.CheckName("category", category); err != nil {
		return err
	}
	return pgevents.CheckName("stream", stream)
}
