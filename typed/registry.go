package typed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/pgevents/pgevents"
)

// DefaultVersionField is the metadata key holding a payload's schema version
// unless Config.VersionField says otherwise.
const DefaultVersionField = "schema_version"

// maxUpcastSteps bounds an upcast chain; AddUpcaster rejects cycles, so this
// only guards against a bug.
const maxUpcastSteps = 1000

// Config configures a Registry. The zero value is the default.
type Config struct {
	// DisallowUnknownFields makes decoding fail with a *DecodeError when a
	// payload or metadata object has a field its Go type lacks. Defaults to
	// false: unknown fields are ignored, so readers tolerate fields added
	// by newer writers.
	DisallowUnknownFields bool
	// VersionField is the key of the metadata object that holds a payload's
	// schema version. Defaults to DefaultVersionField ("schema_version").
	VersionField string
}

// Schema is the shape of a payload: an event name and a version (1 or more).
type Schema struct {
	// Name is the event name.
	Name string
	// Version is the payload's schema version, starting at 1.
	Version int
}

// String returns "Name v<Version>".
func (s Schema) String() string { return fmt.Sprintf("%s v%d", s.Name, s.Version) }

// Upcaster transforms the JSON payload of one schema into the next one's
// shape. It must return valid JSON and must not modify its argument.
type Upcaster func(payload json.RawMessage) (json.RawMessage, error)

// UpcastFunc returns an Upcaster that decodes the payload into a From (the
// Go type of the older shape, which need not be registered), calls fn and
// encodes the To it returns.
func UpcastFunc[From, To any](fn func(From) (To, error)) Upcaster {
	return func(payload json.RawMessage) (json.RawMessage, error) {
		var from From
		if err := json.Unmarshal(payload, &from); err != nil {
			return nil, err
		}
		to, err := fn(from)
		if err != nil {
			return nil, err
		}
		return json.Marshal(to)
	}
}

// Decoded is a stored event with its payload and metadata decoded into the
// registered Go types.
type Decoded[M any] struct {
	// Event is the stored event as read, with its original name and raw
	// JSON (before any upcasting).
	Event pgevents.Event
	// Metadata is the event's metadata decoded into M (M's zero value when
	// the metadata is JSON null).
	Metadata M
	// Name is the registered event name the payload was decoded as (after
	// upcasting; Event.Name otherwise).
	Name string
	// Payload holds a value (not a pointer) of the Go type registered for
	// Name. Use a type switch, or Type.Of.
	Payload any
	// Version is the registered schema version the payload was decoded as.
	Version int
}

// NoMetadata is a metadata type for registries whose events carry no
// metadata: it encodes as JSON null, and decoding ignores whatever the
// stored metadata is (it stays available in Decoded.Event.Metadata).
type NoMetadata struct{}

// MarshalJSON returns null.
func (NoMetadata) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

// UnmarshalJSON accepts any JSON value and keeps nothing.
func (*NoMetadata) UnmarshalJSON([]byte) error { return nil }

// Registry maps event names to Go payload types and holds the upcasters
// between schema versions. M is the Go type of every event's metadata.
//
// The zero value is an empty registry with the default Config. A Registry is
// safe for concurrent use, including registration while others decode, but
// registering everything before the first read is the sane pattern. It must
// not be copied after first use.
type Registry[M any] struct {
	byName    map[string]*entry
	byType    map[reflect.Type]*entry
	cfg       Config
	mu        sync.RWMutex
	upcasters map[Schema]upcastStep
}

type entry struct {
	decode func(raw json.RawMessage, strict bool) (any, error)
	schema Schema
	typ    reflect.Type
}

type upcastStep struct {
	fn Upcaster
	to Schema
}

// NewRegistry returns an empty registry. cfg may be nil for defaults; it is
// copied.
func NewRegistry[M any](cfg *Config) *Registry[M] {
	r := &Registry[M]{}
	if cfg != nil {
		r.cfg = *cfg
	}
	return r
}

