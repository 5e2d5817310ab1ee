package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
)

// Limits of a ConsumerStore: the defaults of the PostgreSQL settings of the
// same names (pgevents.settings).
const (
	consumerMaxGroups            = 1000
	consumerMaxMembers           = 256
	consumerMaxIndexedCategories = 8
	consumerMaxBatch             = 10_000
	consumerMaxErrorLength       = 8192
)

// ConsumerStore is the in-memory consumer.Store over the events of a
// Store: the same groups, partitions, buckets, leases, fencing,
// checkpoints and parked events as pgstore.ConsumerStore, with the same
// errors (codes and fields), checked in the same order as the SQL
// functions. It passes storetest.RunConsumers.
//
// Differences from PostgreSQL: there is no snapshot fence (a committed
// append is at once readable, and HeldBackEvents, FenceLag and Fence are
// always zero); time (leases, timestamps) comes from the Store's
// Config.Clock; CommitBatch runs the handler inside Store.InTx, which holds
// the Store's lock, so the handler must not call the ConsumerStore or the
// outer Store (use consumer.Tx.Store); consumer.Tx.PgxTx is nil. A
// ConsumerStore is safe for concurrent use.
type ConsumerStore struct {
	store *Store

	mu       sync.Mutex
	groups   map[string]*memGroup
	parkedID int64 // the last parked id given
}

type memGroup struct {
	category    string // "" is the log
	checkpoints []memCheckpoint
	createdAt   time.Time
	members     map[string]*consumer.Member
	name        string
	parked      map[int64]*memParked
	partitions  []memPartition
}

type memPartition struct {
	claimedAt  time.Time
	generation int64
	owner      string
}

type memCheckpoint struct {
	cursor    pgevents.Cursor
	partition int
	updatedAt time.Time
}

type memParked struct {
	attempts        int
	bucket          int
	err             string
	id              int64
	parkedAt        time.Time
	replayRequested time.Time
	seq             int64
	updatedAt       time.Time
}

// NewConsumerStore returns a ConsumerStore over the events of store. It
// panics when store is nil or bound to a transaction (programmer errors).
func NewConsumerStore(store *Store) *ConsumerStore {
	if store == nil || store.tx != nil {
		panic("pgevents: memstore: NewConsumerStore needs a *Store made by New (not nil, not the one InTx passes)")
	}
	return &ConsumerStore{store: store, groups: map[string]*memGroup{}}
}

// ConsumerStore implements the contract at compile time.
var _ consumer.Store = (*ConsumerStore)(nil)

func (s *ConsumerStore) now() time.Time { return pgevents.TruncateTime(s.store.mem.clock()) }

func groupNotFound(group string) error {
	return &consumer.Error{Bucket: -1, Code: consumer.CodeGroupNotFound, Group: group, Partition: -1,
		Message: fmt.Sprintf("pgevents: consumer group %s does not exist", group)}
}

func consumerInvalid(code, field, reason string) error {
	return &pgevents.InvalidInputError{Code: code, Field: field, Reason: reason}
}

// findGroup is pgevents.find_consumer_group; s.mu must be held.
func (s *ConsumerStore) findGroup(group string) (*memGroup, error) {
	if err := pgevents.CheckName("group", group); err != nil {
		return nil, err
	}
	g := s.groups[group]
	if g == nil {
		return nil, groupNotFound(group)
	}
	return g, nil
}

// bucketOf is the bucket of a stream in g.
func (g *memGroup) bucketOf(category, stream string) int {
	if len(g.partitions) == 1 {
		return 0
	}
	return consumer.Bucket(category, stream)
}

