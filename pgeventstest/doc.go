// Package pgeventstest helps test code that uses pgevents: builders for new
// events, stored events and projections with sensible defaults; seedable
// random generators for names, ids, timestamps, JSON payloads and whole
// events; and assertions over any pgevents.Store.
//
// It is meant for _test.go files only.
//
// # Builders
//
// [NewEventBuilder], [NewStoredEventBuilder] and [NewProjectionBuilder]
// return builders whose With methods each return a modified copy, so a
// builder can serve as a template:
//
//	base := pgeventstest.NewEventBuilder().WithName("Deposited")
//	e1 := base.WithPayload(map[string]int{"amount": 1}).Build()
//	e2 := base.WithPayload(map[string]int{"amount": 2}).Build()
//
// Values that do not encode as JSON are programming errors in a test, so the
// With methods that take one panic rather than return an error.
//
// # Generators
//
// A [Generator] produces random but reproducible data: the same seed gives
// the same sequence of values, on every run and platform, so a failing
// randomized test can be replayed from its seed. Generators hold their own
// source (no global state) and are not safe for concurrent use.
//
// # Assertions
//
// [RequireStream] and [RequireAppended] read a pgevents.Store and fail the
// test (t.FailNow) with a message starting "pgeventstest: " when what is
// stored differs from what is expected.
package pgeventstest
