package typed_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/typed"
)

type AccountOpened struct {
	Owner string `json:"owner"`
}

type Deposited struct {
	Amount int `json:"amount"`
}

type Meta struct {
	Correlation string `json:"correlation"`
}

type Generic[T any] struct{ V T }

// stored turns new events into stored ones of stream acc/1, the way a store
// would (positions from 0).
func stored(nes ...pgevents.NewEvent) []pgevents.Event {
	out := make([]pgevents.Event, len(nes))
	for i, ne := range nes {
		out[i] = pgevents.Event{Category: "acc", Stream: "1", ID: uuid.New(), Name: ne.Name,
			Payload: ne.Payload, Metadata: ne.Metadata, Position: int64(i), SequenceNumber: int64(i + 1), TransactionID: 10}
	}
	return out
}

func event(name, payload, metadata string) pgevents.Event {
	e := pgevents.Event{ID: uuid.New(), Name: name, Payload: json.RawMessage(payload)}
	if metadata != "" {
		e.Metadata = json.RawMessage(metadata)
	}
	return e
}

func newRegistry(t *testing.T) (*typed.Registry[Meta], *typed.Type[AccountOpened, Meta], *typed.Type[Deposited, Meta]) {
	t.Helper()
	reg := typed.NewRegistry[Meta](nil)
	opened, err := typed.Register[AccountOpened](reg, "AccountOpened", nil)
	require.NoError(t, err)
	deposited, err := typed.Register[Deposited](reg, "Deposited", nil)
	require.NoError(t, err)
	return reg, opened, deposited
}

func TestRegister(t *testing.T) {
	t.Parallel()

	t.Run("NameAndVersion", func(t *testing.T) {
		t.Parallel()
		reg := typed.NewRegistry[Meta](nil)
		tp, err := typed.Register[AccountOpened](reg, "AccountOpened", &typed.RegisterOpts{Version: 3})
		require.NoError(t, err)
		require.Equal(t, "AccountOpened", tp.Name())
		require.Equal(t, 3, tp.Version())
		tp2, err := typed.Register[Deposited](reg, "Deposited", nil)
		require.NoError(t, err)
		require.Equal(t, 1, tp2.Version())
		require.Equal(t, []string{"AccountOpened", "Deposited"}, reg.Names())
	})

	t.Run("ZeroValueRegistryWorks", func(t *testing.T) {
		t.Parallel()
		var reg typed.Registry[Meta]
		_, err := typed.Register[Deposited](&reg, "Deposited", nil)
		require.NoError(t, err)
		ne, err := reg.Encode(Deposited{Amount: 1}, Meta{})
		require.NoError(t, err)
		require.Equal(t, "Deposited", ne.Name)
	})

	t.Run("Errors", func(t *testing.T) {
		t.Parallel()
		reg, _, _ := newRegistry(t)
		type Other struct{}
		for name, tc := range map[string]struct {
			register func() error
			want     string
		}{
			"DuplicateName": {func() error { _, err := typed.Register[Other](reg, "AccountOpened", nil); return err },
				"the name is already registered for type typed_test.AccountOpened"},
			"DuplicateType": {func() error { _, err := typed.Register[AccountOpened](reg, "Opened2", nil); return err },
				"type typed_test.AccountOpened is already registered as AccountOpened v1"},
			"EmptyName": {func() error { _, err := typed.Register[Other](reg, "", nil); return err },
				"the event name is invalid"},
			"ControlCharacter": {func() error { _, err := typed.Register[Other](reg, "a\nb", nil); return err },
				"must not contain control characters"},
			"NegativeVersion": {func() error {
				_, err := typed.Register[Other](reg, "Other", &typed.RegisterOpts{Version: -1})
				return err
			},
				"the version must be 1 or more (got -1)"},
			"Pointer": {func() error { _, err := typed.Register[*Other](reg, "Other", nil); return err },
				"must not be a pointer or interface"},
			"Interface": {func() error { _, err := typed.Register[error](reg, "Other", nil); return err },
				"must not be a pointer or interface"},
		} {
			t.Run(name, func(t *testing.T) {
				err := tc.register()
				require.ErrorIs(t, err, typed.ErrInvalidRegistration)
				var re *typed.RegistrationError
				require.ErrorAs(t, err, &re)
				require.Contains(t, err.Error(), tc.want)
				require.True(t, strings.HasPrefix(err.Error(), "pgevents: invalid registration of "), err.Error())
			})
		}
		require.Equal(t, []string{"AccountOpened", "Deposited"}, reg.Names(), "failed registrations must not register anything")
	})

	t.Run("InvalidNameWrapsInvalidInput", func(t *testing.T) {
		t.Parallel()
		_, err := typed.Register[Deposited](typed.NewRegistry[Meta](nil), strings.Repeat("x", 256), nil)
		require.ErrorIs(t, err, pgevents.ErrInvalidInput)
	})

	t.Run("MustRegisterPanics", func(t *testing.T) {
		t.Parallel()
		reg, _, _ := newRegistry(t)
		require.PanicsWithError(t, "pgevents: invalid registration of AccountOpened v1: the name is already registered for type typed_test.AccountOpened",
			func() { typed.MustRegister[Deposited](reg, "AccountOpened", nil) })
	})
}

