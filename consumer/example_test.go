package consumer_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/pgstore"
)

// Example demonstrates a consumer group that keeps a table of order totals
// current: the handler writes through the batch's transaction, so each
// total and the group's checkpoint commit together, exactly once.
func Example() {
	ctx := context.Background()
	pool, cleanup := pgtest.ExamplePool()
	defer cleanup()
	if _, err := pool.Exec(ctx, "CREATE TABLE order_totals (order_id text PRIMARY KEY, total int NOT NULL)"); err != nil {
		panic(err)
	}
	store, err := pgstore.New(pool, nil)
	if err != nil {
		panic(err)
	}
	orders := pgevents.NewClient(store).Category("order")
	for _, item := range []struct {
		order  string
		amount int
	}{{"o-1", 20}, {"o-2", 5}, {"o-1", 22}} {
		payload := json.RawMessage(fmt.Sprintf(`{"amount": %d}`, item.amount))
		if _, err := orders.Stream(item.order).Append(ctx, []pgevents.NewEvent{{Name: "ItemAdded", Payload: payload}}, nil); err != nil {
			panic(err)
		}
	}

	c, err := consumer.New(pgstore.NewConsumerStore(store), &consumer.Config{
		Group:      "order-totals",
		Source:     pgevents.CategoryID("order"),
		Partitions: 4, // run it in up to 4 processes: they share the orders
		Handler: func(ctx context.Context, b *consumer.Batch) error {
			for _, e := range b.Events {
				var item struct {
					Amount int `json:"amount"`
				}
				if err := json.Unmarshal(e.Payload, &item); err != nil {
					return err
				}
				_, err := b.Tx.Exec(ctx, `INSERT INTO order_totals (order_id, total) VALUES ($1, $2)
					ON CONFLICT (order_id) DO UPDATE SET total = order_totals.total + excluded.total`, e.Stream, item.Amount)
				if err != nil {
					return err // rolls back the batch; it is tried again
				}
			}
			return nil // commits the totals and the checkpoint together
		},
	})
	if err != nil {
		panic(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	waitUntilCaughtUp(ctx, pgstore.NewConsumerStore(store), "order-totals")
	stop() // a clean stop: the member leaves the group at once
	if err := <-done; err != nil {
		panic(err)
	}

	rows, err := pool.Query(ctx, "SELECT order_id, total FROM order_totals ORDER BY order_id")
	if err != nil {
		panic(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var total int
		if err := rows.Scan(&id, &total); err != nil {
			panic(err)
		}
		fmt.Println(id, total)
	}
	// Output:
	// o-1 42
	// o-2 5
}