// CreateGroup implements consumer.Store.CreateGroup with the rules of
// pgevents.create_consumer_group.
func (s *ConsumerStore) CreateGroup(ctx context.Context, params *consumer.CreateGroupParams) (*consumer.Group, error) {
	if params == nil {
		params = &consumer.CreateGroupParams{}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgevents: create consumer group: %w", err)
	}
	if err := params.Source.Validate(); err != nil {
		return nil, err // pgstore cannot even encode such an identifier
	}
	if err := pgevents.CheckName("group", params.Group); err != nil {
		return nil, err
	}
	src := params.Source
	if src.Stream != "" {
		return nil, consumerInvalid(consumer.CodeInvalidArgument, "source", "a consumer group consumes a category or the log, not a stream")
	}
	if src.Category != "" {
		if err := pgevents.CheckName("source.category", src.Category); err != nil {
			return nil, err
		}
	}
	partitions := params.Partitions
	if partitions == 0 {
		partitions = 1
	}
	if partitions < 1 || partitions > consumer.Buckets {
		return nil, consumerInvalid(consumer.CodeInvalidArgument, "partitions", fmt.Sprintf("must be between 1 and 64 (got %d)", partitions))
	}
	var out *consumer.Group
	err := s.store.read(ctx, "create consumer group", func(visible int) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if g := s.groups[params.Group]; g != nil {
			if g.category == src.Category && len(g.partitions) == partitions {
				out = g.group()
				return nil
			}
			where := g.category
			if where == "" {
				where = "the log"
			}
			return &consumer.Error{Bucket: -1, Code: consumer.CodeGroupMismatch, Group: params.Group, Partition: -1,
				Message: fmt.Sprintf("pgevents: consumer group %s exists with another definition (source %s, %d partitions)",
					params.Group, where, len(g.partitions))}
		}
		if len(s.groups) >= consumerMaxGroups {
			return consumerInvalid(consumer.CodeLimitExceeded, "group",
				fmt.Sprintf("there are already %d consumer groups (setting consumer_max_groups)", consumerMaxGroups))
		}
		if partitions > 1 && !s.indexed(src.Category) && s.indexedCount() >= consumerMaxIndexedCategories {
			return consumerInvalid(consumer.CodeLimitExceeded, "partitions", fmt.Sprintf(
				"a group with several partitions needs a bucket index on its source, and %d such indexes exist already (setting consumer_max_indexed_categories)",
				consumerMaxIndexedCategories))
		}
		now := s.now()
		start := pgevents.Cursor{}
		if params.FromEnd {
			// The end of what is committed: every transaction id given so
			// far has ended (no fence in memory).
			start = pgevents.Cursor{TransactionID: s.store.mem.lastTx + 1}
			_ = visible
		}
		g := &memGroup{category: src.Category, createdAt: now, members: map[string]*consumer.Member{}, name: params.Group,
			parked: map[int64]*memParked{}, partitions: make([]memPartition, partitions)}
		buckets := 1
		if partitions > 1 {
			buckets = consumer.Buckets
		}
		for b := range buckets {
			g.checkpoints = append(g.checkpoints, memCheckpoint{cursor: start, partition: b % partitions, updatedAt: now})
		}
		s.groups[params.Group] = g
		out = g.group()
		return nil
	})
	return out, err
}

// indexed reports whether a group with several partitions consumes
// category ("" the log): PostgreSQL then has its bucket index.
func (s *ConsumerStore) indexed(category string) bool {
	for _, g := range s.groups {
		if len(g.partitions) > 1 && g.category == category {
			return true
		}
	}
	return false
}

func (s *ConsumerStore) indexedCount() int {
	seen := map[string]bool{}
	for _, g := range s.groups {
		if len(g.partitions) > 1 {
			seen[g.category] = true
		}
	}
	return len(seen)
}

func (g *memGroup) group() *consumer.Group {
	return &consumer.Group{CreatedAt: g.createdAt, Name: g.name, Partitions: len(g.partitions), Source: pgevents.CategoryID(g.category)}
}

// DropGroup implements consumer.Store.DropGroup.
func (s *ConsumerStore) DropGroup(ctx context.Context, group string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("pgevents: drop consumer group: %w", err)
	}
	if err := pgevents.CheckName("group", group); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.groups[group]
	delete(s.groups, group)
	return ok, nil
}

