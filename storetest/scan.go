package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

// scanCases cover the Client handles over the store: scans of a category
// or the log, paged stream reads, positions, and the retry helper.
func scanCases() []eventCase {
	none := pgevents.Condition{}
	collectScan := func(t *testing.T, seq func(yield func(pgevents.Event, error) bool)) []pgevents.Event {
		t.Helper()
		var out []pgevents.Event
		for e, err := range seq {
			require.NoError(t, err)
			out = append(out, e)
			require.Less(t, len(out), 10_000, "the scan repeats events")
		}
		return out
	}
	return []eventCase{
		{"CategoryScan", "PagesThroughEveryEventInOrder", func(t *testing.T, s pgevents.Store) {
			var want []pgevents.Event
			for i := range 5 {
				want = append(want, mustAppend(t, s, "account", fmt.Sprintf("a%d", i%2), none, newEvents("A")...)...)
				mustAppend(t, s, "order", "o1", none, newEvents("X")...)
			}
			readAllEventually(t, s, "", 10)
			client := pgevents.NewClient(s)
			for _, pageSize := range []int{0, 1, 2, 5, 6} {
				got := collectScan(t, client.Category("account").Scan(t.Context(), &pgevents.ScanOpts{PageSize: pageSize}))
				requireSameEvents(t, want, got)
			}
		}},
		{"CategoryScan", "ResumesAfterACursor", func(t *testing.T, s pgevents.Store) {
			want := mustAppend(t, s, "account", "a1", none, newEvents("A", "B", "C", "D")...)
			readAllEventually(t, s, "account", 4)
			client := pgevents.NewClient(s)
			got := collectScan(t, client.Category("account").Scan(t.Context(), &pgevents.ScanOpts{After: want[1].Cursor(), PageSize: 1}))
			requireSameEvents(t, want[2:], got)
			got = collectScan(t, client.Category("account").Scan(t.Context(), &pgevents.ScanOpts{After: want[3].Cursor()}))
			require.Empty(t, got)
		}},
		{"CategoryScan", "PicksUpEventsAppendedWhileIterating", func(t *testing.T, s pgevents.Store) {
			const total = 5
			client := pgevents.NewClient(s)
			attempt := 0
			// A store with a fence may hold a just-committed event back from
			// the scan's next page (another transaction of the cluster was
			// open): the scan then ends early. Retry in a fresh category until
			// one scan follows every append.
			pollUntil(t, "a scan that follows every append", func() bool {
				attempt++
				category := client.Category(fmt.Sprintf("scan%d", attempt))
				stream := category.Stream("s1")
				appended, err := stream.Append(t.Context(), newEvents("E0"), nil)
				require.NoError(t, err)
				readAllEventually(t, s, fmt.Sprintf("scan%d", attempt), 1)
				var seen []pgevents.Event
				for e, err := range category.Scan(t.Context(), &pgevents.ScanOpts{PageSize: 1}) {
					require.NoError(t, err)
					seen = append(seen, e)
					require.LessOrEqual(t, len(seen), total, "the scan repeats events")
					if len(appended) < total {
						more, err := stream.Append(t.Context(), newEvents(fmt.Sprintf("E%d", len(appended))),
							&pgevents.AppendOpts{Condition: pgevents.PositionIs(int64(len(appended) - 1))})
						require.NoError(t, err)
						appended = append(appended, more...)
					}
				}
				requireSameEvents(t, appended[:len(seen)], seen) // never a repeat or a skip
				return len(seen) == total
			})
		}},
		{"LogScan", "PagesThroughEveryEventInOrder", func(t *testing.T, s pgevents.Store) {
			var want []pgevents.Event
			for i := range 4 {
				want = append(want, mustAppend(t, s, fmt.Sprintf("c%d", i%2), "s", none, newEvents("A", "B")...)...)
			}
			readAllEventually(t, s, "", 8)
			client := pgevents.NewClient(s)
			got := collectScan(t, client.Log().Scan(t.Context(), &pgevents.ScanOpts{PageSize: 3}))
			requireSameEvents(t, want, got)
			got = collectScan(t, client.Log().Scan(t.Context(), &pgevents.ScanOpts{After: want[4].Cursor(), PageSize: 3}))
			requireSameEvents(t, want[5:], got)
		}},
		{"LogScan", "EmptyLogYieldsNothing", func(t *testing.T, s pgevents.Store) {
			require.Empty(t, collectScan(t, pgevents.NewClient(s).Log().Scan(t.Context(), nil)))
			require.Empty(t, collectScan(t, pgevents.NewClient(s).Category("account").Scan(t.Context(), nil)))
		}},
		{"StreamRead", "PagesFromAPosition", func(t *testing.T, s pgevents.Store) {
			stream := pgevents.NewClient(s).Stream("account", "a1")
			want := mustAppend(t, s, "account", "a1", none, newEvents("A", "B", "C", "D", "E")...)
			for _, pageSize := range []int{0, 1, 2, 5} {
				got, err := stream.Read(t.Context(), &pgevents.ReadOpts{PageSize: pageSize})
				require.NoError(t, err)
				requireSameEvents(t, want, got)
				got, err = stream.Read(t.Context(), &pgevents.ReadOpts{FromPosition: 2, PageSize: pageSize})
				require.NoError(t, err)
				requireSameEvents(t, want[2:], got)
			}
		}},
		{"StreamPosition", "IsNilForAnEmptyStreamThenTheLatestPosition", func(t *testing.T, s pgevents.Store) {
			stream := pgevents.NewClient(s).Stream("account", "a1")
			pos, err := stream.Position(t.Context())
			require.NoError(t, err)
			require.Nil(t, pos)
			_, err = stream.Append(t.Context(), newEvents("A"), &pgevents.AppendOpts{Condition: pgevents.ExpectedPosition(pos)})
			require.NoError(t, err)
			pos, err = stream.Position(t.Context())
			require.NoError(t, err)
			require.Equal(t, posPtr(0), pos)
			_, err = stream.Append(t.Context(), newEvents("B", "C"), &pgevents.AppendOpts{Condition: pgevents.ExpectedPosition(pos)})
			require.NoError(t, err)
			pos, err = stream.Position(t.Context())
			require.NoError(t, err)
			require.Equal(t, posPtr(2), pos)
		}},
		{"CategoryAppend", "AppendsToSeveralStreams", func(t *testing.T, s pgevents.Store) {
			got, err := pgevents.NewClient(s).Category("account").Append(t.Context(), map[string]pgevents.StreamAppend{
				"a2": {Condition: pgevents.StreamIsEmpty(), Events: newEvents("B")},
				"a1": {Condition: pgevents.StreamIsEmpty(), Events: newEvents("A")},
			}, &pgevents.AppendOpts{Scope: pgevents.ScopeCategory})
			require.NoError(t, err)
			require.Equal(t, []string{"A", "B"}, eventNames(got))
		}},
		{"Handles", "EmptyNamesAreInvalidNameNeverAWiderScope", func(t *testing.T, s pgevents.Store) {
			// Issue 8, item 17: Category("") read the whole log and
			// Stream(c, "") the whole category.
			mustAppend(t, s, "account", "a1", none, newEvents("A", "B")...)
			readAllEventually(t, s, "", 2)
			client := pgevents.NewClient(s)
			requireEmptyName := func(err error, field string) {
				t.Helper()
				requireInvalidInput(t, err, pgevents.CodeInvalidName, field)
			}
			firstErr := func(seq func(yield func(pgevents.Event, error) bool)) error {
				for _, err := range seq {
					if err != nil {
						return err
					}
					require.FailNow(t, "an event was yielded before the error")
				}
				return nil
			}
			noCategory := client.Category("")
			_, err := noCategory.Latest(t.Context())
			requireEmptyName(err, "category")
			got, err := noCategory.Read(t.Context(), pgevents.Cursor{}, -1)
			requireEmptyName(err, "category")
			require.Nil(t, got)
			requireEmptyName(firstErr(noCategory.Scan(t.Context(), nil)), "category")
			_, err = noCategory.Append(t.Context(), map[string]pgevents.StreamAppend{"a1": {Events: newEvents("X")}}, nil)
			requireEmptyName(err, "category")

			for _, tc := range []struct{ category, stream, field string }{{"account", "", "stream"}, {"", "a1", "category"}, {"", "", "category"}} {
				stream := client.Stream(tc.category, tc.stream)
				_, err = stream.Latest(t.Context())
				requireEmptyName(err, tc.field)
				pos, err := stream.Position(t.Context())
				requireEmptyName(err, tc.field)
				require.Nil(t, pos)
				_, err = stream.Read(t.Context(), nil)
				requireEmptyName(err, tc.field)
				requireEmptyName(firstErr(stream.Events(t.Context(), nil)), tc.field)
				_, err = stream.Append(t.Context(), newEvents("X"), nil)
				requireEmptyName(err, tc.field)
				_, err = client.Category(tc.category).Stream(tc.stream).Latest(t.Context())
				requireEmptyName(err, tc.field)
			}
			require.Len(t, readWholeStream(t, s, "account", "a1"), 2, "nothing written")
			// The log is named by its own handle.
			latest, err := client.Log().Latest(t.Context())
			require.NoError(t, err)
			require.Equal(t, "B", latest.Name)
		}},
		{"CategoryAppend", "ConditionInOptsIsInvalidCondition", func(t *testing.T, s pgevents.Store) {
			// Issue 8, item 18: it used to be ignored without a word.
			_, err := pgevents.NewClient(s).Category("account").Append(t.Context(), map[string]pgevents.StreamAppend{
				"a1": {Events: newEvents("A")},
			}, &pgevents.AppendOpts{Condition: pgevents.StreamIsEmpty()})
			requireInvalidInput(t, err, pgevents.CodeInvalidCondition, "condition")
			requireLogEmpty(t, s)
		}},
		{"RetryOnConditionFailed", "RetriesOnFreshStateAfterAConcurrentWrite", func(t *testing.T, s pgevents.Store) {
			stream := pgevents.NewClient(s).Stream("account", "a1")
			attempts := 0
			err := pgevents.RetryOnConditionFailed(t.Context(), 3, func(ctx context.Context) error {
				attempts++
				pos, err := stream.Position(ctx)
				if err != nil {
					return err
				}
				if attempts == 1 { // a concurrent writer gets in first
					mustAppend(t, s, "account", "a1", none, newEvents("Other")...)
				}
				_, err = stream.Append(ctx, newEvents("Mine"), &pgevents.AppendOpts{Condition: pgevents.ExpectedPosition(pos)})
				return err
			})
			require.NoError(t, err)
			require.Equal(t, 2, attempts)
			require.Equal(t, []string{"Other", "Mine"}, eventNames(readWholeStream(t, s, "account", "a1")))
		}},
		{"RetryOnConditionFailed", "GivesUpAfterTheAttempts", func(t *testing.T, s pgevents.Store) {
			mustAppend(t, s, "account", "a1", none, newEvents("A")...)
			stream := pgevents.NewClient(s).Stream("account", "a1")
			attempts := 0
			err := pgevents.RetryOnConditionFailed(t.Context(), 3, func(ctx context.Context) error {
				attempts++
				_, err := stream.Append(ctx, newEvents("B"), &pgevents.AppendOpts{Condition: pgevents.StreamIsEmpty()})
				return err
			})
			require.ErrorIs(t, err, pgevents.ErrStreamNotEmpty)
			require.Equal(t, 3, attempts)
		}},
	}
}
