package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
)

// ConsumerStores are the stores a consumer contract case works on: an
// event store and the consumer store over the same events.
type ConsumerStores struct {
	// Consumers is the consumer store.
	Consumers consumer.Store
	// Events is the event store whose events Consumers delivers.
	Events pgevents.Store
}

// consumerCase is one behaviour of the consumer contract.
type consumerCase struct {
	method    string
	behaviour string
	run       func(t *testing.T, s ConsumerStores)
}

// RunConsumers runs the contract suite of consumer.Store (SPEC §7) against
// the stores newStores returns: an empty event store and a consumer store
// over it, fresh for each subtest (cleanups may be registered on t).
// Subtests are named Method/Behaviour and never call t.Parallel. Reads
// that must see events just appended poll (the PostgreSQL snapshot fence
// is cluster-wide); lease expiry is waited for with 200 ms leases.
//
// The suite covers groups (idempotent creation, mismatches, validation,
// starting at the end), membership (fair shares by name, leave releases at
// once, expired leases are claimed, generations increase), reads (only the
// member's own partitions, each stream in order and in one bucket, replays
// first, reading moves nothing), commits (handler writes commit with the
// checkpoint or not at all, fencing with ErrLeaseLost, compare-and-set
// with ErrCheckpointConflict), parking, replaying and dropping, the status
// and the members.
func RunConsumers(t *testing.T, newStores func(t *testing.T) ConsumerStores) {
	t.Helper()
	cases := slices.Concat(consumerGroupCases(), consumerJoinCases(), consumerReadCases(), consumerCommitCases(),
		consumerParkedCases(), consumerStatusCases())
	var methods []string
	byMethod := map[string][]consumerCase{}
	for _, c := range cases {
		if _, ok := byMethod[c.method]; !ok {
			methods = append(methods, c.method)
		}
		byMethod[c.method] = append(byMethod[c.method], c)
	}
	for _, method := range methods {
		t.Run(method, func(t *testing.T) {
			for _, c := range byMethod[method] {
				t.Run(c.behaviour, func(t *testing.T) {
					s := newStores(t)
					require.NotNil(t, s.Events, "storetest: newStores returned no event store")
					require.NotNil(t, s.Consumers, "storetest: newStores returned no consumer store")
					c.run(t, s)
				})
			}
		})
	}
}

// createGroup creates group over category ("" the log) with partitions.
func createGroup(t *testing.T, s ConsumerStores, group, category string, partitions int) {
	t.Helper()
	_, err := s.Consumers.CreateGroup(t.Context(), &consumer.CreateGroupParams{Group: group,
		Source: pgevents.CategoryID(category), Partitions: partitions})
	require.NoError(t, err)
}

// joinGroup joins member to group with a 30 s lease and returns the partition numbers it owns.
func joinGroup(t *testing.T, s ConsumerStores, group, member string) []int {
	t.Helper()
	return joinLease(t, s, group, member, 30*time.Second)
}

func joinLease(t *testing.T, s ConsumerStores, group, member string, lease time.Duration) []int {
	t.Helper()
	parts, err := s.Consumers.JoinGroup(t.Context(), &consumer.JoinGroupParams{Group: group, Member: member, Lease: lease})
	require.NoError(t, err)
	out := make([]int, len(parts))
	for i, p := range parts {
		out[i] = p.Partition
		require.Positive(t, p.Generation, "a claimed partition has a generation")
	}
	return out
}

// appendStreams appends one event to each of n streams s0..s(n-1) of
// category, perStream times, round robin; it returns them in append order.
func appendStreams(t *testing.T, s pgevents.Store, category string, n, perStream int) []pgevents.Event {
	t.Helper()
	var out []pgevents.Event
	for round := range perStream {
		for i := range n {
			out = append(out, mustAppend(t, s, category, fmt.Sprintf("s%d", i), pgevents.Condition{},
				newEvents(fmt.Sprintf("E%d", round))...)...)
		}
	}
	return out
}

// readAll reads member's deliveries until at least want are readable
// (polling: the fence), and requires exactly want.
func readAll(t *testing.T, s ConsumerStores, group, member string, want int) []consumer.Delivery {
	t.Helper()
	var got []consumer.Delivery
	pollUntil(t, fmt.Sprintf("%d deliveries for %s", want, member), func() bool {
		var err error
		got, err = s.Consumers.ReadBatch(t.Context(), &consumer.ReadBatchParams{Group: group, Member: member, Limit: consumer.MaxBatchSize})
		require.NoError(t, err)
		return len(got) >= want
	})
	require.Len(t, got, want)
	return got
}

// commit commits deliveries as handled, with no handler.
func commit(t *testing.T, s ConsumerStores, group, member string, ds []consumer.Delivery) {
	t.Helper()
	require.NoError(t, s.Consumers.CommitBatch(t.Context(), &consumer.CommitBatchParams{Group: group, Member: member, Handled: ds}))
}