// JoinGroup implements consumer.Store.JoinGroup with the algorithm of
// pgevents.join_consumer_group.
func (s *ConsumerStore) JoinGroup(ctx context.Context, params *consumer.JoinGroupParams) ([]consumer.Partition, error) {
	if params == nil {
		params = &consumer.JoinGroupParams{}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgevents: join consumer group: %w", err)
	}
	if err := checkGroupMember(params.Group, params.Member); err != nil {
		return nil, err
	}
	lease := params.Lease
	if lease == 0 {
		lease = consumer.DefaultLease
	}
	if lease < 100*time.Millisecond || lease > time.Hour {
		return nil, consumerInvalid(consumer.CodeInvalidArgument, "lease", fmt.Sprintf("must be between 100 milliseconds and 1 hour (got %s)", lease))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[params.Group]
	if g == nil {
		return nil, groupNotFound(params.Group)
	}
	now := s.now()
	for name, m := range g.members {
		if !m.LeaseExpiresAt.After(now) && name != params.Member {
			delete(g.members, name)
		}
	}
	m := g.members[params.Member]
	if m == nil {
		if len(g.members) >= consumerMaxMembers {
			return nil, consumerInvalid(consumer.CodeLimitExceeded, "member", fmt.Sprintf(
				"consumer group %s has %d live members already (setting consumer_max_members)", params.Group, len(g.members)))
		}
		m = &consumer.Member{Group: g.name, JoinedAt: now, Member: params.Member}
		g.members[params.Member] = m
	}
	m.HeartbeatAt, m.LeaseExpiresAt = now, now.Add(lease)

	live, rank := len(g.members), 0
	for name := range g.members {
		if name < params.Member {
			rank++
		}
	}
	n := len(g.partitions)
	target := n / live
	if rank < n%live {
		target++
	}
	var owned []int
	for p := range g.partitions {
		if g.partitions[p].owner == params.Member {
			owned = append(owned, p)
		}
	}
	switch {
	case len(owned) > target:
		for _, p := range owned[target:] { // the highest ones
			g.partitions[p].owner, g.partitions[p].claimedAt = "", time.Time{}
		}
	case len(owned) < target:
		need := target - len(owned)
		for p := range g.partitions {
			if need == 0 {
				break
			}
			part := &g.partitions[p]
			if part.owner == "" || g.members[part.owner] == nil {
				part.owner, part.generation, part.claimedAt = params.Member, part.generation+1, now
				need--
			}
		}
	}
	var out []consumer.Partition
	for p, part := range g.partitions {
		if part.owner == params.Member {
			out = append(out, consumer.Partition{ClaimedAt: part.claimedAt, Generation: part.generation, Partition: p})
		}
	}
	return out, nil
}

// LeaveGroup implements consumer.Store.LeaveGroup.
func (s *ConsumerStore) LeaveGroup(ctx context.Context, group, member string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("pgevents: leave consumer group: %w", err)
	}
	if err := checkGroupMember(group, member); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[group]
	if g == nil {
		return 0, groupNotFound(group)
	}
	released := 0
	for p := range g.partitions {
		if g.partitions[p].owner == member {
			g.partitions[p].owner, g.partitions[p].claimedAt = "", time.Time{}
			released++
		}
	}
	delete(g.members, member)
	return released, nil
}

func checkGroupMember(group, member string) error {
	if err := pgevents.CheckName("group", group); err != nil {
		return err
	}
	return pgevents.CheckName("member", member)
}

