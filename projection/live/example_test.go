package live_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/projection"
	"github.com/pgevents/pgevents/projection/live"
)

// Balance is the state of the example's projection.
type Balance struct {
	Amount int `json:"amount"`
}

// Example demonstrates a live projection: a Runner keeps one Balance per
// account stream current through a consumer group. With PostgreSQL, use
// pgstore.NewConsumerStore, Projections: projectionStore.ForBatch (the
// projections commit with the group's checkpoint) and Registry:
// pgstore.NewLiveProjectionStore(pool) (status from SQL and the CLI,
// blue/green rebuilds when Config.Version changes).
func Example() {
	ctx := context.Background()
	events := memstore.New(nil)
	projections := memstore.NewProjectionStore()
	client := pgevents.NewClient(events)
	for _, amount := range []int{100, -30} {
		payload, _ := json.Marshal(map[string]int{"amount": amount})
		if _, err := client.Stream("account", "acc-1").Append(ctx, []pgevents.NewEvent{{Name: "Deposited", Payload: payload}}, nil); err != nil {
			panic(err)
		}
	}

	balance, err := projection.New(&projection.Config[Balance, struct{}]{
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
	balances, err := live.NewProjection(balance, &live.Options[Balance, struct{}]{Source: pgevents.CategoryID("account")})
	if err != nil {
		panic(err)
	}
	runner, err := live.NewRunner(&live.Config{
		Consumers:    memstore.NewConsumerStore(events),
		Projections:  func(*consumer.Batch) projection.Store { return projections },
		PollInterval: 10 * time.Millisecond,
	}, balances)
	if err != nil {
		panic(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runner.Run(runCtx) }()
	for {
		status, err := runner.Status(ctx)
		if err != nil {
			panic(err)
		}
		if status[0].State == live.StateLive && !status[0].Cursor.IsZero() {
			fmt.Println(status[0].Name, status[0].Group, status[0].State)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	got, err := balance.Repository(projections).Load(ctx, "acc-1")
	if err != nil {
		panic(err)
	}
	fmt.Println(got.ID, got.State.Amount)
	stop()
	if err := <-done; err != nil {
		panic(err)
	}
	// Output:
	// balance projection:balance live
	// acc-1 70
}