// requireConsumerError requires a *consumer.Error with code matching sentinel.
func requireConsumerError(t *testing.T, err error, sentinel error, code string) *consumer.Error {
	t.Helper()
	require.ErrorIs(t, err, sentinel)
	var ce *consumer.Error
	require.ErrorAs(t, err, &ce)
	require.Equal(t, code, ce.Code, "%v", err)
	return ce
}

func deliveredEvents(ds []consumer.Delivery) []pgevents.Event {
	out := make([]pgevents.Event, len(ds))
	for i, d := range ds {
		out[i] = d.Event
	}
	return out
}

func consumerGroupCases() []consumerCase {
	return []consumerCase{
		{"CreateGroup", "CreatesAGroupAndIsIdempotent", func(t *testing.T, s ConsumerStores) {
			before := time.Now().Add(-time.Minute)
			g, err := s.Consumers.CreateGroup(t.Context(), &consumer.CreateGroupParams{Group: "billing",
				Source: pgevents.CategoryID("order"), Partitions: 8})
			require.NoError(t, err)
			require.Equal(t, "billing", g.Name)
			require.Equal(t, pgevents.CategoryID("order"), g.Source)
			require.Equal(t, 8, g.Partitions)
			require.True(t, g.CreatedAt.After(before))
			again, err := s.Consumers.CreateGroup(t.Context(), &consumer.CreateGroupParams{Group: "billing",
				Source: pgevents.CategoryID("order"), Partitions: 8, FromEnd: true})
			require.NoError(t, err)
			require.Equal(t, g, again)
			logGroup, err := s.Consumers.CreateGroup(t.Context(), &consumer.CreateGroupParams{Group: "audit", Source: pgevents.LogID()})
			require.NoError(t, err)
			require.Equal(t, pgevents.LogID(), logGroup.Source)
			require.Equal(t, 1, logGroup.Partitions, "zero partitions means one")
		}},
		{"CreateGroup", "RefusesAnotherDefinition", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "billing", "order", 4)
			for _, p := range []consumer.CreateGroupParams{
				{Group: "billing", Source: pgevents.CategoryID("order"), Partitions: 8},
				{Group: "billing", Source: pgevents.CategoryID("invoice"), Partitions: 4},
				{Group: "billing", Source: pgevents.LogID(), Partitions: 4},
			} {
				_, err := s.Consumers.CreateGroup(t.Context(), &p)
				ce := requireConsumerError(t, err, consumer.ErrGroupMismatch, consumer.CodeGroupMismatch)
				require.Equal(t, "billing", ce.Group)
			}
		}},
		{"CreateGroup", "ValidatesItsInput", func(t *testing.T, s ConsumerStores) {
			for _, c := range []struct {
				params      consumer.CreateGroupParams
				code, field string
			}{
				{consumer.CreateGroupParams{Group: "", Source: pgevents.CategoryID("order")}, pgevents.CodeInvalidName, "group"},
				{consumer.CreateGroupParams{Group: "g\x01", Source: pgevents.CategoryID("order")}, pgevents.CodeInvalidName, "group"},
				{consumer.CreateGroupParams{Group: "g", Source: pgevents.StreamID("order", "o1")}, consumer.CodeInvalidArgument, "source"},
				{consumer.CreateGroupParams{Group: "g", Source: pgevents.CategoryID("bad\x1fname")}, pgevents.CodeInvalidName, "source.category"},
				{consumer.CreateGroupParams{Group: "g", Source: pgevents.CategoryID("order"), Partitions: 65}, consumer.CodeInvalidArgument, "partitions"},
				{consumer.CreateGroupParams{Group: "g", Source: pgevents.CategoryID("order"), Partitions: -1}, consumer.CodeInvalidArgument, "partitions"},
			} {
				_, err := s.Consumers.CreateGroup(t.Context(), &c.params)
				requireInvalidInput(t, err, c.code, c.field)
			}
			_, err := s.Consumers.JoinGroup(t.Context(), &consumer.JoinGroupParams{Group: "g", Member: "m"})
			require.ErrorIs(t, err, consumer.ErrGroupNotFound, "nothing was created")
		}},
		{"CreateGroup", "FromEndSkipsWhatIsCommitted", func(t *testing.T, s ConsumerStores) {
			appendStreams(t, s.Events, "order", 3, 1)
			readAllEventually(t, s.Events, "order", 3)
			_, err := s.Consumers.CreateGroup(t.Context(), &consumer.CreateGroupParams{Group: "late",
				Source: pgevents.CategoryID("order"), Partitions: 2, FromEnd: true})
			require.NoError(t, err)
			joinGroup(t, s, "late", "m1")
			later := mustAppend(t, s.Events, "order", "s9", pgevents.Condition{}, newEvents("Later")...)
			got := readAll(t, s, "late", "m1", 1)
			requireSameEvent(t, later[0], got[0].Event)
		}},
		{"DropGroup", "RemovesTheGroup", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "billing", "order", 2)
			joinGroup(t, s, "billing", "m1")
			dropped, err := s.Consumers.DropGroup(t.Context(), "billing")
			require.NoError(t, err)
			require.True(t, dropped)
			_, err = s.Consumers.ReadBatch(t.Context(), &consumer.ReadBatchParams{Group: "billing", Member: "m1"})
			requireConsumerError(t, err, consumer.ErrGroupNotFound, consumer.CodeGroupNotFound)
			require.ErrorIs(t, err, pgevents.ErrNotFound)
			dropped, err = s.Consumers.DropGroup(t.Context(), "billing")
			require.NoError(t, err)
			require.False(t, dropped)
		}},
	}
}