// ReadBatch implements consumer.Store.ReadBatch with the rules of
// pgevents.read_consumer_batch (without a fence).
func (s *ConsumerStore) ReadBatch(ctx context.Context, params *consumer.ReadBatchParams) ([]consumer.Delivery, error) {
	if params == nil {
		params = &consumer.ReadBatchParams{}
	}
	limit := params.Limit
	if limit == 0 {
		limit = consumer.DefaultBatchSize
	}
	var out []consumer.Delivery
	err := s.store.read(ctx, "read consumer batch", func(visible int) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		g, err := s.findGroup(params.Group)
		if err != nil {
			return err
		}
		if err := pgevents.CheckName("member", params.Member); err != nil {
			return err
		}
		if limit < 1 || limit > consumerMaxBatch {
			return consumerInvalid(consumer.CodeInvalidArgument, "limit", fmt.Sprintf("must be between 1 and %d (got %d)", consumerMaxBatch, limit))
		}
		m := s.store.mem
		owns := func(bucket int) bool { return g.partitions[g.checkpoints[bucket].partition].owner == params.Member }
		delivery := func(bucket int, e pgevents.Event) consumer.Delivery {
			c := g.checkpoints[bucket]
			return consumer.Delivery{After: c.cursor, Bucket: bucket, Event: cloneEvent(e),
				Generation: g.partitions[c.partition].generation, Partition: c.partition}
		}
		// 1. Replays, in parking order.
		for _, k := range g.parkedInOrder() {
			if len(out) == limit {
				return nil
			}
			if k.replayRequested.IsZero() || !owns(k.bucket) {
				continue
			}
			i, ok := m.bySequence(k.seq, visible)
			if !ok {
				continue
			}
			d := delivery(k.bucket, m.events[i])
			d.ParkedID, d.Attempts = k.id, k.attempts
			out = append(out, d)
		}
		// 2. New events, the bucket furthest behind first.
		var buckets []int
		for b := range g.checkpoints {
			if owns(b) {
				buckets = append(buckets, b)
			}
		}
		slices.SortFunc(buckets, func(a, b int) int {
			ca, cb := g.checkpoints[a].cursor, g.checkpoints[b].cursor
			switch {
			case ca.Less(cb):
				return -1
			case cb.Less(ca):
				return 1
			}
			return cmp.Compare(a, b)
		})
		idx := m.sourceIndex(g.category, visible)
		for _, b := range buckets {
			from := sort.Search(len(idx), func(i int) bool { return g.checkpoints[b].cursor.Less(m.events[idx[i]].Cursor()) })
			for _, j := range idx[from:] {
				if len(out) == limit {
					return nil
				}
				if e := m.events[j]; g.bucketOf(e.Category, e.Stream) == b {
					out = append(out, delivery(b, e))
				}
			}
		}
		return nil
	})
	return out, err
}

// parkedInOrder returns the group's parked events by id.
func (g *memGroup) parkedInOrder() []*memParked {
	out := make([]*memParked, 0, len(g.parked))
	for _, k := range g.parked {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b *memParked) int { return cmp.Compare(a.id, b.id) })
	return out
}

