package projection_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/projection"
)

// Example_snapshots demonstrates snapshots: a Snapshotter loads a stream's
// projection from the latest snapshot of its projector version plus the
// events after it, and writes one every 100 events (SnapshotPolicy). With
// PostgreSQL use pgstore.NewSnapshotStore(pool).
func Example_snapshots() {
	ctx := context.Background()
	events := memstore.New(nil)
	stream := pgevents.NewClient(events).Stream("account", "acc-1")
	deposit := func(n int) {
		batch := make([]pgevents.NewEvent, n)
		for i := range batch {
			batch[i] = pgevents.NewEvent{Name: "Deposited", Payload: json.RawMessage(`{"amount": 1}`)}
		}
		if _, err := stream.Append(ctx, batch, nil); err != nil {
			panic(err)
		}
	}
	type Balance struct{ Amount int }
	balance, err := projection.New(&projection.Config[Balance, struct{}]{
		Name:    "balance",
		Version: 1, // raise it when the handlers change: older snapshots are then ignored
		Handlers: map[string]projection.Handler[Balance]{
			"deposited": projection.PayloadHandler(func(b Balance, p struct{ Amount int }) (Balance, error) {
				b.Amount += p.Amount
				return b, nil
			}),
		},
	})
	if err != nil {
		panic(err)
	}
	snapshots, err := projection.NewSnapshotter(balance, memstore.NewSnapshotStore(events), &projection.SnapshotPolicy{Every: 100})
	if err != nil {
		panic(err)
	}

	deposit(250)
	first, err := snapshots.Load(ctx, stream)
	if err != nil {
		panic(err)
	}
	fmt.Println("folded", first.Folded, "balance", first.Projection.State.Amount, "snapshot at", first.Saved.Position)

	deposit(5)
	second, err := snapshots.Load(ctx, stream)
	if err != nil {
		panic(err)
	}
	fmt.Println("from the snapshot at", second.Snapshot.Position, "folded", second.Folded, "balance", second.Projection.State.Amount)
	// Output:
	// folded 250 balance 250 snapshot at 249
	// from the snapshot at 249 folded 5 balance 255
}
