package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/pgstore"
)

const consumersUsage = `Usage:
  pgevents [--database-url URL] consumers [--group G] [--json]

Lists consumer groups: every partition with its owner and lease, generation,
checkpoint, lag (events and time), how much of the lag the snapshot fence
holds back, parked events; then the live members. --json prints one JSON
object per line ("kind": "partition" or "member").
`

const parkedUsage = `Usage:
  pgevents [--database-url URL] parked list   --group G [--after ID] [--limit N] [--json]
  pgevents [--database-url URL] parked replay --group G (--all | ID ...)
  pgevents [--database-url URL] parked drop   --group G (--all | ID ...)

Parked (dead-lettered) events of a consumer group: list them with their
errors; mark them for replay (the member owning the event's partition
delivers it again, before new events); drop them for good (the events stay
in the log). replay and drop print how many they affected.
`

// consumerStore opens a pool (see openStore) and the consumer store over it.
func (e *env) consumerStore(ctx context.Context, databaseURL string) (*pgstore.ConsumerStore, func(), error) {
	store, closePool, err := e.openStore(ctx, databaseURL)
	if err != nil {
		return nil, nil, err
	}
	return pgstore.NewConsumerStore(store), closePool, nil
}

// consumers is "pgevents consumers".
func (e *env) consumers(ctx context.Context, databaseURL string, args []string) error {
	fs := newFlagSet("consumers")
	group := fs.String("group", "", "one group (default: every group)")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	if err := e.parse(fs, consumersUsage, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usageError(consumersUsage, "unexpected argument %q", fs.Arg(0))
	}
	store, closeStore, err := e.consumerStore(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer closeStore()
	status, err := store.GroupStatus(ctx, *group)
	if err != nil {
		return err
	}
	members, err := store.ListMembers(ctx, *group)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeConsumersJSON(e.stdout, status, members)
	}
	writeConsumersTable(e.stdout, status, members)
	return nil
}

