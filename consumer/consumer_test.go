package consumer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/pgstore"
)

// recorder is a handler that records what it handled, fails on events
// whose payload says {"poison": true} while poisoned is set, and counts
// attempts per event.
type recorder struct {
	attempts sync.Map // sequence number -> *atomic.Int64
	mu       sync.Mutex
	handled  []pgevents.Event
	poisoned atomic.Bool
	replays  atomic.Int64
}

var errPoison = errors.New("poison event")

func (r *recorder) handle(_ context.Context, b *consumer.Batch) error {
	for _, e := range b.Events {
		n, _ := r.attempts.LoadOrStore(e.SequenceNumber, &atomic.Int64{})
		n.(*atomic.Int64).Add(1)
		if r.poisoned.Load() && strings.Contains(string(e.Payload), `"poison"`) {
			return fmt.Errorf("event %d: %w", e.Position, errPoison)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handled = append(r.handled, b.Events...)
	if b.Replay {
		r.replays.Add(int64(len(b.Events)))
	}
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.handled)
}

func (r *recorder) attemptsOf(seq int64) int64 {
	n, ok := r.attempts.Load(seq)
	if !ok {
		return 0
	}
	return n.(*atomic.Int64).Load()
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 20*time.Second, 5*time.Millisecond, "timed out waiting for %s", what)
}

// run starts c.Run in the background; the returned func stops it and
// returns its error.
func run(t *testing.T, c *consumer.Consumer) (stop func() error, done <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	go func() { ch <- c.Run(ctx) }()
	t.Cleanup(cancel)
	return func() error { cancel(); return <-ch }, ch
}

func TestConsumer_PoisonEventIsRetriedParkedAndReplayed(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	appendN(t, b.store, "order", "o1", 2)
	poison, err := b.store.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "order", Stream: "o1",
		Events: []pgevents.NewEvent{{Name: "Bad", Payload: json.RawMessage(`{"poison": true}`)}}})
	require.NoError(t, err)
	appendN(t, b.store, "order", "o1", 2)
	appendN(t, b.store, "order", "o2", 3)
	rec := &recorder{}
	rec.poisoned.Store(true)
	c, err := consumer.New(b.consumers, &consumer.Config{Group: "g", Source: pgevents.CategoryID("order"), Partitions: 2,
		OnError: consumer.Park, MaxAttempts: 3, RetryBackoff: time.Millisecond, PollInterval: 10 * time.Millisecond, Handler: rec.handle})
	require.NoError(t, err)
	stop, _ := run(t, c)

	eventually(t, "every other event handled", func() bool { return rec.count() == 7 })
	var parked []consumer.ParkedEvent
	eventually(t, "the poison event parked", func() bool {
		parked, err = b.consumers.ListParked(t.Context(), &consumer.ListParkedParams{Group: "g"})
		require.NoError(t, err)
		return len(parked) == 1
	})
	require.Equal(t, poison.Events[0].ID, parked[0].Event.ID)
	require.Equal(t, 3, parked[0].Attempts, "tried MaxAttempts times")
	require.Contains(t, parked[0].Error, "poison event")
	require.Equal(t, int64(4), rec.attemptsOf(poison.Events[0].SequenceNumber), "once in the failing batch, then 3 times alone")
	for _, e := range rec.handled {
		require.NotEqual(t, poison.Events[0].ID, e.ID)
	}

	// Fixed: replay it.
	rec.poisoned.Store(false)
	n, err := b.consumers.ReplayParked(t.Context(), "g", []int64{parked[0].ID})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	eventually(t, "the replay handled", func() bool { return rec.replays.Load() == 1 })
	eventually(t, "the parked event settled", func() bool {
		parked, err = b.consumers.ListParked(t.Context(), &consumer.ListParkedParams{Group: "g"})
		require.NoError(t, err)
		return len(parked) == 0
	})
	require.Equal(t, 8, rec.count())
	require.NoError(t, stop())
}