func consumerJoinCases() []consumerCase {
	return []consumerCase{
		{"JoinGroup", "ASingleMemberOwnsEveryPartition", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 4)
			parts, err := s.Consumers.JoinGroup(t.Context(), &consumer.JoinGroupParams{Group: "g", Member: "m1"})
			require.NoError(t, err)
			require.Len(t, parts, 4)
			for i, p := range parts {
				require.Equal(t, i, p.Partition)
				require.Equal(t, int64(1), p.Generation)
				require.False(t, p.ClaimedAt.IsZero())
			}
			require.Equal(t, []int{0, 1, 2, 3}, joinGroup(t, s, "g", "m1"), "a heartbeat keeps them")
		}},
		{"JoinGroup", "MembersShareFairlyByName", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 4)
			require.Equal(t, []int{0, 1, 2, 3}, joinGroup(t, s, "g", "m1"))
			require.Empty(t, joinGroup(t, s, "g", "m2"), "nothing is free yet")
			require.Equal(t, []int{0, 1}, joinGroup(t, s, "g", "m1"), "m1 releases above its share")
			require.Equal(t, []int{2, 3}, joinGroup(t, s, "g", "m2"))
			parts, err := s.Consumers.JoinGroup(t.Context(), &consumer.JoinGroupParams{Group: "g", Member: "m2"})
			require.NoError(t, err)
			for _, p := range parts {
				require.Equal(t, int64(2), p.Generation, "a claim increments the generation")
			}
			joinGroup(t, s, "g", "m3")
			require.Equal(t, []int{0, 1}, joinGroup(t, s, "g", "m1"), "first by name: 4/3 rounded up")
			require.Equal(t, []int{2}, joinGroup(t, s, "g", "m2"))
			require.Equal(t, []int{3}, joinGroup(t, s, "g", "m3"))
		}},
		{"LeaveGroup", "ReleasesAtOnce", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 4)
			joinGroup(t, s, "g", "m1")
			joinGroup(t, s, "g", "m2")
			joinGroup(t, s, "g", "m1")
			joinGroup(t, s, "g", "m2")
			n, err := s.Consumers.LeaveGroup(t.Context(), "g", "m1")
			require.NoError(t, err)
			require.Equal(t, 2, n)
			require.Equal(t, []int{0, 1, 2, 3}, joinGroup(t, s, "g", "m2"), "the other member takes them at its next heartbeat")
			n, err = s.Consumers.LeaveGroup(t.Context(), "g", "m1")
			require.NoError(t, err)
			require.Zero(t, n, "leaving twice releases nothing")
			members, err := s.Consumers.ListMembers(t.Context(), "g")
			require.NoError(t, err)
			require.Len(t, members, 1)
			require.Equal(t, "m2", members[0].Member)
		}},
		{"JoinGroup", "ClaimsThePartitionsOfAnExpiredLease", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 2)
			require.Equal(t, []int{0, 1}, joinLease(t, s, "g", "m1", 200*time.Millisecond))
			require.Empty(t, joinGroup(t, s, "g", "m2"))
			pollUntil(t, "m1's lease to expire", func() bool { return len(joinGroup(t, s, "g", "m2")) == 2 })
			parts, err := s.Consumers.JoinGroup(t.Context(), &consumer.JoinGroupParams{Group: "g", Member: "m2"})
			require.NoError(t, err)
			for _, p := range parts {
				require.Equal(t, int64(2), p.Generation)
			}
			members, err := s.Consumers.ListMembers(t.Context(), "g")
			require.NoError(t, err)
			require.Len(t, members, 1, "the expired member is gone")
		}},
		{"JoinGroup", "ValidatesItsInput", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 2)
			_, err := s.Consumers.JoinGroup(t.Context(), &consumer.JoinGroupParams{Group: "g", Member: ""})
			requireInvalidInput(t, err, pgevents.CodeInvalidName, "member")
			_, err = s.Consumers.JoinGroup(t.Context(), &consumer.JoinGroupParams{Group: "g", Member: "m", Lease: time.Millisecond})
			requireInvalidInput(t, err, consumer.CodeInvalidArgument, "lease")
			_, err = s.Consumers.JoinGroup(t.Context(), &consumer.JoinGroupParams{Group: "g", Member: "m", Lease: 2 * time.Hour})
			requireInvalidInput(t, err, consumer.CodeInvalidArgument, "lease")
			_, err = s.Consumers.JoinGroup(t.Context(), &consumer.JoinGroupParams{Group: "nope", Member: "m"})
			requireConsumerError(t, err, consumer.ErrGroupNotFound, consumer.CodeGroupNotFound)
			_, err = s.Consumers.LeaveGroup(t.Context(), "nope", "m")
			requireConsumerError(t, err, consumer.ErrGroupNotFound, consumer.CodeGroupNotFound)
		}},
	}
}