func TestNameOf(t *testing.T) {
	t.Parallel()
	require.Equal(t, "AccountOpened", typed.NameOf[AccountOpened]())
	require.Equal(t, "AccountOpened", typed.NameOf[*AccountOpened]())
	require.Equal(t, "Generic", typed.NameOf[Generic[int]]())
	require.Equal(t, "", typed.NameOf[struct{}]())
	_, err := typed.Register[struct{}](typed.NewRegistry[Meta](nil), typed.NameOf[struct{}](), nil)
	require.ErrorIs(t, err, typed.ErrInvalidRegistration)
}

func TestRegistry_Encode(t *testing.T) {
	t.Parallel()

	t.Run("ValueAndPointer", func(t *testing.T) {
		t.Parallel()
		reg, _, _ := newRegistry(t)
		for _, p := range []any{AccountOpened{Owner: "ann"}, &AccountOpened{Owner: "ann"}} {
			ne, err := reg.Encode(p, Meta{Correlation: "c1"})
			require.NoError(t, err)
			require.Equal(t, "AccountOpened", ne.Name)
			require.JSONEq(t, `{"owner":"ann"}`, string(ne.Payload))
			require.JSONEq(t, `{"correlation":"c1"}`, string(ne.Metadata))
			require.Equal(t, uuid.Nil, ne.ID)
			require.True(t, ne.OccurredAt.IsZero())
		}
	})

	t.Run("TypedNew", func(t *testing.T) {
		t.Parallel()
		_, _, deposited := newRegistry(t)
		ne, err := deposited.New(Deposited{Amount: 5}, Meta{})
		require.NoError(t, err)
		require.Equal(t, "Deposited", ne.Name)
		require.JSONEq(t, `{"amount":5}`, string(ne.Payload))
	})

	t.Run("Unregistered", func(t *testing.T) {
		t.Parallel()
		reg, _, _ := newRegistry(t)
		type Unknown struct{}
		for _, p := range []any{Unknown{}, (*AccountOpened)(nil), nil, map[string]any{}} {
			_, err := reg.Encode(p, Meta{})
			require.ErrorIs(t, err, typed.ErrUnregisteredType, "%#v", p)
			var ute *typed.UnregisteredTypeError
			require.ErrorAs(t, err, &ute)
			require.True(t, strings.HasPrefix(err.Error(), "pgevents: payload type "), err.Error())
		}
	})

	t.Run("PayloadDoesNotEncode", func(t *testing.T) {
		t.Parallel()
		type Bad struct{ C chan int }
		reg := typed.NewRegistry[Meta](nil)
		typed.MustRegister[Bad](reg, "Bad", nil)
		_, err := reg.Encode(Bad{}, Meta{})
		require.ErrorIs(t, err, typed.ErrEncode)
		var ee *typed.EncodeError
		require.ErrorAs(t, err, &ee)
		require.Equal(t, "payload", ee.Part)
		var ute *json.UnsupportedTypeError
		require.ErrorAs(t, err, &ute)
	})

	t.Run("NilPointerMetadataIsNull", func(t *testing.T) {
		t.Parallel()
		reg := typed.NewRegistry[*Meta](nil)
		typed.MustRegister[Deposited](reg, "Deposited", nil)
		ne, err := reg.Encode(Deposited{}, nil)
		require.NoError(t, err)
		require.Equal(t, "null", string(ne.Metadata))
	})

	t.Run("NoMetadata", func(t *testing.T) {
		t.Parallel()
		reg := typed.NewRegistry[typed.NoMetadata](nil)
		typed.MustRegister[Deposited](reg, "Deposited", nil)
		ne, err := reg.Encode(Deposited{Amount: 2}, typed.NoMetadata{})
		require.NoError(t, err)
		require.Equal(t, "null", string(ne.Metadata))
		d, err := reg.Decode(event("Deposited", `{"amount":2}`, `{"anything":[1]}`))
		require.NoError(t, err)
		require.Equal(t, Deposited{Amount: 2}, d.Payload)
	})

	t.Run("VersionRecordedAboveOne", func(t *testing.T) {
		t.Parallel()
		reg := typed.NewRegistry[*Meta](nil)
		v1 := typed.MustRegister[AccountOpened](reg, "AccountOpened", nil)
		v3 := typed.MustRegister[Deposited](reg, "Deposited", &typed.RegisterOpts{Version: 3})
		ne, err := v1.New(AccountOpened{}, &Meta{Correlation: "c"})
		require.NoError(t, err)
		require.JSONEq(t, `{"correlation":"c"}`, string(ne.Metadata), "version 1 is not recorded")
		ne, err = v3.New(Deposited{}, &Meta{Correlation: "c"})
		require.NoError(t, err)
		require.JSONEq(t, `{"correlation":"c","schema_version":3}`, string(ne.Metadata))
		ne, err = v3.New(Deposited{}, nil)
		require.NoError(t, err)
		require.JSONEq(t, `{"schema_version":3}`, string(ne.Metadata))
	})

	t.Run("VersionNeedsObjectMetadata", func(t *testing.T) {
		t.Parallel()
		reg := typed.NewRegistry[[]string](nil)
		typed.MustRegister[Deposited](reg, "Deposited", &typed.RegisterOpts{Version: 2})
		_, err := reg.Encode(Deposited{}, []string{"x"})
		require.ErrorIs(t, err, typed.ErrEncode)
		var ee *typed.EncodeError
		require.ErrorAs(t, err, &ee)
		require.Equal(t, "metadata", ee.Part)
		require.Contains(t, err.Error(), `must be a JSON object or null to record the schema version in "schema_version"`)
	})

	t.Run("CustomVersionField", func(t *testing.T) {
		t.Parallel()
		reg := typed.NewRegistry[Meta](&typed.Config{VersionField: "v"})
		typed.MustRegister[Deposited](reg, "Deposited", &typed.RegisterOpts{Version: 2})
		ne, err := reg.Encode(Deposited{Amount: 1}, Meta{})
		require.NoError(t, err)
		require.JSONEq(t, `{"correlation":"","v":2}`, string(ne.Metadata))
		d, err := reg.Decode(stored(ne)[0])
		require.NoError(t, err)
		require.Equal(t, 2, d.Version)
	})

	t.Run("EncodeAll", func(t *testing.T) {
		t.Parallel()
		reg, _, _ := newRegistry(t)
		nes, err := reg.EncodeAll(Meta{Correlation: "c"}, AccountOpened{Owner: "a"}, Deposited{Amount: 1})
		require.NoError(t, err)
		require.Len(t, nes, 2)
		require.Equal(t, "AccountOpened", nes[0].Name)
		require.Equal(t, "Deposited", nes[1].Name)
		_, err = reg.EncodeAll(Meta{}, Deposited{}, 42)
		require.ErrorIs(t, err, typed.ErrUnregisteredType)
	})
}

