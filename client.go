package pgevents

import (
	"context"
	"errors"
	"iter"
)

// Client gives handles on the log, its categories and streams over any
// Store. It holds no state of its own and is safe for concurrent use.
type Client struct {
	store Store
}

// NewClient returns a Client over store.
func NewClient(store Store) *Client { return &Client{store: store} }

// Store returns the underlying Store.
func (c *Client) Store() Store { return c.store }

// Stream returns a handle on the stream (category, stream). Names are
// checked when the handle is used: an empty category or stream makes every
// method fail with an *InvalidInputError (CodeInvalidName), never widen to
// the category or the log.
func (c *Client) Stream(category, stream string) *Stream {
	return &Stream{store: c.store, category: category, stream: stream}
}

// Category returns a handle on a category. An empty name makes every method
// fail with an *InvalidInputError (CodeInvalidName), never read the whole
// log (use Log for that).
func (c *Client) Category(category string) *Category {
	return &Category{store: c.store, category: category}
}

// checkHandleNames refuses the empty names that a Store would read as "no
// category" or "no stream" (the log, or the whole category): a handle always
// names what it reads. Other rules of names are the Store's.
func checkHandleNames(category, stream string, withStream bool) error {
	if category == "" {
		return &InvalidInputError{Code: CodeInvalidName, Field: "category", Reason: "must not be empty"}
	}
	if withStream && stream == "" {
		return &InvalidInputError{Code: CodeInvalidName, Field: "stream", Reason: "must not be empty"}
	}
	return nil
}

// Log returns a handle on the whole log.
func (c *Client) Log() *Log { return &Log{store: c.store} }

// AppendOpts are the options of an append through a handle. Nil means defaults.
type AppendOpts struct {
	// Condition to meet. Defaults to none. Category.Append refuses it
	// (CodeInvalidCondition): its conditions are per stream.
	Condition Condition
	// Scope is the serialisation scope. Defaults to ScopeStream.
	Scope Scope
}

// ReadOpts are the options of a stream read. Nil means defaults.
type ReadOpts struct {
	// FromPosition is the first position returned. Defaults to 0.
	FromPosition int64
	// PageSize is the number of events fetched per round trip. Defaults to
	// DefaultLimit.
	PageSize int
}

// ScanOpts are the options of a category or log scan. Nil means defaults.
type ScanOpts struct {
	// After is the cursor of the last event already seen. Defaults to the start.
	After Cursor
	// PageSize is the number of events fetched per round trip. Defaults to
	// DefaultLimit.
	PageSize int
}

// Stream is a handle on one stream.
type Stream struct {
	category string
	store    Store
	stream   string
}

// ID returns the stream's identifier.
func (s *Stream) ID() Identifier { return StreamID(s.category, s.stream) }

// Append appends events atomically under opts' condition and scope and
// returns them as stored. See Store.AppendEvents for the guarantees and errors.
//
// Events without an ID get new ids on every call, so calling Append again
// after an error whose outcome is unknown (a lost connection) may append
// them twice. To retry idempotently, give the events ids first (WithIDs)
// and retry with those, or call Store.AppendEvents again with the same
// *AppendParams.
func (s *Stream) Append(ctx context.Context, events []NewEvent, opts *AppendOpts) ([]Event, error) {
	if err := checkHandleNames(s.category, s.stream, true); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &AppendOpts{}
	}
	res, err := s.store.AppendEvents(ctx, &AppendParams{Category: s.category, Stream: s.stream,
		Events: events, Condition: opts.Condition, Scope: opts.Scope})
	if err != nil {
		return nil, err
	}
	return res.Events, nil
}

// Events iterates over the stream in position order from opts.FromPosition,
// fetching a page at a time, until it has returned every event stored when
// it reached the end. Iteration stops at the first error, which it yields.
func (s *Stream) Events(ctx context.Context, opts *ReadOpts) iter.Seq2[Event, error] {
	if opts == nil {
		opts = &ReadOpts{}
	}
	pageSize := pageSizeOrDefault(opts.PageSize)
	return func(yield func(Event, error) bool) {
		if err := checkHandleNames(s.category, s.stream, true); err != nil {
			yield(Event{}, err)
			return
		}
		from := opts.FromPosition
		for {
			page, err := s.store.ReadStream(ctx, &ReadStreamParams{Category: s.category, Stream: s.stream,
				FromPosition: from, Limit: pageSize})
			if err != nil {
				yield(Event{}, err)
				return
			}
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
				from = e.Position + 1
			}
			if len(page) < pageSize {
				return
			}
		}
	}
}

// Read returns every event of the stream from opts.FromPosition.
func (s *Stream) Read(ctx context.Context, opts *ReadOpts) ([]Event, error) {
	return collect(s.Events(ctx, opts))
}

// Latest returns the stream's latest event, or ErrNotFound when it is empty.
func (s *Stream) Latest(ctx context.Context) (*Event, error) {
	if err := checkHandleNames(s.category, s.stream, true); err != nil {
		return nil, err
	}
	return s.store.LatestEvent(ctx, &LatestEventParams{Source: s.ID()})
}

// Position returns the stream's latest position, or nil when it is empty.
// Pass it to ExpectedPosition for an optimistic-concurrency append.
func (s *Stream) Position(ctx context.Context) (*int64, error) {
	e, err := s.Latest(ctx)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &e.Position, nil
}