func consumerReadCases() []consumerCase {
	return []consumerCase{
		{"ReadBatch", "DeliversOnlyTheMembersPartitionsEachStreamInOrder", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 4)
			appended := appendStreams(t, s.Events, "order", 24, 3)
			mustAppend(t, s.Events, "other", "x", pgevents.Condition{}, newEvents("NotMine")...)
			readAllEventually(t, s.Events, "", len(appended)+1)
			joinGroup(t, s, "g", "m1")
			joinGroup(t, s, "g", "m2")
			owned := map[string][]int{"m1": joinGroup(t, s, "g", "m1"), "m2": joinGroup(t, s, "g", "m2")}
			require.Len(t, owned["m1"], 2)
			seen := map[pgevents.Cursor]string{}
			for member, parts := range owned {
				ds, err := s.Consumers.ReadBatch(t.Context(), &consumer.ReadBatchParams{Group: "g", Member: member, Limit: 1000})
				require.NoError(t, err)
				last := map[string]int64{}
				for _, d := range ds {
					require.Zero(t, d.ParkedID)
					require.Equal(t, "order", d.Event.Category)
					require.Equal(t, consumer.Bucket(d.Event.Category, d.Event.Stream), d.Bucket)
					require.Equal(t, d.Bucket%4, d.Partition)
					require.Contains(t, parts, d.Partition, "%s got an event of a partition it does not own", member)
					require.Equal(t, pgevents.Cursor{}, d.After, "nothing was saved yet")
					require.Positive(t, d.Generation)
					if p, ok := last[d.Event.Stream]; ok {
						require.Equal(t, p+1, d.Event.Position, "stream %s out of order", d.Event.Stream)
					} else {
						require.Zero(t, d.Event.Position)
					}
					last[d.Event.Stream] = d.Event.Position
					require.NotContains(t, seen, d.Event.Cursor(), "delivered to two members")
					seen[d.Event.Cursor()] = member
				}
			}
			require.Len(t, seen, len(appended), "every event is delivered to one member")
		}},
		{"ReadBatch", "ASinglePartitionGroupReadsInResumableOrder", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "audit", "", 1)
			appended := appendStreams(t, s.Events, "order", 3, 2)
			appended = append(appended, mustAppend(t, s.Events, "invoice", "i1", pgevents.Condition{}, newEvents("I")...)...)
			joinGroup(t, s, "audit", "m1")
			require.Empty(t, joinGroup(t, s, "audit", "m2"), "one partition: the second member stands by")
			ds := readAll(t, s, "audit", "m1", len(appended))
			requireSameEvents(t, appended, deliveredEvents(ds))
			for _, d := range ds {
				require.Zero(t, d.Bucket)
				require.Zero(t, d.Partition)
			}
			none, err := s.Consumers.ReadBatch(t.Context(), &consumer.ReadBatchParams{Group: "audit", Member: "m2"})
			require.NoError(t, err)
			require.Empty(t, none)
		}},
		{"ReadBatch", "ALogGroupOfSeveralPartitionsSplitsEveryCategory", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "audit", "", 4)
			appended := appendStreams(t, s.Events, "order", 6, 2)
			appended = append(appended, appendStreams(t, s.Events, "invoice", 6, 2)...)
			readAllEventually(t, s.Events, "", len(appended))
			joinGroup(t, s, "audit", "m1")
			joinGroup(t, s, "audit", "m2")
			joinGroup(t, s, "audit", "m1")
			joinGroup(t, s, "audit", "m2")
			var all []consumer.Delivery
			for _, member := range []string{"m1", "m2"} {
				ds, err := s.Consumers.ReadBatch(t.Context(), &consumer.ReadBatchParams{Group: "audit", Member: member, Limit: 1000})
				require.NoError(t, err)
				for _, d := range ds {
					require.Equal(t, consumer.Bucket(d.Event.Category, d.Event.Stream), d.Bucket)
					require.Equal(t, d.Bucket%4, d.Partition)
				}
				all = append(all, ds...)
			}
			require.ElementsMatch(t, cursorsOf(appended), cursorsOf(deliveredEvents(all)), "every event of every category, once")
		}},
		{"ReadBatch", "RespectsTheLimitAndMovesNothing", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 1)
			appended := appendStreams(t, s.Events, "order", 1, 5)
			joinGroup(t, s, "g", "m1")
			readAll(t, s, "g", "m1", 5)
			for range 2 {
				ds, err := s.Consumers.ReadBatch(t.Context(), &consumer.ReadBatchParams{Group: "g", Member: "m1", Limit: 2})
				require.NoError(t, err)
				requireSameEvents(t, appended[:2], deliveredEvents(ds))
			}
		}},
		{"ReadBatch", "ValidatesItsInput", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 1)
			for _, limit := range []int{-1, consumer.MaxBatchSize + 1} {
				_, err := s.Consumers.ReadBatch(t.Context(), &consumer.ReadBatchParams{Group: "g", Member: "m", Limit: limit})
				requireInvalidInput(t, err, consumer.CodeInvalidArgument, "limit")
			}
			_, err := s.Consumers.ReadBatch(t.Context(), &consumer.ReadBatchParams{Group: "nope", Member: "m", Limit: -1})
			requireConsumerError(t, err, consumer.ErrGroupNotFound, consumer.CodeGroupNotFound)
			_, err = s.Consumers.ReadBatch(t.Context(), &consumer.ReadBatchParams{Group: "g", Member: "\n"})
			requireInvalidInput(t, err, pgevents.CodeInvalidName, "member")
		}},
	}
}