func TestConsumer_StopPolicyReturnsTheHandlerError(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	appendN(t, b.store, "order", "o1", 2)
	bad, err := b.store.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "order", Stream: "o1",
		Events: []pgevents.NewEvent{{Name: "Bad", Payload: json.RawMessage(`{"poison": true}`)}}})
	require.NoError(t, err)
	appendN(t, b.store, "order", "o1", 1)
	rec := &recorder{}
	rec.poisoned.Store(true)
	c, err := consumer.New(b.consumers, &consumer.Config{Group: "g", Source: pgevents.CategoryID("order"),
		MaxAttempts: 2, RetryBackoff: time.Millisecond, PollInterval: 10 * time.Millisecond, Handler: rec.handle})
	require.NoError(t, err)
	_, done := run(t, c)
	var runErr error
	select {
	case runErr = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not stop")
	}
	var he *consumer.HandlerError
	require.ErrorAs(t, runErr, &he)
	require.ErrorIs(t, runErr, errPoison)
	require.Equal(t, 2, he.Attempts)
	require.Equal(t, bad.Events[0].ID, he.Event.ID)
	require.Equal(t, 2, rec.count(), "the events before it were handled, one at a time after the batch failed")
	status, err := b.consumers.GroupStatus(t.Context(), "g")
	require.NoError(t, err)
	require.Equal(t, int64(2), status[0].LagEvents, "the checkpoint stays before the poison event")
	require.Empty(t, status[0].Owner, "Run released its partition on the way out")
}

func TestConsumer_CleanStopReleasesAtOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	rec := &recorder{}
	newMember := func(name string) *consumer.Consumer {
		c, err := consumer.New(b.consumers, &consumer.Config{Group: "g", Source: pgevents.CategoryID("order"), Partitions: 4,
			Member: name, Lease: time.Minute, PollInterval: 10 * time.Millisecond, Handler: rec.handle})
		require.NoError(t, err)
		return c
	}
	stop1, _ := run(t, newMember("a"))
	owners := func() map[string]int {
		status, err := b.consumers.GroupStatus(t.Context(), "g")
		if errors.Is(err, consumer.ErrGroupNotFound) {
			return nil // Run has not created it yet
		}
		require.NoError(t, err)
		out := map[string]int{}
		for _, s := range status {
			out[s.Owner]++
		}
		return out
	}
	eventually(t, "a to own every partition", func() bool { return owners()["a"] == 4 })
	require.NoError(t, stop1())
	require.Equal(t, map[string]int{"": 4}, owners(), "a clean stop releases every partition at once, long before the 1-minute lease")
	members, err := b.consumers.ListMembers(t.Context(), "g")
	require.NoError(t, err)
	require.Empty(t, members)
	stop2, _ := run(t, newMember("b"))
	eventually(t, "b to own every partition", func() bool { return owners()["b"] == 4 })
	require.NoError(t, stop2())
}

func TestConsumer_AnExpiredLeaseIsTakenOver(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	rec := &recorder{}
	frozen := &pausable{Store: b.consumers}
	newMember := func(name string, store consumer.Store) *consumer.Consumer {
		c, err := consumer.New(store, &consumer.Config{Group: "g", Source: pgevents.CategoryID("order"), Partitions: 2,
			Member: name, Lease: 300 * time.Millisecond, PollInterval: 10 * time.Millisecond, Handler: rec.handle})
		require.NoError(t, err)
		return c
	}
	stopA, _ := run(t, newMember("a", frozen))
	owners := func() map[string]int {
		status, err := b.consumers.GroupStatus(t.Context(), "g")
		if errors.Is(err, consumer.ErrGroupNotFound) {
			return nil // Run has not created it yet
		}
		require.NoError(t, err)
		out := map[string]int{}
		for _, s := range status {
			if !s.LeaseExpiresAt.IsZero() {
				out[s.Owner]++
			}
		}
		return out
	}
	eventually(t, "a to own both partitions", func() bool { return owners()["a"] == 2 })
	stopB, _ := run(t, newMember("b", b.consumers))
	eventually(t, "a and b to share", func() bool { o := owners(); return o["a"] == 1 && o["b"] == 1 })
	frozen.pause() // a stops heartbeating (a paused or partitioned process)
	eventually(t, "b to take a's partition once a's lease expired", func() bool { return owners()["b"] == 2 })
	appendN(t, b.store, "order", "o1", 3)
	eventually(t, "b to handle the events", func() bool { return rec.count() == 3 })
	frozen.resume()
	require.NoError(t, stopA())
	require.NoError(t, stopB())
}

