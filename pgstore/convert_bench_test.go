package pgstore

import (
	"encoding/json"
	"testing"

	"github.com/pgevents/pgevents"
)

func BenchmarkEventsToJSON(b *testing.B) {
	payload := json.RawMessage(`{"note": "seeded by pgevents-bench", "lines": [{"qty": 1, "sku": "SKU-0", "price": 1999}], "amount": 0, "status": "confirmed", "currency": "EUR", "customer": "customer-0", "order_id": "3eac1f3c2ef5215eb9bd13e28ae0975a"}`)
	metadata := json.RawMessage(`{"user": "user-0", "source": "pgevents-bench", "causation_id": "aa00c4c0f44c5cb7cad68df40e8f8877", "correlation_id": "3eac1f3c2ef5215eb9bd13e28ae0975a"}`)
	events := make([]pgevents.NewEvent, 10)
	for i := range events {
		events[i] = pgevents.NewEvent{Name: "OrderConfirmed", Payload: payload, Metadata: metadata}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eventsToJSON("events", events); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendParamsToInternal is the client-side cost of one append of
// 10 events: ids generated (new params each time), every payload checked as
// jsonb's input would and encoded.
func BenchmarkAppendParamsToInternal(b *testing.B) {
	payload := json.RawMessage(`{"note": "seeded by pgevents-bench", "lines": [{"qty": 1, "sku": "SKU-0", "price": 1999}], "amount": 0, "status": "confirmed", "currency": "EUR", "customer": "customer-0", "order_id": "3eac1f3c2ef5215eb9bd13e28ae0975a"}`)
	metadata := json.RawMessage(`{"user": "user-0", "source": "pgevents-bench", "causation_id": "aa00c4c0f44c5cb7cad68df40e8f8877", "correlation_id": "3eac1f3c2ef5215eb9bd13e28ae0975a"}`)
	events := make([]pgevents.NewEvent, 10)
	for i := range events {
		events[i] = pgevents.NewEvent{Name: "OrderConfirmed", Payload: payload, Metadata: metadata}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := appendParamsToInternal(&pgevents.AppendParams{Category: "order", Stream: "o-1", Events: events}); err != nil {
			b.Fatal(err)
		}
	}
}