func consumerCommitCases() []consumerCase {
	errHandler := errors.New("storetest: handler failed")
	return []consumerCase{
		{"CommitBatch", "SavesTheCheckpointWithTheHandlersWrites", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 2)
			appended := appendStreams(t, s.Events, "order", 4, 2)
			joinGroup(t, s, "g", "m1")
			ds := readAll(t, s, "g", "m1", len(appended))
			err := s.Consumers.CommitBatch(t.Context(), &consumer.CommitBatchParams{Group: "g", Member: "m1", Handled: ds,
				Handle: func(ctx context.Context, tx *consumer.Tx) error {
					require.NotNil(t, tx.Store)
					_, err := tx.Store.AppendEvents(ctx, &pgevents.AppendParams{Category: "audit", Stream: "a1", Events: newEvents("Handled")})
					return err
				}})
			require.NoError(t, err)
			next, err := s.Consumers.ReadBatch(t.Context(), &consumer.ReadBatchParams{Group: "g", Member: "m1"})
			require.NoError(t, err)
			require.Empty(t, next, "the checkpoint moved past the batch")
			require.Len(t, readWholeStream(t, s.Events, "audit", "a1"), 1, "the handler's append committed")
			more := appendStreams(t, s.Events, "order", 4, 1)
			got := readAll(t, s, "g", "m1", len(more))
			require.ElementsMatch(t, cursorsOf(more), cursorsOf(deliveredEvents(got)), "only the new events")
			for _, d := range got {
				require.NotEqual(t, pgevents.Cursor{}, d.After)
			}
		}},
		{"CommitBatch", "AHandlerErrorRollsEverythingBack", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 1)
			appendStreams(t, s.Events, "order", 2, 1)
			joinGroup(t, s, "g", "m1")
			ds := readAll(t, s, "g", "m1", 2)
			err := s.Consumers.CommitBatch(t.Context(), &consumer.CommitBatchParams{Group: "g", Member: "m1", Handled: ds,
				Handle: func(ctx context.Context, tx *consumer.Tx) error {
					_, err := tx.Store.AppendEvents(ctx, &pgevents.AppendParams{Category: "audit", Stream: "a1", Events: newEvents("Handled")})
					require.NoError(t, err)
					return fmt.Errorf("wrapped: %w", errHandler)
				}})
			require.ErrorIs(t, err, errHandler)
			require.Empty(t, readWholeStream(t, s.Events, "audit", "a1"), "the handler's append rolled back")
			again := readAll(t, s, "g", "m1", 2)
			require.Equal(t, ds, again, "the checkpoint did not move")
		}},
		{"CommitBatch", "AStaleMemberCannotCommit", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 1)
			appendStreams(t, s.Events, "order", 2, 1)
			joinGroup(t, s, "g", "m1")
			stale := readAll(t, s, "g", "m1", 2)
			_, err := s.Consumers.LeaveGroup(t.Context(), "g", "m1")
			require.NoError(t, err)
			require.Equal(t, []int{0}, joinGroup(t, s, "g", "m2"))
			err = s.Consumers.CommitBatch(t.Context(), &consumer.CommitBatchParams{Group: "g", Member: "m1", Handled: stale,
				Handle: func(ctx context.Context, tx *consumer.Tx) error {
					_, err := tx.Store.AppendEvents(ctx, &pgevents.AppendParams{Category: "audit", Stream: "a1", Events: newEvents("Stale")})
					return err
				}})
			ce := requireConsumerError(t, err, consumer.ErrLeaseLost, consumer.CodeLeaseLost)
			require.Equal(t, "m1", ce.Member)
			require.Zero(t, ce.Partition)
			require.Empty(t, readWholeStream(t, s.Events, "audit", "a1"), "the stale member's writes rolled back")
			// Rejoining under the same name is a new claim: the old batch
			// still cannot commit.
			_, err = s.Consumers.LeaveGroup(t.Context(), "g", "m2")
			require.NoError(t, err)
			require.Equal(t, []int{0}, joinGroup(t, s, "g", "m1"))
			err = s.Consumers.CommitBatch(t.Context(), &consumer.CommitBatchParams{Group: "g", Member: "m1", Handled: stale})
			requireConsumerError(t, err, consumer.ErrLeaseLost, consumer.CodeLeaseLost)
			fresh := readAll(t, s, "g", "m1", 2)
			require.Equal(t, int64(3), fresh[0].Generation)
			commit(t, s, "g", "m1", fresh)
		}},
		{"CommitBatch", "ACheckpointNeverMovesTwiceOrBackwards", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 1)
			appendStreams(t, s.Events, "order", 1, 3)
			joinGroup(t, s, "g", "m1")
			ds := readAll(t, s, "g", "m1", 3)
			commit(t, s, "g", "m1", ds[:2])
			err := s.Consumers.CommitBatch(t.Context(), &consumer.CommitBatchParams{Group: "g", Member: "m1", Handled: ds})
			ce := requireConsumerError(t, err, consumer.ErrCheckpointConflict, consumer.CodeCheckpointConflict)
			require.Zero(t, ce.Bucket)
			back := ds[0]
			back.After = ds[1].Event.Cursor()
			err = s.Consumers.CommitBatch(t.Context(), &consumer.CommitBatchParams{Group: "g", Member: "m1", Handled: []consumer.Delivery{back}})
			requireConsumerError(t, err, consumer.ErrCheckpointConflict, consumer.CodeCheckpointConflict)
			rest := readAll(t, s, "g", "m1", 1)
			requireSameEvent(t, ds[2].Event, rest[0].Event)
			require.Equal(t, ds[1].Event.Cursor(), rest[0].After)
		}},
		{"CommitBatch", "RefusesDeliveriesOfABucketThatDisagree", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 1)
			appendStreams(t, s.Events, "order", 1, 2)
			joinGroup(t, s, "g", "m1")
			ds := readAll(t, s, "g", "m1", 2)
			ds[1].After = ds[0].Event.Cursor()
			err := s.Consumers.CommitBatch(t.Context(), &consumer.CommitBatchParams{Group: "g", Member: "m1", Handled: ds,
				Handle: func(context.Context, *consumer.Tx) error { panic("storetest: must not run") }})
			requireInvalidInput(t, err, consumer.CodeInvalidArgument, "handled")
		}},
	}
}

