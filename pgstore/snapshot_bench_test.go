package pgstore

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/projection"
)

// benchBalance is the state of BenchmarkSnapshotLoad's projector.
type benchBalance struct {
	Balance int `json:"balance"`
	Events  int `json:"events"`
}

// BenchmarkSnapshotLoad loads the projection of a 10,000-event stream
// without a snapshot (folding every event, read a page of 1,000 at a time)
// and from a snapshot 10 events before the end (one snapshot load plus a
// 10-event tail), alternately in the same loop, and reports both times and
// their ratio (full/snapshot) against the test cluster.
func BenchmarkSnapshotLoad(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	store, err := New(pool, nil)
	if err != nil {
		b.Fatal(err)
	}
	stream := pgevents.NewClient(store).Stream("bench", "long")
	batch := make([]pgevents.NewEvent, 1000)
	for i := range batch {
		batch[i] = pgevents.NewEvent{Name: "Deposited", Payload: json.RawMessage(`{"amount": 3, "currency": "EUR"}`)}
	}
	for range 10 {
		if _, err := stream.Append(ctx, batch, nil); err != nil {
			b.Fatal(err)
		}
	}
	p, err := projection.New(&projection.Config[benchBalance, struct{}]{
		Handlers: map[string]projection.Handler[benchBalance]{
			"deposited": projection.PayloadHandler(func(s benchBalance, pl struct{ Amount int }) (benchBalance, error) {
				s.Balance += pl.Amount
				s.Events++
				return s, nil
			}),
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	sn, err := projection.NewSnapshotter(p, NewSnapshotStore(pool), nil)
	if err != nil {
		b.Fatal(err)
	}
	events, err := stream.Read(ctx, &pgevents.ReadOpts{PageSize: 1000})
	if err != nil {
		b.Fatal(err)
	}
	prefix, err := p.ProjectEvents(stream.ID(), events[:9990])
	if err != nil {
		b.Fatal(err)
	}
	if _, err := sn.Save(ctx, prefix, 9989); err != nil {
		b.Fatal(err)
	}
	full := func() *projection.Projection[benchBalance, struct{}] {
		got, err := p.Project(stream.ID(), stream.Events(ctx, &pgevents.ReadOpts{PageSize: 1000}))
		if err != nil {
			b.Fatal(err)
		}
		return got
	}
	fromSnapshot := func() *projection.Projection[benchBalance, struct{}] {
		got, err := sn.Load(ctx, stream)
		if err != nil {
			b.Fatal(err)
		}
		if got.Folded != 10 {
			b.Fatalf("folded %d events after the snapshot, want 10", got.Folded)
		}
		return got.Projection
	}
	if a, s := full(), fromSnapshot(); a.State != s.State || a.State.Events != 10000 {
		b.Fatalf("full fold %+v, from the snapshot %+v", a.State, s.State)
	}
	var tFull, tSnap time.Duration
	for b.Loop() {
		start := time.Now()
		full()
		mid := time.Now()
		fromSnapshot()
		tFull += mid.Sub(start)
		tSnap += time.Since(mid)
	}
	b.ReportMetric(float64(tFull.Microseconds())/float64(b.N), "full-us/op")
	b.ReportMetric(float64(tSnap.Microseconds())/float64(b.N), "snapshot-us/op")
	b.ReportMetric(float64(tFull)/float64(tSnap), "full/snapshot")
}