func TestConsumer_NotifierWakesAnIdleMember(t *testing.T) {
	t.Parallel()
	pool := setup(t, nil).pool
	notifier := pgstore.NewNotifier(pool, nil)
	t.Cleanup(notifier.Close)
	store, err := pgstore.New(pool, &pgstore.Config{AfterAppend: notifier.Appended})
	require.NoError(t, err)
	rec := &recorder{}
	c, err := consumer.New(pgstore.NewConsumerStore(store), &consumer.Config{Group: "g", Source: pgevents.CategoryID("order"),
		PollInterval: time.Hour, Waker: notifier, Handler: rec.handle})
	require.NoError(t, err)
	stop, _ := run(t, c)
	// The member's first read finds nothing and then waits for an hour,
	// unless it is woken. Appends keep coming until it is (the first may be
	// held back by the fence of another test's transaction).
	deadline := time.Now().Add(20 * time.Second)
	for rec.count() == 0 {
		require.True(t, time.Now().Before(deadline), "the member was never woken")
		appendN(t, store, "order", "o1", 1)
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, stop())
}

func TestConsumer_HandlerPanicIsAnError(t *testing.T) {
	t.Parallel()
	events := memstore.New(nil)
	appendN(t, events, "order", "o1", 1)
	var calls atomic.Int64
	c, err := consumer.New(memstore.NewConsumerStore(events), &consumer.Config{Group: "g", Source: pgevents.CategoryID("order"),
		MaxAttempts: 2, RetryBackoff: time.Millisecond, PollInterval: time.Millisecond,
		Handler: func(context.Context, *consumer.Batch) error { calls.Add(1); panic("boom") }})
	require.NoError(t, err)
	err = c.Run(t.Context())
	var he *consumer.HandlerError
	require.ErrorAs(t, err, &he)
	require.Contains(t, he.Err.Error(), "handler panicked: boom")
	require.Equal(t, int64(2), calls.Load())
}

func TestConsumer_MemstoreGroupHandlesEveryEventOnce(t *testing.T) {
	t.Parallel()
	events := memstore.New(nil)
	store := memstore.NewConsumerStore(events)
	const total, streams = 600, 40
	go func() {
		for i := range total {
			_, _ = events.AppendEvents(context.Background(), &pgevents.AppendParams{Category: "order",
				Stream: fmt.Sprintf("s%d", i%streams), Events: []pgevents.NewEvent{{Name: "E", Payload: json.RawMessage(fmt.Sprint(i))}}})
		}
	}()
	// The effect of handling an event: an event appended in the batch's
	// transaction (b.Store), to the stream of the same name in category
	// "effects", with the handled position as payload. Effects kept
	// anywhere else (a Go map) would be at-least-once: a member that loses
	// a partition mid-batch has run its handler for nothing.
	handler := func(ctx context.Context, b *consumer.Batch) error {
		for _, e := range b.Events {
			_, err := b.Store.AppendEvents(ctx, &pgevents.AppendParams{Category: "effects", Stream: e.Stream,
				Events: []pgevents.NewEvent{{Name: "Handled", Payload: json.RawMessage(fmt.Sprint(e.Position))}}})
			if err != nil {
				return err
			}
		}
		return nil
	}
	var stops []func() error
	for i := range 3 {
		c, err := consumer.New(store, &consumer.Config{Group: "g", Source: pgevents.CategoryID("order"), Partitions: 8,
			Member: fmt.Sprintf("m%d", i), Lease: 200 * time.Millisecond, PollInterval: time.Millisecond, BatchSize: 17, Handler: handler})
		require.NoError(t, err)
		stop, _ := run(t, c)
		stops = append(stops, stop)
	}
	eventually(t, "every event handled", func() bool {
		got, err := events.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: "effects", Limit: -1})
		require.NoError(t, err)
		return len(got) >= total
	})
	for _, stop := range stops {
		require.NoError(t, stop())
	}
	for i := range streams {
		effects, err := events.ReadStream(t.Context(), &pgevents.ReadStreamParams{Category: "effects", Stream: fmt.Sprintf("s%d", i), Limit: -1})
		require.NoError(t, err)
		require.Len(t, effects, total/streams, "stream s%d: every event handled exactly once", i)
		for p, e := range effects {
			require.JSONEq(t, fmt.Sprint(p), string(e.Payload), "stream s%d handled in position order", i)
		}
	}
}

