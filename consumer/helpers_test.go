package consumer_test

import (
	"context"
	"errors"
	"time"

	"github.com/pgevents/pgevents/consumer"
)

// waitUntilCaughtUp polls the group's status until it exists and no event
// is left to handle (or 30 s pass).
func waitUntilCaughtUp(ctx context.Context, store consumer.Store, group string) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		status, err := store.GroupStatus(ctx, group)
		if err != nil && !errors.Is(err, consumer.ErrGroupNotFound) {
			panic(err)
		}
		var lag int64
		for _, s := range status {
			lag += s.LagEvents
		}
		if len(status) > 0 && lag == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	panic("the consumer did not catch up")
}