// sourceIndex returns the indexes of the visible events of category ("":
// the log), in resumable order.
func (m *memory) sourceIndex(category string, visible int) []int {
	if category != "" {
		idx := m.categories[category]
		n := len(idx)
		for n > 0 && idx[n-1] >= visible {
			n--
		}
		return idx[:n]
	}
	idx := make([]int, visible)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// bySequence returns the index of the visible event with sequence number seq.
func (m *memory) bySequence(seq int64, visible int) (int, bool) {
	i := sort.Search(visible, func(i int) bool { return m.events[i].SequenceNumber >= seq })
	return i, i < visible && m.events[i].SequenceNumber == seq
}

// CommitBatch implements consumer.Store.CommitBatch: params.Handle runs in
// Store.InTx (consumer.Tx.Store is the transaction's Store, PgxTx is nil),
// then the checkpoints, settles and parks are applied with the rules of
// the SQL functions, all or nothing, before the transaction commits.
func (s *ConsumerStore) CommitBatch(ctx context.Context, params *consumer.CommitBatchParams) error {
	if params == nil {
		params = &consumer.CommitBatchParams{}
	}
	plan, err := planCommit(params)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context, tx *Store) error {
		if params.Handle != nil {
			if err := params.Handle(ctx, &consumer.Tx{Store: tx}); err != nil {
				return err
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.apply(params, plan, tx.tx.visible)
	})
}

// commitPlan is what a commit saves: per bucket, in first-seen order.
type commitPlan struct {
	saves []planSave
}

type planSave struct {
	after, to  pgevents.Cursor
	bucket     int
	generation int64
}

// planCommit groups the new events handled or parked by bucket, as
// pgstore does before it sends anything.
func planCommit(p *consumer.CommitBatchParams) (*commitPlan, error) {
	plan := &commitPlan{}
	byBucket := map[int]int{}
	advance := func(d consumer.Delivery) error {
		i, ok := byBucket[d.Bucket]
		if !ok {
			byBucket[d.Bucket] = len(plan.saves)
			plan.saves = append(plan.saves, planSave{after: d.After, to: d.Event.Cursor(), bucket: d.Bucket, generation: d.Generation})
			return nil
		}
		sv := &plan.saves[i]
		if sv.generation != d.Generation || sv.after != d.After {
			return consumerInvalid(consumer.CodeInvalidArgument, "handled",
				fmt.Sprintf("deliveries of bucket %d disagree on their generation or checkpoint", d.Bucket))
		}
		if sv.to.Less(d.Event.Cursor()) {
			sv.to = d.Event.Cursor()
		}
		return nil
	}
	for _, d := range p.Handled {
		if d.ParkedID == 0 {
			if err := advance(d); err != nil {
				return nil, err
			}
		}
	}
	for _, pd := range p.Park {
		if pd.Delivery.ParkedID == 0 {
			if err := advance(pd.Delivery); err != nil {
				return nil, err
			}
		}
	}
	return plan, nil
}

// apply validates and applies a commit (saves, then settles, then parks,
// as pgstore sends them); on error nothing is changed. s.mu must be held.
func (s *ConsumerStore) apply(p *consumer.CommitBatchParams, plan *commitPlan, visible int) error {
	type change func()
	var changes []change
	now := s.now()
	lookup := func() (*memGroup, error) {
		g, err := s.findGroup(p.Group)
		if err != nil {
			return nil, err
		}
		return g, pgevents.CheckName("member", p.Member)
	}
	// Checkpoints, as save_consumer_checkpoint, with the state each earlier
	// save of this commit leaves.
	pending := map[int]pgevents.Cursor{}
	for _, sv := range plan.saves {
		g, err := lookup()
		if err != nil {
			return err
		}
		if sv.bucket < 0 || sv.bucket >= len(g.checkpoints) {
			return consumerInvalid(consumer.CodeInvalidArgument, "bucket", fmt.Sprintf("consumer group %s has no bucket %d", p.Group, sv.bucket))
		}
		c := g.checkpoints[sv.bucket]
		if err := g.lockPartition(p.Member, c.partition, sv.generation); err != nil {
			return err
		}
		current, ok := pending[sv.bucket]
		if !ok {
			current = c.cursor
		}
		if current != sv.after || !sv.after.Less(sv.to) {
			return &consumer.Error{Bucket: sv.bucket, Code: consumer.CodeCheckpointConflict, Group: p.Group, Partition: -1,
				Message: fmt.Sprintf("pgevents: checkpoint of bucket %d of consumer group %s is at %s; cannot move it from %s to %s",
					sv.bucket, p.Group, current, sv.after, sv.to)}
		}
		pending[sv.bucket] = sv.to
		bucket, to := sv.bucket, sv.to
		changes = append(changes, func() { g.checkpoints[bucket].cursor, g.checkpoints[bucket].updatedAt = to, now })
	}
	// Settles, as settle_parked_event.
	settled := map[int64]bool{}
	for _, d := range p.Handled {
		if d.ParkedID == 0 {
			continue
		}
		g, err := lookup()
		if err != nil {
			return err
		}
		k := g.parked[d.ParkedID]
		if k == nil || settled[d.ParkedID] {
			continue
		}
		if err := g.lockPartition(p.Member, g.checkpoints[k.bucket].partition, d.Generation); err != nil {
			return err
		}
		settled[d.ParkedID] = true
		id := d.ParkedID
		changes = append(changes, func() { delete(g.parked, id) })
	}
	// Parks, as park_consumer_event.
	for _, pd := range p.Park {
		g, err := lookup()
		if err != nil {
			return err
		}
		if pd.Attempts < 1 {
			return consumerInvalid(consumer.CodeInvalidArgument, "attempts", fmt.Sprintf("must be at least 1 (got %d)", pd.Attempts))
		}
		seq := pd.Delivery.Event.SequenceNumber
		i, ok := s.store.mem.bySequence(seq, visible)
		if !ok {
			return consumerInvalid(consumer.CodeInvalidArgument, "sequence_number", fmt.Sprintf("no event has sequence number %d", seq))
		}
		e := s.store.mem.events[i]
		if g.category != "" && e.Category != g.category {
			return consumerInvalid(consumer.CodeInvalidArgument, "sequence_number",
				fmt.Sprintf("event %d is in category %s, not in the group's category %s", seq, e.Category, g.category))
		}
		bucket := g.bucketOf(e.Category, e.Stream)
		if err := g.lockPartition(p.Member, g.checkpoints[bucket].partition, pd.Delivery.Generation); err != nil {
			return err
		}
		text := parkedErrorText(pd.Error)
		attempts := pd.Attempts
		changes = append(changes, func() {
			for _, k := range g.parked {
				if k.seq == seq {
					k.err, k.attempts, k.updatedAt, k.replayRequested = text, k.attempts+attempts, now, time.Time{}
					return
				}
			}
			s.parkedID++
			g.parked[s.parkedID] = &memParked{attempts: attempts, bucket: bucket, err: text, id: s.parkedID,
				parkedAt: now, seq: seq, updatedAt: now}
		})
	}
	for _, c := range changes {
		c()
	}
	return nil
}

// parkedErrorText is what PostgreSQL stores of an error text: valid UTF-8
// without NUL bytes, cut to consumer_max_error_length characters.
func parkedErrorText(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if utf8.RuneCountInString(s) > consumerMaxErrorLength {
		s = string([]rune(s)[:consumerMaxErrorLength])
	}
	return s
}

// lockPartition is pgevents.lock_consumer_partition: PE123 unless member
// owns partition at generation.
func (g *memGroup) lockPartition(member string, partition int, generation int64) error {
	part := g.partitions[partition]
	if part.owner == member && part.generation == generation {
		return nil
	}
	owner := part.owner
	if owner == "" {
		owner = "none"
	}
	return &consumer.Error{Bucket: -1, Code: consumer.CodeLeaseLost, Generation: generation, Group: g.name, Member: member,
		Partition: partition, Message: fmt.Sprintf(
			"pgevents: member %s of consumer group %s does not hold partition %d at generation %d (owner: %s, generation %d)",
			member, g.name, partition, generation, owner, part.generation)}
}

// GroupStatus implements consumer.Store.GroupStatus (without a fence).
func (s *ConsumerStore) GroupStatus(ctx context.Context, group string) ([]consumer.PartitionStatus, error) {
	var out []consumer.PartitionStatus
	err := s.store.read(ctx, "consumer status", func(visible int) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		groups, err := s.selectGroups(group)
		if err != nil {
			return err
		}
		now := s.now()
		m := s.store.mem
		for _, g := range groups {
			idx := m.sourceIndex(g.category, visible)
			for p, part := range g.partitions {
				st := consumer.PartitionStatus{Category: g.category, Generation: part.generation, Group: g.name,
					Partition: p, Partitions: len(g.partitions)}
				if mem := g.members[part.owner]; part.owner != "" {
					st.Owner = part.owner
					if mem != nil && mem.LeaseExpiresAt.After(now) {
						st.LeaseExpiresAt = mem.LeaseExpiresAt
					}
				}
				first := true
				var oldest time.Time
				for b, c := range g.checkpoints {
					if c.partition != p {
						continue
					}
					if first || st.Checkpoint.Less(c.cursor) {
						st.Checkpoint = c.cursor
					}
					if first || c.updatedAt.After(st.CheckpointedAt) {
						st.CheckpointedAt = c.updatedAt
					}
					first = false
					from := sort.Search(len(idx), func(i int) bool { return c.cursor.Less(m.events[idx[i]].Cursor()) })
					for _, j := range idx[from:] {
						if e := m.events[j]; g.bucketOf(e.Category, e.Stream) == b {
							st.LagEvents++
							if oldest.IsZero() || e.ObservedAt.Before(oldest) {
								oldest = e.ObservedAt
							}
						}
					}
				}
				if !oldest.IsZero() {
					st.Lag = max(now.Sub(oldest), 0)
				}
				for _, k := range g.parked {
					if g.checkpoints[k.bucket].partition == p {
						st.ParkedEvents++
					}
				}
				out = append(out, st)
			}
		}
		return nil
	})
	return out, err
}

