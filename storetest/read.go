package storetest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

func readCases() []eventCase {
	none := pgevents.Condition{}
	return []eventCase{
		{"ReadStream", "EmptyStoreReturnsNothing", func(t *testing.T, s pgevents.Store) {
			events, err := s.ReadStream(t.Context(), &pgevents.ReadStreamParams{Category: "account", Stream: "a1"})
			require.NoError(t, err)
			require.Empty(t, events)
		}},
		{"ReadStream", "UnknownStreamReturnsNothing", func(t *testing.T, s pgevents.Store) {
			mustAppend(t, s, "account", "a1", none, newEvents("A")...)
			require.Empty(t, readWholeStream(t, s, "account", "a2"))
			require.Empty(t, readWholeStream(t, s, "order", "a1"))
		}},
		{"ReadStream", "ReturnsEventsInPositionOrder", func(t *testing.T, s pgevents.Store) {
			want := mustAppend(t, s, "account", "a1", none, newEvents("A", "B")...)
			mustAppend(t, s, "account", "a2", none, newEvents("X")...)
			want = append(want, mustAppend(t, s, "account", "a1", none, newEvents("C")...)...)
			requireSameEvents(t, want, readWholeStream(t, s, "account", "a1"))
		}},
		{"ReadStream", "FromPosition", func(t *testing.T, s pgevents.Store) {
			want := mustAppend(t, s, "account", "a1", none, newEvents("A", "B", "C", "D")...)
			for from := int64(0); from <= 5; from++ {
				got, err := s.ReadStream(t.Context(), &pgevents.ReadStreamParams{Category: "account", Stream: "a1", FromPosition: from})
				require.NoError(t, err)
				requireSameEvents(t, want[min(from, 4):], got)
			}
		}},
		{"ReadStream", "Limit", func(t *testing.T, s pgevents.Store) {
			want := mustAppend(t, s, "account", "a1", none, newEvents("A", "B", "C", "D")...)
			for _, tc := range []struct {
				from        int64
				limit, want int
			}{{0, 2, 2}, {1, 2, 2}, {3, 2, 1}, {0, 4, 4}, {0, 9, 4}, {1, -1, 3}} {
				got, err := s.ReadStream(t.Context(), &pgevents.ReadStreamParams{Category: "account", Stream: "a1",
					FromPosition: tc.from, Limit: tc.limit})
				require.NoError(t, err)
				requireSameEvents(t, want[tc.from:tc.from+int64(tc.want)], got)
			}
		}},
		{"ReadStream", "LimitZeroMeansDefaultLimit", func(t *testing.T, s pgevents.Store) {
			appendMany(t, s, "account", "a1", pgevents.DefaultLimit+1)
			got, err := s.ReadStream(t.Context(), &pgevents.ReadStreamParams{Category: "account", Stream: "a1"})
			require.NoError(t, err)
			require.Len(t, got, pgevents.DefaultLimit)
			got, err = s.ReadStream(t.Context(), &pgevents.ReadStreamParams{Category: "account", Stream: "a1", Limit: -1})
			require.NoError(t, err)
			require.Len(t, got, pgevents.DefaultLimit+1)
		}},
		{"ReadEvents", "EmptyStoreReturnsNothing", func(t *testing.T, s pgevents.Store) {
			for _, category := range []string{"", "account"} {
				events, err := s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: category})
				require.NoError(t, err)
				require.Empty(t, events)
			}
		}},
		{"ReadEvents", "EmptyCategoryReturnsNothing", func(t *testing.T, s pgevents.Store) {
			mustAppend(t, s, "account", "a1", none, newEvents("A")...)
			readAllEventually(t, s, "", 1)
			events, err := s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: "order"})
			require.NoError(t, err)
			require.Empty(t, events)
		}},
		{"ReadEvents", "ReadsACategoryInAppendOrder", func(t *testing.T, s pgevents.Store) {
			var want []pgevents.Event
			want = append(want, mustAppend(t, s, "account", "a1", none, newEvents("A", "B")...)...)
			mustAppend(t, s, "order", "o1", none, newEvents("X")...)
			want = append(want, mustAppend(t, s, "account", "a2", none, newEvents("C")...)...)
			want = append(want, mustAppend(t, s, "account", "a1", none, newEvents("D")...)...)
			mustAppend(t, s, "order", "o1", none, newEvents("Y")...)
			requireSameEvents(t, want, readAllEventually(t, s, "account", 4))
		}},
		{"ReadEvents", "ReadsTheLogAcrossCategories", func(t *testing.T, s pgevents.Store) {
			var want []pgevents.Event
			want = append(want, mustAppend(t, s, "account", "a1", none, newEvents("A", "B")...)...)
			want = append(want, mustAppend(t, s, "order", "o1", none, newEvents("X")...)...)
			want = append(want, mustAppend(t, s, "account", "a2", none, newEvents("C")...)...)
			want = append(want, mustAppend(t, s, "order", "a1", none, newEvents("Y")...)...)
			requireSameEvents(t, want, readAllEventually(t, s, "", 5))
		}},
		{"ReadEvents", "ResumingFromACursorNeitherSkipsNorRepeats", func(t *testing.T, s pgevents.Store) {
			var want []pgevents.Event
			for i := range 7 {
				want = append(want, mustAppend(t, s, "account", fmt.Sprintf("a%d", i%3), none, newEvents("A", "B")...)...)
				mustAppend(t, s, "order", "o1", none, newEvents("X")...)
			}
			readAllEventually(t, s, "account", len(want))
			for _, limit := range []int{1, 2, 3, 5, 100} {
				var got []pgevents.Event
				var after pgevents.Cursor
				for {
					page, err := s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: "account", After: after, Limit: limit})
					require.NoError(t, err)
					require.LessOrEqual(t, len(page), limit)
					if len(page) == 0 {
						break
					}
					got = append(got, page...)
					require.LessOrEqual(t, len(got), len(want), "resuming repeats events")
					after = page[len(page)-1].Cursor()
				}
				requireSameEvents(t, want, got)
			}
		}},
		{"ReadEvents", "AfterTheLastCursorReturnsNothing", func(t *testing.T, s pgevents.Store) {
			mustAppend(t, s, "account", "a1", none, newEvents("A", "B")...)
			events := readAllEventually(t, s, "", 2)
			for _, category := range []string{"", "account"} {
				got, err := s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: category, After: events[1].Cursor()})
				require.NoError(t, err)
				require.Empty(t, got)
				got, err = s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: category, After: events[0].Cursor()})
				require.NoError(t, err)
				requireSameEvents(t, events[1:], got)
			}
		}},
		{"ReadEvents", "KeepsPerStreamOrder", func(t *testing.T, s pgevents.Store) {
			for i := range 12 {
				mustAppend(t, s, "account", fmt.Sprintf("a%d", i%4), none, newEvents("A", "B")...)
			}
			next := map[string]int64{}
			for _, e := range readAllEventually(t, s, "account", 24) {
				require.Equal(t, next[e.Stream], e.Position, "stream %s", e.Stream)
				next[e.Stream]++
			}
		}},
		{"ReadEvents", "Limit", func(t *testing.T, s pgevents.Store) {
			want := mustAppend(t, s, "account", "a1", none, newEvents("A", "B", "C")...)
			readAllEventually(t, s, "account", 3)
			for _, category := range []string{"", "account"} {
				for _, tc := range []struct{ limit, want int }{{1, 1}, {2, 2}, {3, 3}, {4, 3}, {-1, 3}} {
					got, err := s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: category, Limit: tc.limit})
					require.NoError(t, err)
					requireSameEvents(t, want[:tc.want], got)
				}
			}
		}},
		{"ReadEvents", "LimitZeroMeansDefaultLimit", func(t *testing.T, s pgevents.Store) {
			appendMany(t, s, "account", "a1", pgevents.DefaultLimit+1)
			readAllEventually(t, s, "account", pgevents.DefaultLimit+1)
			for _, category := range []string{"", "account"} {
				got, err := s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: category})
				require.NoError(t, err)
				require.Len(t, got, pgevents.DefaultLimit)
			}
		}},
		{"LatestEvent", "OfAStreamIsItsHighestPosition", func(t *testing.T, s pgevents.Store) {
			mustAppend(t, s, "account", "a1", none, newEvents("A", "B")...)
			want := mustAppend(t, s, "account", "a1", none, newEvents("C", "D")...)
			mustAppend(t, s, "account", "a2", none, newEvents("X")...)
			got, err := s.LatestEvent(t.Context(), &pgevents.LatestEventParams{Source: pgevents.StreamID("account", "a1")})
			require.NoError(t, err)
			requireSameEvent(t, want[1], *got)
		}},
		{"LatestEvent", "OfACategoryIsItsLastAppended", func(t *testing.T, s pgevents.Store) {
			mustAppend(t, s, "account", "a1", none, newEvents("A", "B")...)
			want := mustAppend(t, s, "account", "a2", none, newEvents("C")...)
			mustAppend(t, s, "order", "o1", none, newEvents("X")...)
			got, err := s.LatestEvent(t.Context(), &pgevents.LatestEventParams{Source: pgevents.CategoryID("account")})
			require.NoError(t, err)
			requireSameEvent(t, want[0], *got)
		}},
		{"LatestEvent", "OfTheLogIsTheLastAppended", func(t *testing.T, s pgevents.Store) {
			mustAppend(t, s, "account", "a1", none, newEvents("A", "B")...)
			want := mustAppend(t, s, "order", "o1", none, newEvents("X", "Y")...)
			got, err := s.LatestEvent(t.Context(), &pgevents.LatestEventParams{Source: pgevents.LogID()})
			require.NoError(t, err)
			requireSameEvent(t, want[1], *got)
		}},
		{"LatestEvent", "ReturnsErrNotFoundWhenThereIsNone", func(t *testing.T, s pgevents.Store) {
			sources := []pgevents.Identifier{pgevents.LogID(), pgevents.CategoryID("account"), pgevents.StreamID("account", "a1")}
			for _, src := range sources {
				got, err := s.LatestEvent(t.Context(), &pgevents.LatestEventParams{Source: src})
				require.ErrorIs(t, err, pgevents.ErrNotFound, "%s", src)
				require.Nil(t, got)
			}
			mustAppend(t, s, "order", "a1", none, newEvents("A")...)
			for _, src := range sources[1:] {
				_, err := s.LatestEvent(t.Context(), &pgevents.LatestEventParams{Source: src})
				require.ErrorIs(t, err, pgevents.ErrNotFound, "%s", src)
			}
		}},
	}
}

// appendMany appends n events to a stream in one append.
func appendMany(t *testing.T, s pgevents.Store, category, stream string, n int) []pgevents.Event {
	t.Helper()
	evs := make([]string, n)
	for i := range evs {
		evs[i] = "Many"
	}
	return mustAppend(t, s, category, stream, pgevents.Condition{}, newEvents(evs...)...)
}
