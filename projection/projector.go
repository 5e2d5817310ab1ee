package projection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/pgevents/pgevents"
)

// Handler applies one event to a projection's state and returns the new
// state. It must not keep or mutate event.
type Handler[S any] func(state S, event pgevents.Event) (S, error)

// PayloadHandler returns a Handler that decodes the event's JSON payload into
// a P and calls fn with it. A payload that does not decode fails the
// projection with the decoding error.
func PayloadHandler[S, P any](fn func(state S, payload P) (S, error)) Handler[S] {
	return func(state S, event pgevents.Event) (S, error) {
		var payload P
		if err := json.Unmarshal(event.Payload, &payload); err != nil {
			return state, fmt.Errorf("pgevents: decode payload of event %q: %w", event.Name, err)
		}
		return fn(state, payload)
	}
}

// Config configures a Projector. S is the state type and M the metadata
// type (use struct{} for none); both are stored as JSON, so they must
// marshal and unmarshal with encoding/json.
type Config[S, M any] struct {
	// Handlers maps event names to handlers. Names are matched case- and
	// separator-insensitively (NormalizeEventName): "profile-created" also
	// handles ProfileCreated and profile_created events. Two names that
	// normalise to the same form are an error. May be empty.
	Handlers map[string]Handler[S]
	// ID derives the projection's id from the final state and the source.
	// Defaults to DefaultID (the stream name, the category name or "log").
	ID func(state S, source pgevents.Identifier) (string, error)
	// IgnoreUnknownEvents makes the projector skip events it has no handler
	// for. Defaults to false: such an event fails the projection with an
	// *UnknownEventError.
	IgnoreUnknownEvents bool
	// InitialMetadata returns the metadata projections start from. Defaults
	// to the zero M.
	InitialMetadata func() M
	// InitialState returns the state projections start from. It is called
	// once per projection, so it may return fresh maps and slices. Defaults
	// to the zero S.
	InitialState func() S
	// Name is the projection name the projector's projections are saved
	// under. Defaults to the state type's name in kebab case ("UserProfile"
	// gives "user-profile"); required when S is not a named type.
	Name string
	// UpdateMetadata, when set, is called after every event (handled or
	// ignored) with the metadata so far, the state after the event and the
	// event, and returns the new metadata.
	UpdateMetadata func(metadata M, state S, event pgevents.Event) (M, error)
	// Version is the projector's version: raise it whenever a change of the
	// handlers or of S would fold the same events differently. Snapshots
	// (Snapshotter) are kept per version, and those of other versions are
	// ignored. Defaults to 1; negative is an error.
	Version int
}

// Projector folds events into a Projection. It is immutable once built and
// safe for concurrent use (as long as its handlers are).
type Projector[S, M any] struct {
	handlers        map[string]Handler[S]
	id              func(S, pgevents.Identifier) (string, error)
	ignoreUnknown   bool
	initialMetadata func() M
	initialState    func() S
	name            string
	updateMetadata  func(M, S, pgevents.Event) (M, error)
	version         int
}