func (r *Registry[M]) versionField() string {
	if r.cfg.VersionField == "" {
		return DefaultVersionField
	}
	return r.cfg.VersionField
}

// RegisterOpts are the options of Register. Nil means defaults.
type RegisterOpts struct {
	// Version is the current schema version of the type's payloads; older
	// versions are read through upcasters. Defaults to 1.
	Version int
}

// Type is the handle Register returns for one registered payload type T: it
// encodes T values and picks T payloads out of decoded events, statically
// typed.
type Type[T, M any] struct {
	registry *Registry[M]
	schema   Schema
}

// Register registers Go type T as the payload of events named name, at
// opts.Version (1 by default). Names are never derived implicitly; pass
// NameOf[T]() to use the type's name.
//
// T must be a named non-pointer, non-interface type (register the element
// type of a pointer; Encode accepts both). A name and a type can each be
// registered once, and a schema cannot be both registered and upcast from.
// It returns a *RegistrationError (ErrInvalidRegistration) otherwise, or for
// a name that is not a valid pgevents event name.
func Register[T, M any](r *Registry[M], name string, opts *RegisterOpts) (*Type[T, M], error) {
	s := Schema{Name: name, Version: 1}
	if opts != nil && opts.Version != 0 {
		s.Version = opts.Version
	}
	bad := func(err error, format string, args ...any) (*Type[T, M], error) {
		return nil, &RegistrationError{Err: err, Reason: fmt.Sprintf(format, args...), Schema: s}
	}
	if err := pgevents.CheckName("name", name); err != nil {
		return bad(err, "the event name is invalid: %v", err)
	}
	if s.Version < 1 {
		return bad(nil, "the version must be 1 or more (got %d)", s.Version)
	}
	typ := reflect.TypeFor[T]()
	switch {
	case typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Interface:
		return bad(nil, "type %v must not be a pointer or interface: register the concrete element type", typ)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byName == nil {
		r.byName = map[string]*entry{}
		r.byType = map[reflect.Type]*entry{}
	}
	if prev, ok := r.byName[name]; ok {
		return bad(nil, "the name is already registered for type %v", prev.typ)
	}
	if prev, ok := r.byType[typ]; ok {
		return bad(nil, "type %v is already registered as %s", typ, prev.schema)
	}
	if _, ok := r.upcasters[s]; ok {
		return bad(nil, "an upcaster from %s is registered, so it cannot be a current schema", s)
	}
	e := &entry{schema: s, typ: typ, decode: func(raw json.RawMessage, strict bool) (any, error) {
		var v T
		err := unmarshal(raw, &v, strict)
		return v, err
	}}
	r.byName[name] = e
	r.byType[typ] = e
	return &Type[T, M]{registry: r, schema: s}, nil
}

// MustRegister is Register for package-level setup: it panics when Register
// returns an error (a programming error).
func MustRegister[T, M any](r *Registry[M], name string, opts *RegisterOpts) *Type[T, M] {
	t, err := Register[T](r, name, opts)
	if err != nil {
		panic(err)
	}
	return t
}

// Name returns the registered event name.
func (t *Type[T, M]) Name() string { return t.schema.Name }

// Version returns the registered (current) schema version.
func (t *Type[T, M]) Version() int { return t.schema.Version }

// New encodes payload and metadata as a NewEvent named t.Name(). ID and
// OccurredAt are left zero for the caller or the store to fill. It returns
// an *EncodeError (ErrEncode) when either does not encode.
func (t *Type[T, M]) New(payload T, metadata M) (pgevents.NewEvent, error) {
	return t.registry.encode(t.schema, payload, metadata)
}

// Of returns d's payload as a T, and whether it is one.
func (t *Type[T, M]) Of(d Decoded[M]) (T, bool) {
	v, ok := d.Payload.(T)
	return v, ok
}

// AddUpcaster registers fn to transform payloads of schema from into schema
// to's shape on read. to may be another upcaster's from (steps chain) or a
// registered schema; decoding fails with ErrUnknownEvent if a chain ends
// elsewhere. A nil fn leaves the payload unchanged (a rename, or a version
// bump that only changes metadata).
//
// It returns a *RegistrationError (ErrInvalidRegistration) for an invalid
// name or version, a second upcaster from the same schema, a from schema
// that is registered as current, or a step that would close a cycle.
func (r *Registry[M]) AddUpcaster(from, to Schema, fn Upcaster) error {
	bad := func(err error, format string, args ...any) error {
		return &RegistrationError{Err: err, Reason: fmt.Sprintf(format, args...), Schema: from}
	}
	for _, s := range []Schema{from, to} {
		if err := pgevents.CheckName("name", s.Name); err != nil {
			return bad(err, "upcaster schema %s: the event name is invalid: %v", s, err)
		}
		if s.Version < 1 {
			return bad(nil, "upcaster schema %s: the version must be 1 or more", s)
		}
	}
	if from == to {
		return bad(nil, "an upcaster cannot target its own schema")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.byName[from.Name]; ok && e.schema == from {
		return bad(nil, "it is registered as the current schema of type %v", e.typ)
	}
	if prev, ok := r.upcasters[from]; ok {
		return bad(nil, "an upcaster from it (to %s) is already registered", prev.to)
	}
	for s, n := to, 0; n < maxUpcastSteps; n++ {
		if s == from {
			return bad(nil, "an upcaster to %s would close a cycle", to)
		}
		next, ok := r.upcasters[s]
		if !ok {
			break
		}
		s = next.to
	}
	if r.upcasters == nil {
		r.upcasters = map[Schema]upcastStep{}
	}
	r.upcasters[from] = upcastStep{fn: fn, to: to}
	return nil
}

// Names returns the registered event names, sorted.
func (r *Registry[M]) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.byName))
	for n := range r.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Encode builds a NewEvent from a payload of a registered type (a value or a
// non-nil pointer to one) and metadata, named after the payload's
// registration. When the registered version is above 1 it is recorded in
// the metadata's version field, so metadata must then encode as a JSON
// object or null. ID and OccurredAt are left zero for the caller or the
// store to fill.
//
// It returns an *UnregisteredTypeError (ErrUnregisteredType) for a payload
// of a type that is not registered, and an *EncodeError (ErrEncode) when the
// payload or metadata does not encode.
func (r *Registry[M]) Encode(payload any, metadata M) (pgevents.NewEvent, error) {
	typ := reflect.TypeOf(payload)
	r.mu.RLock()
	e, ok := r.byType[typ]
	if !ok && typ != nil && typ.Kind() == reflect.Pointer {
		if e, ok = r.byType[typ.Elem()]; ok && reflect.ValueOf(payload).IsNil() {
			ok = false
		}
	}
	r.mu.RUnlock()
	if !ok {
		return pgevents.NewEvent{}, &UnregisteredTypeError{Type: typ}
	}
	return r.encode(e.schema, payload, metadata)
}

// EncodeAll encodes several payloads with the same metadata, in order, as
// Encode does. It stops at the first error.
func (r *Registry[M]) EncodeAll(metadata M, payloads ...any) ([]pgevents.NewEvent, error) {
	out := make([]pgevents.NewEvent, 0, len(payloads))
	for _, p := range payloads {
		ne, err := r.Encode(p, metadata)
		if err != nil {
			return nil, err
		}
		out = append(out, ne)
	}
	return out, nil
}

func (r *Registry[M]) encode(s Schema, payload any, metadata M) (pgevents.NewEvent, error) {
	p, err := json.Marshal(payload)
	if err != nil {
		return pgevents.NewEvent{}, &EncodeError{Err: err, Name: s.Name, Part: "payload"}
	}
	m, err := json.Marshal(metadata)
	if err != nil {
		return pgevents.NewEvent{}, &EncodeError{Err: err, Name: s.Name, Part: "metadata"}
	}
	if s.Version > 1 {
		if m, err = setField(m, r.versionField(), s.Version); err != nil {
			return pgevents.NewEvent{}, &EncodeError{Err: err, Name: s.Name, Part: "metadata"}
		}
	}
	return pgevents.NewEvent{Name: s.Name, Payload: p, Metadata: m}, nil
}

// setField sets key to the integer v in a JSON object (or null, which becomes
// an object).
func setField(obj json.RawMessage, key string, v int) (json.RawMessage, error) {
	fields := map[string]json.RawMessage{}
	if !bytes.Equal(bytes.TrimSpace(obj), []byte("null")) {
		if err := json.Unmarshal(obj, &fields); err != nil {
			return nil, fmt.Errorf("must be a JSON object or null to record the schema version in %q (got %s)", key, obj)
		}
	}
	fields[key] = json.RawMessage(strconv.Itoa(v))
	return json.Marshal(fields)
}

// Decode decodes a stored event: it reads the schema version from the
// metadata, follows upcasters from (e.Name, version) until it reaches a
// registered schema, and decodes the payload into that schema's Go type and
// the metadata into M. e itself is not modified and is kept in the result.
//
// It returns an *UnknownEventError (ErrUnknownEvent) when no type or
// upcaster is registered for a schema on the way, and a *DecodeError
// (ErrDecode) when the version field, an upcaster, the payload or the
// metadata fails; the Decoded returned with an error holds only Event.
// Decode is safe for concurrent use; upcasters run without the registry's
// lock held.
func (r *Registry[M]) Decode(e pgevents.Event) (Decoded[M], error) {
	out := Decoded[M]{Event: e}
	version, err := r.versionOf(e.Metadata)
	if err != nil {
		return out, &DecodeError{Err: err, EventID: e.ID, Part: "version", Schema: Schema{Name: e.Name}}
	}
	s := Schema{Name: e.Name, Version: version}
	steps, ent, hint := r.resolve(s)
	payload := e.Payload
	for _, step := range steps {
		if step.fn != nil {
			next, err := step.fn(jsonOrNull(payload))
			if err == nil && !json.Valid(next) {
				err = fmt.Errorf("upcaster to %s returned invalid JSON: %q", step.to, next)
			}
			if err != nil {
				return out, &DecodeError{Err: err, EventID: e.ID, Part: "upcast", Schema: s}
			}
			payload = next
		}
		s = step.to
	}
	if ent == nil {
		return out, &UnknownEventError{EventID: e.ID, Hint: hint, Schema: s}
	}
	v, err := ent.decode(jsonOrNull(payload), r.cfg.DisallowUnknownFields)
	if err != nil {
		return out, &DecodeError{Err: err, EventID: e.ID, Part: "payload", Schema: s}
	}
	metadata := jsonOrNull(e.Metadata)
	if _, ok := r.lookupVersion(metadata); ok && r.cfg.DisallowUnknownFields {
		metadata = deleteField(metadata, r.versionField())
	}
	if err := unmarshal(metadata, &out.Metadata, r.cfg.DisallowUnknownFields); err != nil {
		return out, &DecodeError{Err: err, EventID: e.ID, Part: "metadata", Schema: s}
	}
	out.Name, out.Payload, out.Version = s.Name, v, s.Version
	return out, nil
}

// DecodeAll decodes events in order, as Decode does. It stops at the first
// error.
func (r *Registry[M]) DecodeAll(events []pgevents.Event) ([]Decoded[M], error) {
	out := make([]Decoded[M], 0, len(events))
	for _, e := range events {
		d, err := r.Decode(e)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Events decodes the events of seq as they come, for the iterators of a
// pgevents.Client's handles (Stream.Events, Category.Scan, Log.Scan).
//
// An error from seq is yielded as is (seq then ends). A decode error is
// yielded with a Decoded that holds only the raw Event, and iteration goes
// on if the consumer continues: to skip events of other types, continue on
// errors.Is(err, ErrUnknownEvent).
func (r *Registry[M]) Events(seq iter.Seq2[pgevents.Event, error]) iter.Seq2[Decoded[M], error] {
	return func(yield func(Decoded[M], error) bool) {
		for e, err := range seq {
			if err != nil {
				if !yield(Decoded[M]{Event: e}, err) {
					return
				}
				continue
			}
			if !yield(r.Decode(e)) {
				return
			}
		}
	}
}

// versionOf returns the schema version recorded in metadata, or 1.
func (r *Registry[M]) versionOf(metadata json.RawMessage) (int, error) {
	raw, ok := r.lookupVersion(metadata)
	if !ok {
		return 1, nil
	}
	var v int
	if err := json.Unmarshal(raw, &v); err != nil || v < 1 {
		return 0, fmt.Errorf("metadata field %q must be an integer of 1 or more (got %s)", r.versionField(), raw)
	}
	return v, nil
}

// resolve returns the upcast steps from s to a registered schema and its
// entry, or a nil entry and a hint when the chain ends at an unknown schema.
// Upcasters run after the lock is released, so they may use the registry.
func (r *Registry[M]) resolve(s Schema) ([]upcastStep, *entry, string) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var steps []upcastStep
	for range maxUpcastSteps {
		step, ok := r.upcasters[s]
		if !ok {
			break
		}
		steps = append(steps, step)
		s = step.to
	}
	if e, ok := r.byName[s.Name]; ok && e.schema == s {
		return steps, e, ""
	}
	return steps, nil, r.hint(s)
}

// deleteField removes key from a JSON object; anything else is returned as is.
func deleteField(obj json.RawMessage, key string) json.RawMessage {
	var fields map[string]json.RawMessage
	if json.Unmarshal(obj, &fields) != nil || fields == nil {
		return obj
	}
	delete(fields, key)
	out, err := json.Marshal(fields)
	if err != nil {
		return obj
	}
	return out
}

func (r *Registry[M]) lookupVersion(metadata json.RawMessage) (json.RawMessage, bool) {
	t := bytes.TrimSpace(metadata)
	if len(t) == 0 || t[0] != '{' || !bytes.Contains(t, []byte(strconv.Quote(r.versionField()))) {
		return nil, false
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(t, &fields) != nil {
		return nil, false
	}
	raw, ok := fields[r.versionField()]
	return raw, ok
}

// hint suggests a fix for a schema nothing is registered for. r.mu is held.
func (r *Registry[M]) hint(s Schema) string {
	if e, ok := r.byName[s.Name]; ok {
		if s.Version > e.schema.Version {
			return fmt.Sprintf("%s is registered at version %d: was the event written by a newer application?", s.Name, e.schema.Version)
		}
		return fmt.Sprintf("%s is registered at version %d: add an upcaster from %s", s.Name, e.schema.Version, s)
	}
	want := normalize(s.Name)
	var matches []string
	for name := range r.byName {
		if normalize(name) == want {
			matches = append(matches, strconv.Quote(name))
		}
	}
	if len(matches) > 0 {
		slices.Sort(matches)
		return "did you mean " + strings.Join(matches, " or ") + "? (add an upcaster to rename it)"
	}
	return ""
}

// NameOf returns the name of Go type T (of its element type for a pointer),
// without package path or type arguments: "ProfileCreated" for type
// ProfileCreated or *ProfileCreated. It returns "" for an unnamed type, which
// Register rejects.
func NameOf[T any]() string {
	typ := reflect.TypeFor[T]()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	name, _, _ := strings.Cut(typ.Name(), "[")
	return name
}

func unmarshal(raw json.RawMessage, v any, strict bool) error {
	if !strict {
		return json.Unmarshal(raw, v)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected data after the JSON value")
	}
	return nil
}

func jsonOrNull(b json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(b)) == 0 {
		return json.RawMessage("null")
	}
	return b
}