func writeConsumersJSON(w io.Writer, status []consumer.PartitionStatus, members []consumer.Member) error {
	enc := json.NewEncoder(w)
	for _, s := range status {
		v := map[string]any{"kind": "partition", "group": s.Group, "source": source(s.Category), "partitions": s.Partitions,
			"partition": s.Partition, "owner": nullable(s.Owner), "lease_expires_at": nullableTime(s.LeaseExpiresAt),
			"generation": s.Generation, "checkpoint": s.Checkpoint.String(), "checkpointed_at": s.CheckpointedAt,
			"lag_events": s.LagEvents, "lag_seconds": s.Lag.Seconds(), "held_back_events": s.HeldBackEvents,
			"fence_lag_seconds": s.FenceLag.Seconds(), "parked_events": s.ParkedEvents, "fence": strconv.FormatUint(s.Fence, 10)}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	for _, m := range members {
		v := map[string]any{"kind": "member", "group": m.Group, "member": m.Member, "joined_at": m.JoinedAt,
			"heartbeat_at": m.HeartbeatAt, "lease_expires_at": m.LeaseExpiresAt}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	return nil
}

func writeConsumersTable(w io.Writer, status []consumer.PartitionStatus, members []consumer.Member) {
	if len(status) == 0 {
		fmt.Fprintln(w, "no consumer groups")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tSOURCE\tPARTITION\tOWNER\tLEASE\tGEN\tCHECKPOINT\tLAG\tLAG TIME\tHELD BACK\tFENCE LAG\tPARKED")
	now := time.Now()
	for _, s := range status {
		lease := "-"
		if !s.LeaseExpiresAt.IsZero() {
			lease = s.LeaseExpiresAt.Sub(now).Round(time.Millisecond).String()
		} else if s.Owner != "" {
			lease = "expired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\t%d\t%s\t%d\t%s\t%d\t%s\t%d\n", s.Group, source(s.Category), s.Partition, s.Partitions,
			dash(s.Owner), lease, s.Generation, s.Checkpoint, s.LagEvents, duration(s.Lag), s.HeldBackEvents, duration(s.FenceLag), s.ParkedEvents)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	if len(members) == 0 {
		fmt.Fprintln(w, "no live members")
		return
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tMEMBER\tJOINED\tLAST HEARTBEAT\tLEASE")
	for _, m := range members {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s ago\t%s\n", m.Group, m.Member, m.JoinedAt.Format(time.RFC3339),
			now.Sub(m.HeartbeatAt).Round(time.Millisecond), m.LeaseExpiresAt.Sub(now).Round(time.Millisecond))
	}
	_ = tw.Flush()
}

func source(category string) string {
	if category == "" {
		return "log"
	}
	return "category " + category
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func duration(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.Round(time.Millisecond).String()
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullableTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// parked is "pgevents parked list|replay|drop".
func (e *env) parked(ctx context.Context, databaseURL string, args []string) error {
	if len(args) == 0 {
		return e.usageError(parkedUsage, "parked needs list, replay or drop")
	}
	sub, args := args[0], args[1:]
	if sub == "--help" || sub == "-h" || sub == "help" {
		fmt.Fprint(e.stdout, parkedUsage)
		return nil
	}
	if sub != "list" && sub != "replay" && sub != "drop" {
		return e.usageError(parkedUsage, "unknown parked command %q", sub)
	}
	fs := newFlagSet("parked " + sub)
	group := fs.String("group", "", "the consumer group (required)")
	var after *int64
	var limit *int
	var asJSON, all *bool
	if sub == "list" {
		after = fs.Int64("after", 0, "list parked events with a larger id only")
		limit = fs.Int("limit", 100, "the most to list (-1: all)")
		asJSON = fs.Bool("json", false, "one JSON object per line")
	} else {
		all = fs.Bool("all", false, "every parked event of the group")
	}
	if err := e.parse(fs, parkedUsage, args); err != nil {
		return err
	}
	if *group == "" {
		return e.usageError(parkedUsage, "parked %s needs --group", sub)
	}
	var ids []int64
	if sub != "list" {
		for _, a := range fs.Args() {
			id, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return e.usageError(parkedUsage, "invalid parked id %q", a)
			}
			ids = append(ids, id)
		}
		if *all == (len(ids) > 0) {
			return e.usageError(parkedUsage, "parked %s needs either --all or ids", sub)
		}
	} else if fs.NArg() > 0 {
		return e.usageError(parkedUsage, "unexpected argument %q", fs.Arg(0))
	}
	store, closeStore, err := e.consumerStore(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer closeStore()
	switch sub {
	case "list":
		events, err := store.ListParked(ctx, &consumer.ListParkedParams{Group: *group, AfterID: *after, Limit: *limit})
		if err != nil {
			return err
		}
		if *asJSON {
			return writeParkedJSON(e.stdout, events)
		}
		writeParkedTable(e.stdout, events)
		return nil
	case "replay":
		n, err := forParked(ctx, store, *group, ids, store.ReplayParked)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%d parked events marked for replay\n", n)
	default:
		n, err := forParked(ctx, store, *group, ids, store.DropParked)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%d parked events dropped\n", n)
	}
	return nil
}

// forParked runs fn on ids, or (ids nil: --all) on every parked event of
// the group, page by page.
func forParked(ctx context.Context, store *pgstore.ConsumerStore, group string, ids []int64,
	fn func(ctx context.Context, group string, ids []int64) (int, error)) (int, error) {
	if ids != nil {
		return fn(ctx, group, ids)
	}
	total := 0
	var after int64
	for {
		page, err := store.ListParked(ctx, &consumer.ListParkedParams{Group: group, AfterID: after, Limit: 1000})
		if err != nil {
			return total, err
		}
		if len(page) == 0 {
			return total, nil
		}
		pageIDs := make([]int64, len(page))
		for i, p := range page {
			pageIDs[i] = p.ID
		}
		n, err := fn(ctx, group, pageIDs)
		total += n
		if err != nil {
			return total, err
		}
		after = pageIDs[len(pageIDs)-1]
	}
}

func writeParkedJSON(w io.Writer, events []consumer.ParkedEvent) error {
	enc := json.NewEncoder(w)
	for _, p := range events {
		v := map[string]any{"id": p.ID, "group": p.Group, "error": p.Error, "attempts": p.Attempts, "parked_at": p.ParkedAt,
			"updated_at": p.UpdatedAt, "replay_requested_at": nullableTime(p.ReplayRequestedAt),
			"event": map[string]any{"id": p.Event.ID, "category": p.Event.Category, "stream": p.Event.Stream,
				"position": p.Event.Position, "name": p.Event.Name, "sequence_number": p.Event.SequenceNumber,
				"cursor": p.Event.Cursor().String(), "payload": p.Event.Payload, "metadata": p.Event.Metadata}}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	return nil
}

func writeParkedTable(w io.Writer, events []consumer.ParkedEvent) {
	if len(events) == 0 {
		fmt.Fprintln(w, "no parked events")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTREAM\tPOSITION\tEVENT\tATTEMPTS\tPARKED AT\tREPLAY\tERROR")
	for _, p := range events {
		replay := "-"
		if !p.ReplayRequestedAt.IsZero() {
			replay = "requested"
		}
		fmt.Fprintf(tw, "%d\t%s/%s\t%d\t%s\t%d\t%s\t%s\t%s\n", p.ID, p.Event.Category, p.Event.Stream, p.Event.Position,
			p.Event.Name, p.Attempts, p.ParkedAt.Format(time.RFC3339), replay, oneLine(p.Error, 80))
	}
	_ = tw.Flush()
}

// oneLine returns s on one line, cut to n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