func TestRegistry_Decode(t *testing.T) {
	t.Parallel()

	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		reg, opened, deposited := newRegistry(t)
		nes, err := reg.EncodeAll(Meta{Correlation: "c9"}, AccountOpened{Owner: "ann"}, Deposited{Amount: 7})
		require.NoError(t, err)
		events := stored(nes...)
		ds, err := reg.DecodeAll(events)
		require.NoError(t, err)
		require.Len(t, ds, 2)
		require.Equal(t, AccountOpened{Owner: "ann"}, ds[0].Payload)
		require.Equal(t, Deposited{Amount: 7}, ds[1].Payload)
		require.Equal(t, Meta{Correlation: "c9"}, ds[1].Metadata)
		require.Equal(t, "Deposited", ds[1].Name)
		require.Equal(t, 1, ds[1].Version)
		require.Equal(t, events[1], ds[1].Event, "the raw event is kept")

		o, ok := opened.Of(ds[0])
		require.True(t, ok)
		require.Equal(t, "ann", o.Owner)
		_, ok = deposited.Of(ds[0])
		require.False(t, ok)
	})

	t.Run("NullPayloadAndMetadata", func(t *testing.T) {
		t.Parallel()
		reg, _, _ := newRegistry(t)
		d, err := reg.Decode(pgevents.Event{Name: "Deposited"})
		require.NoError(t, err)
		require.Equal(t, Deposited{}, d.Payload)
		require.Equal(t, Meta{}, d.Metadata)
	})

	t.Run("UnknownName", func(t *testing.T) {
		t.Parallel()
		reg, _, _ := newRegistry(t)
		e := event("account-opened", `{}`, "")
		d, err := reg.Decode(e)
		require.ErrorIs(t, err, typed.ErrUnknownEvent)
		var ue *typed.UnknownEventError
		require.ErrorAs(t, err, &ue)
		require.Equal(t, typed.Schema{Name: "account-opened", Version: 1}, ue.Schema)
		require.Equal(t, e.ID, ue.EventID)
		require.Equal(t, fmt.Sprintf(`pgevents: unknown event account-opened v1 (event %s): no type or upcaster is registered for it; did you mean "AccountOpened"? (add an upcaster to rename it)`, e.ID), err.Error())
		require.Equal(t, e, d.Event, "the raw event is returned with the error")

		_, err = reg.Decode(event("Nope", `{}`, ""))
		require.ErrorAs(t, err, &ue)
		require.Empty(t, ue.Hint)
	})

	t.Run("PayloadDoesNotDecode", func(t *testing.T) {
		t.Parallel()
		reg, _, _ := newRegistry(t)
		e := event("Deposited", `{"amount":"ten"}`, "")
		_, err := reg.Decode(e)
		require.ErrorIs(t, err, typed.ErrDecode)
		var de *typed.DecodeError
		require.ErrorAs(t, err, &de)
		require.Equal(t, "payload", de.Part)
		require.Equal(t, e.ID, de.EventID)
		require.Equal(t, typed.Schema{Name: "Deposited", Version: 1}, de.Schema)
		var ute *json.UnmarshalTypeError
		require.ErrorAs(t, err, &ute, "the json error is unwrapped")
		require.True(t, strings.HasPrefix(err.Error(), "pgevents: event "+e.ID.String()+" (Deposited v1) does not decode: payload: "), err.Error())
	})

	t.Run("MetadataDoesNotDecode", func(t *testing.T) {
		t.Parallel()
		reg, _, _ := newRegistry(t)
		_, err := reg.Decode(event("Deposited", `{}`, `{"correlation":1}`))
		var de *typed.DecodeError
		require.ErrorAs(t, err, &de)
		require.Equal(t, "metadata", de.Part)
	})

	t.Run("BadVersionField", func(t *testing.T) {
		t.Parallel()
		reg, _, _ := newRegistry(t)
		for _, meta := range []string{`{"schema_version":"2"}`, `{"schema_version":0}`, `{"schema_version":1.5}`} {
			_, err := reg.Decode(event("Deposited", `{}`, meta))
			var de *typed.DecodeError
			require.ErrorAs(t, err, &de, meta)
			require.Equal(t, "version", de.Part)
			require.Contains(t, err.Error(), `metadata field "schema_version" must be an integer of 1 or more`)
		}
	})

	t.Run("NonObjectMetadataIsVersionOne", func(t *testing.T) {
		t.Parallel()
		reg := typed.NewRegistry[any](nil)
		typed.MustRegister[Deposited](reg, "Deposited", nil)
		d, err := reg.Decode(event("Deposited", `{"amount":1}`, `["schema_version", 4]`))
		require.NoError(t, err)
		require.Equal(t, 1, d.Version)
		require.Equal(t, []any{"schema_version", 4.0}, d.Metadata)
	})

	t.Run("FutureVersion", func(t *testing.T) {
		t.Parallel()
		reg, _, _ := newRegistry(t)
		_, err := reg.Decode(event("Deposited", `{}`, `{"schema_version":2}`))
		require.ErrorIs(t, err, typed.ErrUnknownEvent)
		require.Contains(t, err.Error(), "Deposited is registered at version 1: was the event written by a newer application?")
	})

	t.Run("DisallowUnknownFields", func(t *testing.T) {
		t.Parallel()
		lax, _, _ := newRegistry(t)
		_, err := lax.Decode(event("Deposited", `{"amount":1,"extra":true}`, ""))
		require.NoError(t, err)

		strict := typed.NewRegistry[Meta](&typed.Config{DisallowUnknownFields: true})
		typed.MustRegister[Deposited](strict, "Deposited", &typed.RegisterOpts{Version: 2})
		_, err = strict.Decode(event("Deposited", `{"amount":1,"extra":true}`, `{"schema_version":2}`))
		var de *typed.DecodeError
		require.ErrorAs(t, err, &de)
		require.Equal(t, "payload", de.Part)
		require.Contains(t, err.Error(), `unknown field "extra"`)

		_, err = strict.Decode(event("Deposited", `{"amount":1}`, `{"schema_version":2,"other":1}`))
		require.ErrorAs(t, err, &de)
		require.Equal(t, "metadata", de.Part)

		d, err := strict.Decode(event("Deposited", `{"amount":1}`, `{"schema_version":2,"correlation":"c"}`))
		require.NoError(t, err, "the version field is not an unknown field")
		require.Equal(t, Meta{Correlation: "c"}, d.Metadata)
	})
}