// Category is a handle on one category.
type Category struct {
	category string
	store    Store
}

// ID returns the category's identifier.
func (c *Category) ID() Identifier { return CategoryID(c.category) }

// Stream returns a handle on a stream of the category.
func (c *Category) Stream(stream string) *Stream {
	return &Stream{store: c.store, category: c.category, stream: stream}
}

// Append appends to several streams of the category, all or nothing, each
// under its own condition (StreamAppend.Condition); opts.Scope applies. A
// condition in opts is refused with an *InvalidInputError
// (CodeInvalidCondition, field "condition"): there is no single stream to
// evaluate it on, and it is never silently ignored. See Store.AppendStreams;
// as with Stream.Append, events without an ID get new ids on every call.
func (c *Category) Append(ctx context.Context, streams map[string]StreamAppend, opts *AppendOpts) ([]Event, error) {
	if err := checkHandleNames(c.category, "", false); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &AppendOpts{}
	}
	if opts.Condition.Type != "" {
		return nil, &InvalidInputError{Code: CodeInvalidCondition, Field: "condition",
			Reason: "Category.Append takes a condition per stream (StreamAppend.Condition), not in AppendOpts"}
	}
	res, err := c.store.AppendStreams(ctx, &AppendStreamsParams{Category: c.category, Streams: streams, Scope: opts.Scope})
	if err != nil {
		return nil, err
	}
	return res.Events, nil
}

// Read returns one page of the category after a cursor, in resumable order
// (see Store.ReadEvents). limit 0 means DefaultLimit, -1 all.
func (c *Category) Read(ctx context.Context, after Cursor, limit int) ([]Event, error) {
	if err := checkHandleNames(c.category, "", false); err != nil {
		return nil, err
	}
	return c.store.ReadEvents(ctx, &ReadEventsParams{Category: c.category, After: after, Limit: limit})
}

// Scan iterates over the category in resumable order from opts.After, a page
// at a time, picking up events committed while it runs, until a page comes
// back empty. Resuming a later Scan from the last event's Cursor never skips
// or repeats an event. Iteration stops at the first error, which it yields.
func (c *Category) Scan(ctx context.Context, opts *ScanOpts) iter.Seq2[Event, error] {
	if err := checkHandleNames(c.category, "", false); err != nil {
		return func(yield func(Event, error) bool) { yield(Event{}, err) }
	}
	return scan(ctx, c.store, c.category, opts)
}

// Latest returns the category's latest event, or ErrNotFound when it is empty.
func (c *Category) Latest(ctx context.Context) (*Event, error) {
	if err := checkHandleNames(c.category, "", false); err != nil {
		return nil, err
	}
	return c.store.LatestEvent(ctx, &LatestEventParams{Source: c.ID()})
}

// Log is a handle on the whole log.
type Log struct {
	store Store
}

// Read returns one page of the log after a cursor, in resumable order (see
// Store.ReadEvents). limit 0 means DefaultLimit, -1 all.
func (l *Log) Read(ctx context.Context, after Cursor, limit int) ([]Event, error) {
	return l.store.ReadEvents(ctx, &ReadEventsParams{After: after, Limit: limit})
}

// Scan iterates over the log like Category.Scan.
func (l *Log) Scan(ctx context.Context, opts *ScanOpts) iter.Seq2[Event, error] {
	return scan(ctx, l.store, "", opts)
}

// Latest returns the log's latest event, or ErrNotFound when it is empty.
func (l *Log) Latest(ctx context.Context) (*Event, error) {
	return l.store.LatestEvent(ctx, &LatestEventParams{Source: LogID()})
}

func scan(ctx context.Context, store Store, category string, opts *ScanOpts) iter.Seq2[Event, error] {
	if opts == nil {
		opts = &ScanOpts{}
	}
	pageSize := pageSizeOrDefault(opts.PageSize)
	return func(yield func(Event, error) bool) {
		after := opts.After
		for {
			page, err := store.ReadEvents(ctx, &ReadEventsParams{Category: category, After: after, Limit: pageSize})
			if err != nil {
				yield(Event{}, err)
				return
			}
			if len(page) == 0 {
				return
			}
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
				after = e.Cursor()
			}
		}
	}
}

func pageSizeOrDefault(n int) int {
	if n <= 0 {
		return DefaultLimit
	}
	return n
}

func collect(seq iter.Seq2[Event, error]) ([]Event, error) {
	var out []Event
	for e, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// RetryOnConditionFailed calls fn until it returns something other than an
// unmet write condition (ErrConditionFailed), at most attempts times
// (attempts < 1 means 1). It is the optimistic-concurrency loop: fn reads
// the stream, decides, and appends with ExpectedPosition; a concurrent
// writer makes the append fail and fn runs again on fresh state. It returns
// fn's last error, or ctx's error if ctx ends between attempts.
func RetryOnConditionFailed(ctx context.Context, attempts int, fn func(ctx context.Context) error) error {
	if attempts < 1 {
		attempts = 1
	}
	var err error
	for range attempts {
		if err = fn(ctx); !errors.Is(err, ErrConditionFailed) {
			return err
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
	}
	return err
}