// selectGroups returns the named group (PE101/PE121), or every group for
// "", in name order. s.mu must be held.
func (s *ConsumerStore) selectGroups(group string) ([]*memGroup, error) {
	if group != "" {
		g, err := s.findGroup(group)
		if err != nil {
			return nil, err
		}
		return []*memGroup{g}, nil
	}
	out := make([]*memGroup, 0, len(s.groups))
	for _, g := range s.groups {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b *memGroup) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// ListMembers implements consumer.Store.ListMembers.
func (s *ConsumerStore) ListMembers(ctx context.Context, group string) ([]consumer.Member, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgevents: list consumer members: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	groups, err := s.selectGroups(group)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []consumer.Member
	for _, g := range groups {
		start := len(out)
		for _, m := range g.members {
			if m.LeaseExpiresAt.After(now) {
				out = append(out, *m)
			}
		}
		slices.SortFunc(out[start:], func(a, b consumer.Member) int { return strings.Compare(a.Member, b.Member) })
	}
	return out, nil
}

// ListParked implements consumer.Store.ListParked.
func (s *ConsumerStore) ListParked(ctx context.Context, params *consumer.ListParkedParams) ([]consumer.ParkedEvent, error) {
	if params == nil {
		params = &consumer.ListParkedParams{}
	}
	limitIn := params.Limit
	if limitIn == 0 {
		limitIn = 100
	}
	limit, err := checkLimit(limitIn)
	if err != nil {
		return nil, err
	}
	var out []consumer.ParkedEvent
	err = s.store.read(ctx, "list parked events", func(visible int) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		g, err := s.findGroup(params.Group)
		if err != nil {
			return err
		}
		for _, k := range g.parkedInOrder() {
			if len(out) == limit {
				break
			}
			if k.id <= params.AfterID {
				continue
			}
			i, ok := s.store.mem.bySequence(k.seq, visible)
			if !ok {
				continue
			}
			out = append(out, consumer.ParkedEvent{Attempts: k.attempts, Bucket: k.bucket, Error: k.err,
				Event: cloneEvent(s.store.mem.events[i]), Group: g.name, ID: k.id, ParkedAt: k.parkedAt,
				ReplayRequestedAt: k.replayRequested, UpdatedAt: k.updatedAt})
		}
		return nil
	})
	return out, err
}