func TestNew_ValidatesTheConfig(t *testing.T) {
	t.Parallel()
	store := memstore.NewConsumerStore(memstore.New(nil))
	h := func(context.Context, *consumer.Batch) error { return nil }
	for _, c := range []struct {
		cfg         consumer.Config
		code, field string
	}{
		{consumer.Config{Source: pgevents.CategoryID("o"), Handler: h}, pgevents.CodeInvalidName, "group"},
		{consumer.Config{Group: "g", Source: pgevents.CategoryID("o")}, consumer.CodeInvalidArgument, "handler"},
		{consumer.Config{Group: "g", Source: pgevents.StreamID("o", "s"), Handler: h}, consumer.CodeInvalidArgument, "source"},
		{consumer.Config{Group: "g", Handler: h, Partitions: 65}, consumer.CodeInvalidArgument, "partitions"},
		{consumer.Config{Group: "g", Handler: h, BatchSize: -1}, consumer.CodeInvalidArgument, "batch_size"},
		{consumer.Config{Group: "g", Handler: h, Lease: time.Millisecond}, consumer.CodeInvalidArgument, "lease"},
		{consumer.Config{Group: "g", Handler: h, OnError: 7}, consumer.CodeInvalidArgument, "on_error"},
		{consumer.Config{Group: "g", Handler: h, Member: "a\tb"}, pgevents.CodeInvalidName, "member"},
	} {
		_, err := consumer.New(store, &c.cfg)
		var ie *pgevents.InvalidInputError
		require.ErrorAs(t, err, &ie, "%+v", c.cfg)
		require.Equal(t, c.code, ie.Code)
		require.Equal(t, c.field, ie.Field)
	}
	c, err := consumer.New(store, &consumer.Config{Group: "g", Handler: h})
	require.NoError(t, err)
	require.NotEmpty(t, c.Member(), "a generated member name")
	_, err = consumer.New(nil, &consumer.Config{Group: "g", Handler: h})
	require.Error(t, err)
}

func TestBucket_MatchesPostgreSQL(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcXYZ019-_/ é€𝄞ß")
	name := func() string {
		n := 1 + r.IntN(40)
		out := make([]rune, n)
		for i := range out {
			out[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(out)
	}
	categories, streams, want := make([]string, 2000), make([]string, 2000), make([]int32, 2000)
	for i := range categories {
		categories[i], streams[i] = name(), name()
	}
	rows, err := b.pool.Query(t.Context(), `SELECT pgevents.stream_bucket(c, s) FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(c, s, o) ORDER BY o`,
		categories, streams)
	require.NoError(t, err)
	i := 0
	for rows.Next() {
		require.NoError(t, rows.Scan(&want[i]))
		i++
	}
	require.NoError(t, rows.Err())
	require.Equal(t, len(categories), i)
	for i := range categories {
		require.Equal(t, int(want[i]), consumer.Bucket(categories[i], streams[i]), "%q %q", categories[i], streams[i])
	}
}
