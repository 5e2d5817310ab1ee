package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

// concurrencyWriters is how many goroutines race in the concurrency cases.
const concurrencyWriters = 16

// concurrencyCases cover writers and readers racing: conditions are
// evaluated atomically, positions stay gapless, multi-stream appends never
// deadlock, and a resuming reader never skips or repeats an event.
func concurrencyCases() []eventCase {
	return []eventCase{
		{"AppendEvents", "ConcurrentPositionIsHasExactlyOneWinnerPerPosition", func(t *testing.T, s pgevents.Store) {
			const rounds = 8
			for round := range rounds {
				expected := pgevents.ExpectedPosition(positionBefore(round))
				var wins sync.WaitGroup
				results := make([]error, concurrencyWriters)
				start := make(chan struct{})
				for w := range concurrencyWriters {
					wins.Add(1)
					go func() {
						defer wins.Done()
						<-start
						_, results[w] = s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "race", Stream: "r1",
							Condition: expected, Events: newEvents(fmt.Sprintf("W%d", w))})
					}()
				}
				close(start)
				wins.Wait()
				winners := 0
				for _, err := range results {
					if err == nil {
						winners++
						continue
					}
					requireConditionFailed(t, err, pgevents.CodeUnexpectedPosition, "race", "r1", positionAfterRound(round))
				}
				require.Equal(t, 1, winners, "round %d", round)
			}
			events := readWholeStream(t, s, "race", "r1")
			require.Len(t, events, rounds)
			for i, e := range events {
				require.Equal(t, int64(i), e.Position)
			}
		}},
		{"AppendEvents", "ConcurrentOptimisticWritersKeepTheStreamGapless", func(t *testing.T, s pgevents.Store) {
			const perWriter = 5
			client := pgevents.NewClient(s)
			var wg sync.WaitGroup
			errs := make(chan error, concurrencyWriters)
			for w := range concurrencyWriters {
				wg.Add(1)
				go func() {
					defer wg.Done()
					stream := client.Stream("race", "r1")
					for i := range perWriter {
						err := pgevents.RetryOnConditionFailed(t.Context(), 1000, func(ctx context.Context) error {
							pos, err := stream.Position(ctx)
							if err != nil {
								return err
							}
							_, err = stream.Append(ctx, newEvents(fmt.Sprintf("W%d-%d", w, i)),
								&pgevents.AppendOpts{Condition: pgevents.ExpectedPosition(pos)})
							return err
						})
						if err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			events := readWholeStream(t, s, "race", "r1")
			require.Len(t, events, concurrencyWriters*perWriter)
			seen := map[string]bool{}
			next := map[int]int{}
			for i, e := range events {
				require.Equal(t, int64(i), e.Position)
				require.False(t, seen[e.Name], "event %s written twice", e.Name)
				seen[e.Name] = true
				var w, n int
				_, err := fmt.Sscanf(e.Name, "W%d-%d", &w, &n)
				require.NoError(t, err)
				require.Equal(t, next[w], n, "writer %d's events in order", w)
				next[w]++
			}
		}},
		{"AppendStreams", "ConcurrentMultiStreamAppendsDoNotDeadlock", func(t *testing.T, s pgevents.Store) {
			const perWriter = 5
			streams := []string{"a", "b", "c"}
			var wg sync.WaitGroup
			errs := make(chan error, concurrencyWriters*perWriter)
			for w := range concurrencyWriters {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range perWriter {
						m := map[string]pgevents.StreamAppend{}
						for k := range 2 {
							m[streams[(w+i+k)%len(streams)]] = pgevents.StreamAppend{Events: newEvents(fmt.Sprintf("W%d-%d", w, i))}
						}
						_, err := s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "multi", Streams: m,
							Scope: []pgevents.Scope{pgevents.ScopeStream, pgevents.ScopeCategory}[w%2]})
						errs <- err
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			total := 0
			for _, name := range streams {
				events := readWholeStream(t, s, "multi", name)
				for i, e := range events {
					require.Equal(t, int64(i), e.Position)
				}
				total += len(events)
			}
			require.Equal(t, 2*concurrencyWriters*perWriter, total)
		}},
		{"ReadEvents", "ConcurrentReaderResumingNeverSkipsOrRepeats", func(t *testing.T, s pgevents.Store) {
			const perWriter = 10
			want := concurrencyWriters * perWriter
			scopes := []pgevents.Scope{pgevents.ScopeStream, pgevents.ScopeCategory, pgevents.ScopeLog}
			var wg sync.WaitGroup
			errs := make(chan error, want)
			for w := range concurrencyWriters {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range perWriter {
						_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "feed",
							Stream: fmt.Sprintf("s%d", (w+i)%5), Scope: scopes[(w+i)%len(scopes)],
							Events: newEvents(fmt.Sprintf("W%d-%d", w, i))})
						errs <- err
					}
				}()
			}
			var seen []pgevents.Event
			var after pgevents.Cursor
			read := func() int {
				page, err := s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: "feed", After: after, Limit: 7})
				require.NoError(t, err)
				for _, e := range page {
					require.True(t, after.Less(e.Cursor()), "cursor order")
					after = e.Cursor()
				}
				seen = append(seen, page...)
				require.LessOrEqual(t, len(seen), want, "resuming repeats events")
				return len(page)
			}
			for range 50 { // read while the writers write
				read()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			pollUntil(t, "every event", func() bool {
				for read() > 0 {
				}
				return len(seen) >= want
			})
			read()
			require.Len(t, seen, want)
			names := map[string]bool{}
			next := map[string]int64{}
			for _, e := range seen {
				require.False(t, names[e.Name], "event %s seen twice", e.Name)
				names[e.Name] = true
				require.Equal(t, next[e.Stream], e.Position, "stream %s in position order", e.Stream)
				next[e.Stream]++
			}
		}},
	}
}

// positionAfterRound is the latest position a loser of a round of
// ConcurrentPositionIs sees: the round's winner's position.
func positionAfterRound(round int) *int64 { return posPtr(int64(round)) }
