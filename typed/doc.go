// Package typed maps pgevents event names to Go types, so that applications
// write and read events as Go structs instead of raw JSON.
//
// # Registry
//
// A [Registry] is a value, not global state: create one with [NewRegistry]
// (or use the zero value) and register every payload type under an explicit
// event name with [Register]. The registry's type parameter M is the Go type
// of the metadata every event carries (use a pointer type such as *Meta to
// keep absent metadata as JSON null, or [NoMetadata]). [NameOf] derives a
// name from a Go type ("ProfileCreated" from type ProfileCreated) for those
// who want the type name as the event name:
//
//	reg := typed.NewRegistry[Meta](nil)
//	opened := typed.MustRegister[AccountOpened](reg, typed.NameOf[AccountOpened](), nil)
//
// # Writing
//
// [Registry.Encode] (or the statically typed [Type.New]) turns a payload
// value and metadata into a [pgevents.NewEvent] named after the payload's
// registered name, ready for any append.
//
// # Reading
//
// [Registry.Decode] turns a stored [pgevents.Event] into a [Decoded] whose
// Payload holds a value of the registered Go type and whose Metadata is an
// M; the original event, with its raw JSON, stays in Decoded.Event.
// [Registry.Events] does the same for the iterators of a [pgevents.Client]'s
// handles. A name nothing is registered for fails with an
// [*UnknownEventError] (errors.Is [ErrUnknownEvent]); JSON that does not fit
// the Go type fails with a [*DecodeError] (errors.Is [ErrDecode]).
//
// # Versions and upcasting
//
// A payload's shape is identified by a [Schema]: its event name and a
// version (a positive integer, 1 unless registered otherwise with
// RegisterOpts.Version). The version of a stored event is the integer in
// its metadata's version field (Config.VersionField, "schema_version" by
// default); an event without one is version 1. [Registry.Encode] writes the
// field only for versions above 1, so applications that never version their
// events never see it. (Metadata must then encode as a JSON object or
// null.)
//
// An [Upcaster] registered with [Registry.AddUpcaster] transforms the payload
// of an older schema into the next one, from (name, version) to (name',
// version'). Decoding follows upcasters until it reaches a registered schema,
// so steps chain: v1→v2→v3. Because a step may change the name, renamed
// events are upcast the same way (a nil Upcaster renames without touching the
// payload). Upcasting happens on read only: stored events never change.
package typed
