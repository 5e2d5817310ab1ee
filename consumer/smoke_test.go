package consumer_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
)

func TestConsumer_Smoke(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	appendN(t, b.store, "order", "o1", 5)
	appendN(t, b.store, "order", "o2", 5)
	var mu sync.Mutex
	var seen []pgevents.Event
	ctx, cancel := context.WithCancel(t.Context())
	c, err := consumer.New(b.consumers, &consumer.Config{Group: "g", Source: pgevents.CategoryID("order"), Partitions: 4,
		PollInterval: 10 * time.Millisecond,
		Handler: func(ctx context.Context, batch *consumer.Batch) error {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, batch.Events...)
			return nil
		}})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(seen) >= 10 }, 10*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		status, err := b.consumers.GroupStatus(t.Context(), "g")
		require.NoError(t, err)
		var lag int64
		for _, s := range status {
			lag += s.LagEvents
		}
		return lag == 0
	}, 10*time.Second, 10*time.Millisecond, "the checkpoints commit")
	cancel()
	require.NoError(t, <-done)
	members, err := b.consumers.ListMembers(t.Context(), "g")
	require.NoError(t, err)
	require.Empty(t, members)
	status, err := b.consumers.GroupStatus(t.Context(), "g")
	require.NoError(t, err)
	require.Len(t, status, 4)
	for _, s := range status {
		require.Empty(t, s.Owner, "released on the way out")
	}
}