// Versions of one event, as an application evolves it.
type (
	OpenedV1 struct {
		Name string `json:"name"`
	}
	OpenedV2 struct {
		First string `json:"first"`
		Last  string `json:"last"`
	}
	OpenedV3 struct {
		First    string `json:"first"`
		Last     string `json:"last"`
		Currency string `json:"currency"`
	}
)

func upcastingRegistry(t *testing.T) *typed.Registry[*Meta] {
	t.Helper()
	reg := typed.NewRegistry[*Meta](nil)
	typed.MustRegister[OpenedV3](reg, "Opened", &typed.RegisterOpts{Version: 3})
	require.NoError(t, reg.AddUpcaster(typed.Schema{Name: "Opened", Version: 1}, typed.Schema{Name: "Opened", Version: 2},
		typed.UpcastFunc(func(v OpenedV1) (OpenedV2, error) {
			first, last, _ := strings.Cut(v.Name, " ")
			return OpenedV2{First: first, Last: last}, nil
		})))
	require.NoError(t, reg.AddUpcaster(typed.Schema{Name: "Opened", Version: 2}, typed.Schema{Name: "Opened", Version: 3},
		typed.UpcastFunc(func(v OpenedV2) (OpenedV3, error) {
			return OpenedV3{First: v.First, Last: v.Last, Currency: "EUR"}, nil
		})))
	// An old name, renamed to "Opened" (v1 shape) without touching the payload.
	require.NoError(t, reg.AddUpcaster(typed.Schema{Name: "AccountCreated", Version: 1}, typed.Schema{Name: "Opened", Version: 1}, nil))
	return reg
}