// New validates cfg and returns a Projector. It returns an error when two
// handler names normalise to the same form, when a handler name has no letter
// or digit, when a handler is nil, when Version is negative, or when Name is empty and cannot be derived
// from S. cfg may be nil when S is a named type (a projector that handles no
// event).
func New[S, M any](cfg *Config[S, M]) (*Projector[S, M], error) {
	if cfg == nil {
		cfg = &Config[S, M]{}
	}
	p := &Projector[S, M]{
		handlers:        make(map[string]Handler[S], len(cfg.Handlers)),
		id:              cfg.ID,
		ignoreUnknown:   cfg.IgnoreUnknownEvents,
		initialMetadata: cfg.InitialMetadata,
		initialState:    cfg.InitialState,
		name:            cfg.Name,
		updateMetadata:  cfg.UpdateMetadata,
		version:         cfg.Version,
	}
	switch {
	case p.version < 0:
		return nil, fmt.Errorf("pgevents: projector: Config.Version must not be negative (got %d)", p.version)
	case p.version == 0:
		p.version = 1
	}
	if p.name == "" {
		p.name = DefaultName[S]()
		if p.name == "" {
			return nil, fmt.Errorf("pgevents: projector: Config.Name is required: the state type %s has no name to derive one from",
				reflect.TypeFor[S]())
		}
	}
	if p.id == nil {
		p.id = func(_ S, source pgevents.Identifier) (string, error) { return DefaultID(source), nil }
	}
	if p.initialState == nil {
		p.initialState = func() S { var s S; return s }
	}
	if p.initialMetadata == nil {
		p.initialMetadata = func() M { var m M; return m }
	}
	names := make([]string, 0, len(cfg.Handlers))
	for name := range cfg.Handlers {
		names = append(names, name)
	}
	sort.Strings(names) // deterministic error messages
	registered := map[string]string{}
	for _, name := range names {
		h := cfg.Handlers[name]
		norm := NormalizeEventName(name)
		switch {
		case norm == "":
			return nil, fmt.Errorf("pgevents: projector %q: handler name %q has no letter or digit", p.name, name)
		case h == nil:
			return nil, fmt.Errorf("pgevents: projector %q: handler for %q is nil", p.name, name)
		case registered[norm] != "":
			return nil, fmt.Errorf("pgevents: projector %q: handlers %q and %q handle the same events (both normalise to %q); keep one",
				p.name, registered[norm], name, norm)
		}
		registered[norm] = name
		p.handlers[norm] = h
	}
	return p, nil
}

// DefaultName returns the projection name derived from the type S: its Go
// name (without package, pointer or type arguments) in kebab case, e.g.
// "user-profile" for UserProfile. It returns "" for unnamed types.
func DefaultName[S any]() string {
	t := reflect.TypeFor[S]()
	for t.Kind() == reflect.Pointer && t.Name() == "" {
		t = t.Elem()
	}
	name, _, _ := strings.Cut(t.Name(), "[")
	return kebabCase(name)
}

// DefaultID is the id of a projection whose projector has no ID function:
// the stream name for a stream, the category name for a category and "log"
// for the log. Projecting a stream and a category of the same name under one
// projector therefore gives the same id: set Config.ID when that can happen.
func DefaultID(source pgevents.Identifier) string {
	switch source.Kind() {
	case "stream":
		return source.Stream
	case "category":
		return source.Category
	default:
		return "log"
	}
}

// Name returns the projector's name, the projection name its projections
// are saved under.
func (p *Projector[S, M]) Name() string { return p.name }

// Version returns the projector's version (Config.Version, at least 1).
func (p *Projector[S, M]) Version() int { return p.version }

// Handles reports whether the projector has a handler for events named
// eventName (compared with NormalizeEventName).
func (p *Projector[S, M]) Handles(eventName string) bool {
	_, ok := p.handlers[NormalizeEventName(eventName)]
	return ok
}

// Initial returns the projection of source before any event: the initial
// state and metadata, with the id derived from them.
func (p *Projector[S, M]) Initial(source pgevents.Identifier) (*Projection[S, M], error) {
	return p.Update(&Projection[S, M]{Name: p.name, Source: source, State: p.initialState(),
		Metadata: p.initialMetadata()}, func(func(pgevents.Event, error) bool) {})
}

// Apply applies one event to state and returns the new state. It returns an
// *UnknownEventError (ErrUnknownEvent) when no handler matches and unknown
// events are not ignored, and the handler's error, wrapped with the event.
func (p *Projector[S, M]) Apply(state S, event pgevents.Event) (S, error) {
	h, ok := p.handlers[NormalizeEventName(event.Name)]
	if !ok {
		if p.ignoreUnknown {
			return state, nil
		}
		return state, &UnknownEventError{Event: event, Projector: p.name}
	}
	next, err := h(state, event)
	if err != nil {
		return state, fmt.Errorf("pgevents: projector %q: event %q (stream %s/%s, position %d): %w",
			p.name, event.Name, event.Category, event.Stream, event.Position, err)
	}
	return next, nil
}

