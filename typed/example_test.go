package typed_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgeventstest"
	"github.com/pgevents/pgevents/typed"
)

// The application's event payloads and metadata.
type (
	ProfileCreated struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	EmailChanged struct {
		Email string `json:"email"`
	}
	RequestMeta struct {
		UserID string `json:"user_id"`
	}
)

// Example demonstrates registering payload types, encoding typed values as
// new events and decoding stored events back into them.
func Example() {
	reg := typed.NewRegistry[RequestMeta](nil)
	typed.MustRegister[ProfileCreated](reg, typed.NameOf[ProfileCreated](), nil)
	emailChanged := typed.MustRegister[EmailChanged](reg, "EmailChanged", nil)

	meta := RequestMeta{UserID: "u-1"}
	newEvents, err := reg.EncodeAll(meta,
		ProfileCreated{Email: "ada@example.com", Name: "Ada"},
		EmailChanged{Email: "ada@lovelace.example"},
	)
	if err != nil {
		panic(err)
	}
	// What a store would return after appending them (a real application
	// appends with client.Stream("profile", "1").Append).
	stored := pgeventstest.NewStoredEventBuilder().WithStream("profile", "1").BuildStream(newEvents...)

	for _, e := range stored {
		d, err := reg.Decode(e)
		if err != nil {
			panic(err)
		}
		switch p := d.Payload.(type) {
		case ProfileCreated:
			fmt.Printf("%d %s: %s <%s> by %s\n", e.Position, d.Name, p.Name, p.Email, d.Metadata.UserID)
		case EmailChanged:
			fmt.Printf("%d %s: <%s> (raw %s)\n", e.Position, d.Name, p.Email, d.Event.Payload)
		}
		if p, ok := emailChanged.Of(d); ok {
			fmt.Println("  typed handle:", p.Email)
		}
	}
	// Output:
	// 0 ProfileCreated: Ada <ada@example.com> by u-1
	// 1 EmailChanged: <ada@lovelace.example> (raw {"email":"ada@lovelace.example"})
	//   typed handle: ada@lovelace.example
}

// Payload shapes of one event over time; only the current one is registered.
type (
	CustomerRegisteredV1 struct {
		FullName string `json:"full_name"`
	}
	CustomerRegisteredV2 struct {
		First string `json:"first"`
		Last  string `json:"last"`
	}
	CustomerRegistered struct { // v3
		First   string `json:"first"`
		Last    string `json:"last"`
		Country string `json:"country"`
	}
)

// Example_upcasting demonstrates reading older versions of an event as the
// current one through chained upcasters, including a renamed event.
func Example_upcasting() {
	reg := typed.NewRegistry[*RequestMeta](nil)
	current := typed.MustRegister[CustomerRegistered](reg, "CustomerRegistered", &typed.RegisterOpts{Version: 3})

	v1 := typed.Schema{Name: "CustomerRegistered", Version: 1}
	v2 := typed.Schema{Name: "CustomerRegistered", Version: 2}
	v3 := typed.Schema{Name: "CustomerRegistered", Version: 3}
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(reg.AddUpcaster(v1, v2, typed.UpcastFunc(func(old CustomerRegisteredV1) (CustomerRegisteredV2, error) {
		first, last, _ := strings.Cut(old.FullName, " ")
		return CustomerRegisteredV2{First: first, Last: last}, nil
	})))
	must(reg.AddUpcaster(v2, v3, typed.UpcastFunc(func(old CustomerRegisteredV2) (CustomerRegistered, error) {
		return CustomerRegistered{First: old.First, Last: old.Last, Country: "unknown"}, nil
	})))
	// Events were called "UserSignedUp" before v1: rename them (nil keeps the payload).
	must(reg.AddUpcaster(typed.Schema{Name: "UserSignedUp", Version: 1}, v1, nil))

	newV3, err := current.New(CustomerRegistered{First: "Grace", Last: "Hopper", Country: "US"}, nil)
	must(err)
	fmt.Printf("written: %s metadata %s\n", newV3.Name, newV3.Metadata)

	b := pgeventstest.NewEventBuilder()
	stored := pgeventstest.NewStoredEventBuilder().BuildStream(
		b.WithName("UserSignedUp").WithPayload(map[string]string{"full_name": "Alan Turing"}).Build(),
		b.WithName("CustomerRegistered").WithPayload(map[string]string{"full_name": "Ada Lovelace"}).Build(),
		b.WithName("CustomerRegistered").WithPayload(map[string]string{"first": "Edsger", "last": "Dijkstra"}).
			WithMetadata(map[string]int{"schema_version": 2}).Build(),
		newV3,
	)
	for _, e := range stored {
		d, err := reg.Decode(e)
		must(err)
		fmt.Printf("%s -> %s v%d %+v\n", e.Name, d.Name, d.Version, d.Payload)
	}
	// Output:
	// written: CustomerRegistered metadata {"schema_version":3}
	// UserSignedUp -> CustomerRegistered v3 {First:Alan Last:Turing Country:unknown}
	// CustomerRegistered -> CustomerRegistered v3 {First:Ada Last:Lovelace Country:unknown}
	// CustomerRegistered -> CustomerRegistered v3 {First:Edsger Last:Dijkstra Country:unknown}
	// CustomerRegistered -> CustomerRegistered v3 {First:Grace Last:Hopper Country:US}
}