// ReplayParked implements consumer.Store.ReplayParked.
func (s *ConsumerStore) ReplayParked(ctx context.Context, group string, ids []int64) (int, error) {
	return s.parkedIDs(ctx, "replay parked events", group, ids, func(g *memGroup, k *memParked, now time.Time) {
		if k.replayRequested.IsZero() {
			k.replayRequested = now
		}
	})
}

// DropParked implements consumer.Store.DropParked.
func (s *ConsumerStore) DropParked(ctx context.Context, group string, ids []int64) (int, error) {
	return s.parkedIDs(ctx, "drop parked events", group, ids, func(g *memGroup, k *memParked, _ time.Time) {
		delete(g.parked, k.id)
	})
}

func (s *ConsumerStore) parkedIDs(ctx context.Context, op, group string, ids []int64, fn func(g *memGroup, k *memParked, now time.Time)) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("pgevents: %s: %w", op, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.findGroup(group)
	if err != nil {
		return 0, err
	}
	if len(ids) > consumerMaxBatch {
		return 0, consumerInvalid(consumer.CodeInvalidArgument, "ids", fmt.Sprintf("must hold at most %d ids (got %d)", consumerMaxBatch, len(ids)))
	}
	now := s.now()
	n := 0
	seen := map[int64]bool{}
	for _, id := range ids {
		if k := g.parked[id]; k != nil && !seen[id] {
			seen[id] = true
			fn(g, k, now)
			n++
		}
	}
	return n, nil
}