func TestRegistry_Upcasting(t *testing.T) {
	t.Parallel()

	t.Run("ChainsFromEachVersion", func(t *testing.T) {
		t.Parallel()
		reg := upcastingRegistry(t)
		for _, tc := range []struct {
			event pgevents.Event
			want  OpenedV3
		}{
			{event("Opened", `{"name":"Ada Lovelace"}`, ""), OpenedV3{"Ada", "Lovelace", "EUR"}},
			{event("Opened", `{"name":"Ada Lovelace"}`, `{"schema_version":1}`), OpenedV3{"Ada", "Lovelace", "EUR"}},
			{event("Opened", `{"first":"Ada","last":"L"}`, `{"schema_version":2,"correlation":"x"}`), OpenedV3{"Ada", "L", "EUR"}},
			{event("Opened", `{"first":"Ada","last":"L","currency":"GBP"}`, `{"schema_version":3}`), OpenedV3{"Ada", "L", "GBP"}},
			{event("AccountCreated", `{"name":"Alan Turing"}`, ""), OpenedV3{"Alan", "Turing", "EUR"}},
		} {
			d, err := reg.Decode(tc.event)
			require.NoError(t, err, string(tc.event.Payload))
			require.Equal(t, tc.want, d.Payload)
			require.Equal(t, "Opened", d.Name)
			require.Equal(t, 3, d.Version)
			require.Equal(t, tc.event, d.Event, "the stored event is not modified")
		}
	})

	t.Run("EncodedCurrentVersionIsNotUpcast", func(t *testing.T) {
		t.Parallel()
		reg := upcastingRegistry(t)
		ne, err := reg.Encode(OpenedV3{First: "a", Last: "b", Currency: "USD"}, &Meta{Correlation: "m"})
		require.NoError(t, err)
		d, err := reg.Decode(stored(ne)[0])
		require.NoError(t, err)
		require.Equal(t, OpenedV3{First: "a", Last: "b", Currency: "USD"}, d.Payload)
		require.Equal(t, &Meta{Correlation: "m"}, d.Metadata)
	})

	t.Run("UpcasterError", func(t *testing.T) {
		t.Parallel()
		boom := errors.New("boom")
		reg := typed.NewRegistry[Meta](nil)
		typed.MustRegister[Deposited](reg, "Deposited", &typed.RegisterOpts{Version: 2})
		require.NoError(t, reg.AddUpcaster(typed.Schema{Name: "Deposited", Version: 1}, typed.Schema{Name: "Deposited", Version: 2},
			func(json.RawMessage) (json.RawMessage, error) { return nil, boom }))
		_, err := reg.Decode(event("Deposited", `{}`, ""))
		require.ErrorIs(t, err, typed.ErrDecode)
		require.ErrorIs(t, err, boom)
		var de *typed.DecodeError
		require.ErrorAs(t, err, &de)
		require.Equal(t, "upcast", de.Part)
		require.Equal(t, typed.Schema{Name: "Deposited", Version: 1}, de.Schema)
	})

	t.Run("UpcasterReturnsInvalidJSON", func(t *testing.T) {
		t.Parallel()
		reg := typed.NewRegistry[Meta](nil)
		typed.MustRegister[Deposited](reg, "Deposited", &typed.RegisterOpts{Version: 2})
		require.NoError(t, reg.AddUpcaster(typed.Schema{Name: "Deposited", Version: 1}, typed.Schema{Name: "Deposited", Version: 2},
			func(json.RawMessage) (json.RawMessage, error) { return json.RawMessage(`{`), nil }))
		_, err := reg.Decode(event("Deposited", `{}`, ""))
		require.ErrorIs(t, err, typed.ErrDecode)
		require.Contains(t, err.Error(), "returned invalid JSON")
	})

	t.Run("ChainEndingAtUnknownSchema", func(t *testing.T) {
		t.Parallel()
		reg := typed.NewRegistry[Meta](nil)
		require.NoError(t, reg.AddUpcaster(typed.Schema{Name: "A", Version: 1}, typed.Schema{Name: "B", Version: 1}, nil))
		_, err := reg.Decode(event("A", `{}`, ""))
		var ue *typed.UnknownEventError
		require.ErrorAs(t, err, &ue)
		require.Equal(t, typed.Schema{Name: "B", Version: 1}, ue.Schema)
	})

	t.Run("RegistrationErrors", func(t *testing.T) {
		t.Parallel()
		reg := upcastingRegistry(t)
		s := func(name string, v int) typed.Schema { return typed.Schema{Name: name, Version: v} }
		for name, tc := range map[string]struct {
			from, to typed.Schema
			want     string
		}{
			"Duplicate":   {s("Opened", 1), s("Opened", 3), "an upcaster from it (to Opened v2) is already registered"},
			"FromCurrent": {s("Opened", 3), s("Opened", 4), "it is registered as the current schema of type typed_test.OpenedV3"},
			"Self":        {s("X", 1), s("X", 1), "cannot target its own schema"},
			"BadVersion":  {s("X", 0), s("X", 1), "the version must be 1 or more"},
			"BadName":     {s("X", 1), s("", 1), "the event name is invalid"},
		} {
			err := reg.AddUpcaster(tc.from, tc.to, nil)
			require.ErrorIs(t, err, typed.ErrInvalidRegistration, name)
			require.Contains(t, err.Error(), tc.want, name)
		}
		// A real indirect cycle: P1 -> P2 -> P1.
		require.NoError(t, reg.AddUpcaster(s("P", 1), s("P", 2), nil))
		require.ErrorContains(t, reg.AddUpcaster(s("P", 2), s("P", 1), nil), "would close a cycle")

		_, err := typed.Register[OpenedV1](reg, "AccountCreated", nil)
		require.ErrorContains(t, err, "an upcaster from AccountCreated v1 is registered, so it cannot be a current schema")
	})
}