// ExampleRegistry_Decode_errors demonstrates the typed errors of Decode.
func ExampleRegistry_Decode_errors() {
	reg := typed.NewRegistry[typed.NoMetadata](nil)
	typed.MustRegister[EmailChanged](reg, "EmailChanged", nil)

	b := pgeventstest.NewEventBuilder()
	stored := pgeventstest.NewStoredEventBuilder().BuildStream(
		b.WithName("email_changed").Build(),
		b.WithName("EmailChanged").WithPayload(map[string]int{"email": 42}).Build(),
	)

	_, err := reg.Decode(stored[0])
	var unknown *typed.UnknownEventError
	fmt.Println(errors.Is(err, typed.ErrUnknownEvent), errors.As(err, &unknown), unknown.Schema, unknown.Hint)

	_, err = reg.Decode(stored[1])
	var decodeErr *typed.DecodeError
	var jsonErr *json.UnmarshalTypeError
	fmt.Println(errors.Is(err, typed.ErrDecode), errors.As(err, &decodeErr), decodeErr.Part, errors.As(err, &jsonErr))
	fmt.Println(err)
	// Output:
	// true true email_changed v1 did you mean "EmailChanged"? (add an upcaster to rename it)
	// true true payload true
	// pgevents: event bc71e4c3-2ca9-5227-8753-81118d23aae5 (EmailChanged v1) does not decode: payload: json: cannot unmarshal number into Go struct field EmailChanged.email of type string
}

// ExampleRegistry_Events demonstrates decoding a Client iterator while
// skipping events of types this reader does not know.
func ExampleRegistry_Events() {
	reg := typed.NewRegistry[typed.NoMetadata](nil)
	typed.MustRegister[EmailChanged](reg, "EmailChanged", nil)

	b := pgeventstest.NewEventBuilder()
	stored := pgeventstest.NewStoredEventBuilder().BuildStream(
		b.WithName("EmailChanged").WithPayload(EmailChanged{Email: "a@example.com"}).Build(),
		b.WithName("PasswordReset").Build(),
		b.WithName("EmailChanged").WithPayload(EmailChanged{Email: "b@example.com"}).Build(),
	)
	// In an application: client.Stream("profile", "1").Events(ctx, nil).
	events := func(yield func(pgevents.Event, error) bool) {
		for _, e := range stored {
			if !yield(e, nil) {
				return
			}
		}
	}

	for d, err := range reg.Events(events) {
		if errors.Is(err, typed.ErrUnknownEvent) {
			fmt.Println("skipped", d.Event.Name)
			continue
		}
		if err != nil {
			panic(err)
		}
		fmt.Println(d.Payload.(EmailChanged).Email)
	}
	// Output:
	// a@example.com
	// skipped PasswordReset
	// b@example.com
}

// ExampleNameOf demonstrates deriving event names from Go types.
func ExampleNameOf() {
	fmt.Println(typed.NameOf[ProfileCreated](), typed.NameOf[*EmailChanged]())
	// Output: ProfileCreated EmailChanged
}
