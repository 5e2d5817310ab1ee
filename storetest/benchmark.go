package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/pgevents/pgevents"
)

// Benchmark measures a store's appends and reads. newStore is called once
// per sub-benchmark, with its b, and must return an empty store (custom
// conditions are not needed). Sub-benchmarks are named Method/Case, like
// Run's subtests:
//
//   - AppendEvents/OneEvent, AppendEvents/TenEvents: appends to one stream,
//     without a condition;
//   - AppendEvents/ExpectedPosition: one event under PositionIs, the
//     optimistic-concurrency append;
//   - AppendEvents/ParallelStreams: one event per append, each goroutine of
//     b.RunParallel on its own stream;
//   - AppendStreams/TwoStreams: one event to each of two streams;
//   - ReadStream/Page100, ReadEvents/CategoryPage100, ReadEvents/LogPage100:
//     pages of 100 events from 1,000 (stream reads from a rotating position,
//     resumable reads from a rotating cursor);
//   - LatestEvent/Stream, LatestEvent/Category.
//
// Events have a small JSON payload and metadata. Reported ns/op is per call.
func Benchmark(b *testing.B, newStore func(b *testing.B) pgevents.Store) {
	payload := []byte(`{"amount":100,"currency":"EUR","note":"benchmark"}`)
	event := func(i int) pgevents.NewEvent {
		return pgevents.NewEvent{Name: "Deposited", Payload: payload, Metadata: []byte(fmt.Sprintf(`{"i":%d}`, i))}
	}
	appendN := func(b *testing.B, s pgevents.Store, category, stream string, cond pgevents.Condition, n, from int) []pgevents.Event {
		events := make([]pgevents.NewEvent, n)
		for i := range events {
			events[i] = event(from + i)
		}
		res, err := s.AppendEvents(b.Context(), &pgevents.AppendParams{Category: category, Stream: stream, Condition: cond, Events: events})
		if err != nil {
			b.Fatal(err)
		}
		return res.Events
	}
	// preload writes 1,000 events to (category, stream) in pages of 100.
	preload := func(b *testing.B, s pgevents.Store) []pgevents.Event {
		var all []pgevents.Event
		for i := range 10 {
			all = append(all, appendN(b, s, "bench", "s1", pgevents.Condition{}, 100, i*100)...)
		}
		return all
	}

	b.Run("AppendEvents/OneEvent", func(b *testing.B) {
		s := newStore(b)
		i := 0
		for b.Loop() {
			appendN(b, s, "bench", "s1", pgevents.Condition{}, 1, i)
			i++
		}
	})
	b.Run("AppendEvents/TenEvents", func(b *testing.B) {
		s := newStore(b)
		i := 0
		for b.Loop() {
			appendN(b, s, "bench", "s1", pgevents.Condition{}, 10, i)
			i += 10
		}
	})
	b.Run("AppendEvents/ExpectedPosition", func(b *testing.B) {
		s := newStore(b)
		var pos *int64
		i := 0
		for b.Loop() {
			e := appendN(b, s, "bench", "s1", pgevents.ExpectedPosition(pos), 1, i)
			pos = &e[0].Position
			i++
		}
	})
	b.Run("AppendEvents/ParallelStreams", func(b *testing.B) {
		s := newStore(b)
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			stream := fmt.Sprintf("s%d", next.Add(1))
			i := 0
			for pb.Next() {
				appendN(b, s, "bench", stream, pgevents.Condition{}, 1, i)
				i++
			}
		})
	})
	b.Run("AppendStreams/TwoStreams", func(b *testing.B) {
		s := newStore(b)
		i := 0
		for b.Loop() {
			_, err := s.AppendStreams(b.Context(), &pgevents.AppendStreamsParams{Category: "bench",
				Streams: map[string]pgevents.StreamAppend{
					"a": {Events: []pgevents.NewEvent{event(i)}},
					"b": {Events: []pgevents.NewEvent{event(i)}},
				}})
			if err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("ReadStream/Page100", func(b *testing.B) {
		s := newStore(b)
		preload(b, s)
		i := 0
		for b.Loop() {
			events, err := s.ReadStream(b.Context(), &pgevents.ReadStreamParams{Category: "bench", Stream: "s1",
				FromPosition: int64(i % 10 * 100), Limit: 100})
			if err != nil || len(events) != 100 {
				b.Fatalf("read %d events: %v", len(events), err)
			}
			i++
		}
	})
	readPages := func(b *testing.B, category string) {
		s := newStore(b)
		all := preload(b, s)
		i := 0
		for b.Loop() {
			var after pgevents.Cursor
			if k := i % 10; k > 0 {
				after = all[k*100-1].Cursor()
			}
			if _, err := s.ReadEvents(b.Context(), &pgevents.ReadEventsParams{Category: category, After: after, Limit: 100}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	}
	b.Run("ReadEvents/CategoryPage100", func(b *testing.B) { readPages(b, "bench") })
	b.Run("ReadEvents/LogPage100", func(b *testing.B) { readPages(b, "") })
	for _, latest := range []struct {
		name string
		src  pgevents.Identifier
	}{{"LatestEvent/Stream", pgevents.StreamID("bench", "s1")}, {"LatestEvent/Category", pgevents.CategoryID("bench")}} {
		b.Run(latest.name, func(b *testing.B) {
			s := newStore(b)
			preload(b, s)
			for b.Loop() {
				if _, err := s.LatestEvent(b.Context(), &pgevents.LatestEventParams{Source: latest.src}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