func seqOf(events []pgevents.Event, tail error) iter.Seq2[pgevents.Event, error] {
	return func(yield func(pgevents.Event, error) bool) {
		for _, e := range events {
			if !yield(e, nil) {
				return
			}
		}
		if tail != nil {
			yield(pgevents.Event{}, tail)
		}
	}
}

func TestRegistry_Events(t *testing.T) {
	t.Parallel()

	t.Run("SkipUnknownAndSeeStoreError", func(t *testing.T) {
		t.Parallel()
		reg, _, _ := newRegistry(t)
		storeErr := errors.New("connection lost")
		events := []pgevents.Event{event("Deposited", `{"amount":1}`, ""), event("Other", `{}`, ""), event("Deposited", `{"amount":2}`, "")}
		var amounts []int
		var unknown []string
		var last error
		for d, err := range reg.Events(seqOf(events, storeErr)) {
			if errors.Is(err, typed.ErrUnknownEvent) {
				unknown = append(unknown, d.Event.Name)
				continue
			}
			if err != nil {
				last = err
				break
			}
			amounts = append(amounts, d.Payload.(Deposited).Amount)
		}
		require.Equal(t, []int{1, 2}, amounts)
		require.Equal(t, []string{"Other"}, unknown)
		require.ErrorIs(t, last, storeErr)
	})

	t.Run("StopsWhenConsumerBreaks", func(t *testing.T) {
		t.Parallel()
		reg, _, _ := newRegistry(t)
		pulled := 0
		seq := func(yield func(pgevents.Event, error) bool) {
			for range 5 {
				pulled++
				if !yield(event("Deposited", `{}`, ""), nil) {
					return
				}
			}
		}
		for range reg.Events(seq) {
			break
		}
		require.Equal(t, 1, pulled)
	})

	t.Run("DecodeAllStopsAtFirstError", func(t *testing.T) {
		t.Parallel()
		reg, _, _ := newRegistry(t)
		ds, err := reg.DecodeAll([]pgevents.Event{event("Deposited", `{}`, ""), event("Deposited", `[]`, "")})
		require.ErrorIs(t, err, typed.ErrDecode)
		require.Nil(t, ds)
	})
}

func TestRegistry_Concurrent(t *testing.T) {
	t.Parallel()
	reg, _, _ := newRegistry(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				_, _ = reg.Decode(event("Deposited", `{"amount":1}`, ""))
				_ = reg.AddUpcaster(typed.Schema{Name: fmt.Sprintf("Old%d_%d", i, j), Version: 1}, typed.Schema{Name: "Deposited", Version: 1}, nil)
			}
		})
	}
	wg.Wait()
	d, err := reg.Decode(event("Old3_7", `{"amount":4}`, ""))
	require.NoError(t, err)
	require.Equal(t, Deposited{Amount: 4}, d.Payload)
}