func cursorsOf(events []pgevents.Event) []pgevents.Cursor {
	out := make([]pgevents.Cursor, len(events))
	for i, e := range events {
		out[i] = e.Cursor()
	}
	return out
}

func consumerParkedCases() []consumerCase {
	return []consumerCase{
		{"CommitBatch", "ParksAndReplays", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 2)
			appended := appendStreams(t, s.Events, "order", 1, 3)
			joinGroup(t, s, "g", "m1")
			ds := readAll(t, s, "g", "m1", 3)
			// The first event is poison: park it, handle the other two.
			err := s.Consumers.CommitBatch(t.Context(), &consumer.CommitBatchParams{Group: "g", Member: "m1", Handled: ds[1:],
				Park: []consumer.ParkedDelivery{{Attempts: 3, Delivery: ds[0], Error: "boom"}}})
			require.NoError(t, err)
			parked, err := s.Consumers.ListParked(t.Context(), &consumer.ListParkedParams{Group: "g"})
			require.NoError(t, err)
			require.Len(t, parked, 1)
			p := parked[0]
			require.Positive(t, p.ID)
			require.Equal(t, "g", p.Group)
			require.Equal(t, "boom", p.Error)
			require.Equal(t, 3, p.Attempts)
			require.Equal(t, ds[0].Bucket, p.Bucket)
			require.True(t, p.ReplayRequestedAt.IsZero())
			require.False(t, p.ParkedAt.IsZero())
			requireSameEvent(t, appended[0], p.Event)
			none, err := s.Consumers.ReadBatch(t.Context(), &consumer.ReadBatchParams{Group: "g", Member: "m1"})
			require.NoError(t, err)
			require.Empty(t, none, "the checkpoint moved past the parked event")

			n, err := s.Consumers.ReplayParked(t.Context(), "g", []int64{p.ID, p.ID + 1000})
			require.NoError(t, err)
			require.Equal(t, 1, n)
			replays := readAll(t, s, "g", "m1", 1)
			r := replays[0]
			require.Equal(t, p.ID, r.ParkedID)
			require.Equal(t, 3, r.Attempts)
			requireSameEvent(t, appended[0], r.Event)
			// It fails again: it stays parked, with more attempts.
			err = s.Consumers.CommitBatch(t.Context(), &consumer.CommitBatchParams{Group: "g", Member: "m1",
				Park: []consumer.ParkedDelivery{{Attempts: 2, Delivery: r, Error: "boom again"}}})
			require.NoError(t, err)
			parked, err = s.Consumers.ListParked(t.Context(), &consumer.ListParkedParams{Group: "g"})
			require.NoError(t, err)
			require.Len(t, parked, 1)
			require.Equal(t, p.ID, parked[0].ID)
			require.Equal(t, 5, parked[0].Attempts)
			require.Equal(t, "boom again", parked[0].Error)
			require.True(t, parked[0].ReplayRequestedAt.IsZero(), "the replay request is cleared")
			// Replayed again, and handled this time: it is gone.
			_, err = s.Consumers.ReplayParked(t.Context(), "g", []int64{p.ID})
			require.NoError(t, err)
			r = readAll(t, s, "g", "m1", 1)[0]
			commit(t, s, "g", "m1", []consumer.Delivery{r})
			parked, err = s.Consumers.ListParked(t.Context(), &consumer.ListParkedParams{Group: "g"})
			require.NoError(t, err)
			require.Empty(t, parked)
		}},
		{"CommitBatch", "AStaleMemberCannotParkOrSettle", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 1)
			appendStreams(t, s.Events, "order", 1, 2)
			joinGroup(t, s, "g", "m1")
			ds := readAll(t, s, "g", "m1", 2)
			require.NoError(t, s.Consumers.CommitBatch(t.Context(), &consumer.CommitBatchParams{Group: "g", Member: "m1",
				Handled: ds[1:], Park: []consumer.ParkedDelivery{{Attempts: 1, Delivery: ds[0], Error: "x"}}}))
			parked, err := s.Consumers.ListParked(t.Context(), &consumer.ListParkedParams{Group: "g"})
			require.NoError(t, err)
			_, err = s.Consumers.ReplayParked(t.Context(), "g", []int64{parked[0].ID})
			require.NoError(t, err)
			r := readAll(t, s, "g", "m1", 1)[0]
			_, err = s.Consumers.LeaveGroup(t.Context(), "g", "m1")
			require.NoError(t, err)
			joinGroup(t, s, "g", "m2")
			err = s.Consumers.CommitBatch(t.Context(), &consumer.CommitBatchParams{Group: "g", Member: "m1", Handled: []consumer.Delivery{r}})
			requireConsumerError(t, err, consumer.ErrLeaseLost, consumer.CodeLeaseLost)
			err = s.Consumers.CommitBatch(t.Context(), &consumer.CommitBatchParams{Group: "g", Member: "m1",
				Park: []consumer.ParkedDelivery{{Attempts: 1, Delivery: r, Error: "y"}}})
			requireConsumerError(t, err, consumer.ErrLeaseLost, consumer.CodeLeaseLost)
			parked, err = s.Consumers.ListParked(t.Context(), &consumer.ListParkedParams{Group: "g"})
			require.NoError(t, err)
			require.Len(t, parked, 1, "nothing moved")
			require.Equal(t, 1, parked[0].Attempts)
		}},
		{"DropParked", "RemovesParkedEvents", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 1)
			appendStreams(t, s.Events, "order", 3, 1)
			joinGroup(t, s, "g", "m1")
			ds := readAll(t, s, "g", "m1", 3)
			var park []consumer.ParkedDelivery
			for _, d := range ds {
				park = append(park, consumer.ParkedDelivery{Attempts: 1, Delivery: d, Error: "x"})
			}
			require.NoError(t, s.Consumers.CommitBatch(t.Context(), &consumer.CommitBatchParams{Group: "g", Member: "m1", Park: park}))
			parked, err := s.Consumers.ListParked(t.Context(), &consumer.ListParkedParams{Group: "g", Limit: -1})
			require.NoError(t, err)
			require.Len(t, parked, 3)
			page, err := s.Consumers.ListParked(t.Context(), &consumer.ListParkedParams{Group: "g", AfterID: parked[0].ID, Limit: 1})
			require.NoError(t, err)
			require.Len(t, page, 1)
			require.Equal(t, parked[1].ID, page[0].ID)
			n, err := s.Consumers.DropParked(t.Context(), "g", []int64{parked[0].ID, parked[2].ID})
			require.NoError(t, err)
			require.Equal(t, 2, n)
			n, err = s.Consumers.DropParked(t.Context(), "g", []int64{parked[0].ID})
			require.NoError(t, err)
			require.Zero(t, n)
			left, err := s.Consumers.ListParked(t.Context(), &consumer.ListParkedParams{Group: "g"})
			require.NoError(t, err)
			require.Len(t, left, 1)
			require.Equal(t, parked[1].ID, left[0].ID)
			_, err = s.Consumers.DropParked(t.Context(), "g", make([]int64, consumer.MaxBatchSize+1))
			requireInvalidInput(t, err, consumer.CodeInvalidArgument, "ids")
			_, err = s.Consumers.ReplayParked(t.Context(), "nope", []int64{1})
			requireConsumerError(t, err, consumer.ErrGroupNotFound, consumer.CodeGroupNotFound)
			_, err = s.Consumers.ListParked(t.Context(), &consumer.ListParkedParams{Group: "g", Limit: -2})
			requireInvalidInput(t, err, pgevents.CodeInvalidReadArgument, "limit")
		}},
	}
}

