package pgeventstest_test

import (
	"fmt"
	"time"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgeventstest"
)

// ExampleNewEventBuilder demonstrates using a builder as a template for new
// events.
func ExampleNewEventBuilder() {
	deposit := pgeventstest.NewEventBuilder().WithName("Deposited").WithMetadata(map[string]string{"by": "test"})
	small := deposit.WithPayload(map[string]int{"amount": 1}).Build()
	large := deposit.WithPayload(map[string]int{"amount": 1000}).
		WithOccurredAt(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)).Build()

	fmt.Println(small.Name, string(small.Payload), string(small.Metadata), small.OccurredAt.IsZero())
	fmt.Println(large.Name, string(large.Payload), large.OccurredAt.Format(time.RFC3339))
	// Output:
	// Deposited {"amount":1} {"by":"test"} true
	// Deposited {"amount":1000} 2025-03-01T09:00:00Z
}

// ExampleStoredEventBuilder_BuildStream demonstrates building the events a
// store would return for a stream, e.g. to feed a projection under test.
func ExampleStoredEventBuilder_BuildStream() {
	b := pgeventstest.NewEventBuilder()
	events := pgeventstest.NewStoredEventBuilder().WithStream("account", "42").BuildStream(
		b.WithName("AccountOpened").Build(),
		b.WithName("Deposited").WithPayload(map[string]int{"amount": 5}).Build(),
	)
	for _, e := range events {
		fmt.Println(e.StreamID(), e.Position, e.Cursor(), e.Name, string(e.Payload))
	}
	// Output:
	// stream account/42 0 1:1 AccountOpened {}
	// stream account/42 1 2:2 Deposited {"amount":5}
}

// ExampleNewGenerator demonstrates reproducible random data: the same seed
// always gives the same values.
func ExampleNewGenerator() {
	g := pgeventstest.NewGenerator(1)
	fmt.Println(g.EventName(), g.CategoryName(), g.StreamName())
	fmt.Println(g.UUID())
	fmt.Println(g.Time().Format(time.RFC3339Nano))

	events := pgeventstest.NewGenerator(99).Events(2, &pgeventstest.EventOpts{
		Names: []string{"Deposited", "Withdrawn"}, PayloadDepth: 1, MetadataDepth: -1,
	})
	for _, e := range events {
		fmt.Println(e.Name, string(e.Payload), string(e.Metadata))
	}
	same := pgeventstest.NewGenerator(99).Events(2, &pgeventstest.EventOpts{
		Names: []string{"Deposited", "Withdrawn"}, PayloadDepth: 1, MetadataDepth: -1,
	})
	fmt.Println(same[1].ID == events[1].ID)
	// Output:
	// UserReopened ticket_39e7b6 554a33773c03
	// 94dd136a-40b5-40c2-9f30-03083d8a8532
	// 2021-10-31T12:42:28.854599Z
	// Withdrawn {"amount":31207.89,"amount_d083":84995.04,"enabled":"日本語","score":7273.81,"score_e132":null} null
	// Deposited {"alpha":-731667,"balance":120224,"status":4531.05} null
	// true
}

// ExampleNewProjectionBuilder demonstrates building a stored projection.
func ExampleNewProjectionBuilder() {
	p := pgeventstest.NewProjectionBuilder().WithName("balances").WithID("account-42").
		WithSource(pgevents.StreamID("account", "42")).WithState(map[string]int{"balance": 5}).Build()
	fmt.Println(p.Name, p.ID, p.Source, string(p.State), p.UpdatedAt.Equal(p.CreatedAt))
	// Output:
	// balances account-42 stream account/42 {"balance":5} true
}