// Project projects events, read from source, from the initial state. The
// sequence is typically a Stream.Events, Category.Scan or Log.Scan of a
// pgevents.Client; its first error stops the projection and is returned.
// See Update for the other errors.
func (p *Projector[S, M]) Project(source pgevents.Identifier, events iter.Seq2[pgevents.Event, error]) (*Projection[S, M], error) {
	if err := source.Validate(); err != nil {
		return nil, err
	}
	return p.Update(&Projection[S, M]{Name: p.name, Source: source, State: p.initialState(),
		Metadata: p.initialMetadata()}, events)
}

// ProjectEvents projects a slice of events, read from source, from the
// initial state. See Project.
func (p *Projector[S, M]) ProjectEvents(source pgevents.Identifier, events []pgevents.Event) (*Projection[S, M], error) {
	return p.Project(source, Events(events))
}

// ProjectStream projects every event of a stream (read a page at a time
// through s.Events). ctx governs the reads.
func (p *Projector[S, M]) ProjectStream(ctx context.Context, s *pgevents.Stream) (*Projection[S, M], error) {
	return p.Project(s.ID(), s.Events(ctx, nil))
}

// ProjectCategory projects every event of a category, in resumable order
// (through c.Scan). ctx governs the reads.
func (p *Projector[S, M]) ProjectCategory(ctx context.Context, c *pgevents.Category) (*Projection[S, M], error) {
	return p.Project(c.ID(), c.Scan(ctx, nil))
}

// ProjectLog projects every event of the log, in resumable order (through
// l.Scan). ctx governs the reads.
func (p *Projector[S, M]) ProjectLog(ctx context.Context, l *pgevents.Log) (*Projection[S, M], error) {
	return p.Project(pgevents.LogID(), l.Scan(ctx, nil))
}

// Update applies events on top of an existing projection (for example one
// loaded from a store) and returns the result; base is not modified, but
// state and metadata that hold maps or slices are shared with it, so
// handlers should copy before mutating them. The result keeps base's Source;
// its ID is derived again from the final state. It fails when base has
// another projector's name, and with the first error of events, of a handler
// (wrapped), of UpdateMetadata or of the ID function, or with an
// *UnknownEventError.
func (p *Projector[S, M]) Update(base *Projection[S, M], events iter.Seq2[pgevents.Event, error]) (*Projection[S, M], error) {
	if base.Name != "" && base.Name != p.name {
		return nil, fmt.Errorf("pgevents: projector %q cannot update a projection named %q", p.name, base.Name)
	}
	state, metadata := base.State, base.Metadata
	for event, err := range events {
		if err != nil {
			return nil, fmt.Errorf("pgevents: projector %q: read events of %s: %w", p.name, base.Source, err)
		}
		if state, err = p.Apply(state, event); err != nil {
			return nil, err
		}
		if p.updateMetadata != nil {
			if metadata, err = p.updateMetadata(metadata, state, event); err != nil {
				return nil, fmt.Errorf("pgevents: projector %q: update metadata after event %q (stream %s/%s, position %d): %w",
					p.name, event.Name, event.Category, event.Stream, event.Position, err)
			}
		}
	}
	id, err := p.id(state, base.Source)
	if err != nil {
		return nil, fmt.Errorf("pgevents: projector %q: derive id: %w", p.name, err)
	}
	if id == "" {
		return nil, fmt.Errorf("pgevents: projector %q: derive id: %w", p.name,
			errors.New("the ID function returned an empty id"))
	}
	return &Projection[S, M]{ID: id, Metadata: metadata, Name: p.name, Source: base.Source, State: state}, nil
}

// UpdateEvents is Update over a slice of events.
func (p *Projector[S, M]) UpdateEvents(base *Projection[S, M], events []pgevents.Event) (*Projection[S, M], error) {
	return p.Update(base, Events(events))
}

// Repository returns the typed repository of the projector's projections in
// store.
func (p *Projector[S, M]) Repository(store Store) *Repository[S, M] {
	return NewRepository[S, M](store, p.name)
}

// Events returns an event sequence over a slice, for Project and Update.
func Events(events []pgevents.Event) iter.Seq2[pgevents.Event, error] {
	return func(yield func(pgevents.Event, error) bool) {
		for _, e := range slices.Clone(events) {
			if !yield(e, nil) {
				return
			}
		}
	}
}