func consumerStatusCases() []consumerCase {
	return []consumerCase{
		{"GroupStatus", "ReportsOwnersCheckpointsAndLag", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 2)
			createGroup(t, s, "a", "", 1)
			appended := appendStreams(t, s.Events, "order", 6, 2)
			joinGroup(t, s, "g", "m1")
			var status []consumer.PartitionStatus
			pollUntil(t, "the lag to show every event", func() bool {
				var err error
				status, err = s.Consumers.GroupStatus(t.Context(), "g")
				require.NoError(t, err)
				require.Len(t, status, 2)
				return status[0].LagEvents+status[1].LagEvents-status[0].HeldBackEvents-status[1].HeldBackEvents == int64(len(appended))
			})
			for i, st := range status {
				require.Equal(t, "g", st.Group)
				require.Equal(t, "order", st.Category)
				require.Equal(t, 2, st.Partitions)
				require.Equal(t, i, st.Partition)
				require.Equal(t, "m1", st.Owner)
				require.True(t, st.LeaseExpiresAt.After(time.Now()))
				require.Equal(t, int64(1), st.Generation)
				require.Equal(t, pgevents.Cursor{}, st.Checkpoint)
				require.GreaterOrEqual(t, st.Lag, time.Duration(0))
			}
			ds := readAll(t, s, "g", "m1", len(appended))
			commit(t, s, "g", "m1", ds)
			status, err := s.Consumers.GroupStatus(t.Context(), "g")
			require.NoError(t, err)
			for _, st := range status {
				require.Zero(t, st.LagEvents)
				require.Zero(t, st.Lag)
				require.NotEqual(t, pgevents.Cursor{}, st.Checkpoint)
			}
			all, err := s.Consumers.GroupStatus(t.Context(), "")
			require.NoError(t, err)
			require.Len(t, all, 3)
			require.Equal(t, "a", all[0].Group, "groups in name order")
			require.Equal(t, "", all[0].Category)
			require.Empty(t, all[0].Owner)
			_, err = s.Consumers.GroupStatus(t.Context(), "nope")
			requireConsumerError(t, err, consumer.ErrGroupNotFound, consumer.CodeGroupNotFound)
		}},
		{"ListMembers", "ListsLiveMembers", func(t *testing.T, s ConsumerStores) {
			createGroup(t, s, "g", "order", 2)
			createGroup(t, s, "h", "order", 1)
			joinGroup(t, s, "g", "m2")
			joinGroup(t, s, "g", "m1")
			joinGroup(t, s, "h", "m3")
			members, err := s.Consumers.ListMembers(t.Context(), "")
			require.NoError(t, err)
			var names []string
			for _, m := range members {
				names = append(names, m.Group+"/"+m.Member)
				require.True(t, m.LeaseExpiresAt.After(m.HeartbeatAt))
				require.False(t, m.JoinedAt.After(m.HeartbeatAt))
			}
			require.Equal(t, []string{"g/m1", "g/m2", "h/m3"}, names)
			_, err = s.Consumers.ListMembers(t.Context(), "nope")
			requireConsumerError(t, err, consumer.ErrGroupNotFound, consumer.CodeGroupNotFound)
		}},
	}
}
