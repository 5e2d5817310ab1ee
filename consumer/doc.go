// Package consumer processes the events of a category (or of the whole log)
// durably: in the fenced, resumable order of pgevents' reads, from a
// checkpoint saved in the database, in batches, by one process or by the
// members of a consumer group sharing the work (SPEC §7).
//
//	store := pgstore.NewConsumerStore(events, nil) // events is a *pgstore.Store; or memstore.NewConsumerStore
//	c, err := consumer.New(store, &consumer.Config{
//		Group:      "billing",
//		Source:     pgevents.CategoryID("order"),
//		Partitions: 16,
//		Handler: func(ctx context.Context, b *consumer.Batch) error {
//			for _, e := range b.Events {
//				if _, err := b.Tx.Exec(ctx, "INSERT INTO invoices ...", ...); err != nil {
//					return err
//				}
//			}
//			return nil // the checkpoint commits with the inserts
//		},
//	})
//	err = c.Run(ctx) // until ctx ends; run it in as many processes as you like
//
// # Delivery guarantee
//
// Every event of the source is delivered at least once, in batches; a
// stream's events are delivered in position order. With pgstore the
// handler gets the pgx.Tx (Batch.Tx) in which the checkpoint is saved:
// what it writes through it (and events it appends through Batch.Store)
// commits together with the checkpoint, or not at all, so those effects
// take place exactly once, whatever crashes, restarts, rebalances or
// network partitions happen. Effects outside that transaction (HTTP calls,
// messages, another database) are at-least-once: a batch that fails,
// times out or loses its lease after the effect is delivered again, so
// make them idempotent (for example keyed by Event.ID).
//
// A Consumer handles one batch at a time. After a crash its checkpoint is
// where its last committed batch left it: nothing is skipped, and the
// uncommitted batch is delivered again.
//
// # Partitions, members and fencing
//
// A stream's bucket is a stable hash of (category, stream) modulo 64
// (Bucket; pgevents.stream_bucket in SQL). A group has a fixed number of
// partitions (1 to 64) chosen at creation, and bucket b belongs to
// partition b % partitions: a stream always lands in one partition. A
// partition is owned by at most one live member; each bucket has its own
// checkpoint, and a member reads each of its buckets as one range of an
// index, so it reads only its own rows: four members together read what
// one reader reads, not four times as much. A group of one partition needs
// no extra index (it reads the category's, or the log's); a group of
// several creates a partial bucket index for its category (appends to
// that category pay one index insertion; see the README).
//
// Members need no leader. Each heartbeat (every Lease/3) renews the
// member's lease, releases partitions above its fair share and claims
// partitions that are free or whose owner's lease expired, up to it. Each
// claim increments the partition's generation, the fencing token: a
// checkpoint is saved only by the owner at the current generation, and
// only from where its batch started (compare-and-set). A member that was
// paused or partitioned away gets ErrLeaseLost when it tries to commit,
// and nothing moves (its handler's writes roll back). A join, a leave or a
// death rebalances within one lease period; a clean stop (ctx cancelled)
// releases the member's partitions at once.
//
// Everything is ordinary rows and transaction-scoped row locks: it works
// behind PgBouncer in transaction mode.
//
// # Errors and poison events
//
// When the handler fails on a batch of several events, the events are
// retried one at a time, each in its own transaction, up to
// Config.MaxAttempts times with a doubling backoff. An event that still
// fails either stops the consumer (Stop: Run returns a *HandlerError; the
// checkpoint stays before the event) or is parked with its error (Park:
// its checkpoint moves past it in the same transaction, and the member goes
// on). Parked events can be listed, replayed (the owning member delivers
// them again, Batch.Replay, before new events) and dropped, from Go
// (Store), SQL (pgevents.list_parked_events, ...) and the CLI (pgevents
// parked list|replay|drop). Nothing disappears silently.
//
// # Wake-up and the fence
//
// An idle member reads once per Config.PollInterval. With a Waker
// (pgstore.Notifier) it is woken when events are appended: pgstore sends
// one coalesced NOTIFY after its appends commit (never inside the append's
// transaction, where NOTIFY would serialise every commit), and members
// LISTEN on one connection per process. LISTEN is only an optimisation:
// where it is unavailable (PgBouncer in transaction mode) polling does the
// work.
//
// Consumers read below the snapshot fence (see the README's "Ordering"):
// an event is delivered once every transaction that started before it
// committed has ended. A long or idle-in-transaction session anywhere in
// the cluster holds the fence back: consumers then wait (they never skip),
// and Store.GroupStatus reports the lag, how much of it the fence holds
// back (HeldBackEvents, FenceLag), and the fence. Note that a batch's own
// transaction holds the fence too while its handler runs: keep handlers
// short.
//
// # Telemetry
//
// A Consumer emits OpenTelemetry traces and metrics through the API only
// (Config.TracerProvider, Config.MeterProvider; nil means the global
// providers, no-ops until the application installs an SDK): a span
// pgevents.consumer.batch per batch, parent of the handler's context, and
// counters of batches by outcome, events handled, errors, retries, parked
// events and lost leases, a histogram of batch durations and the
// partitions owned. Metrics carry the group, never stream or member names.
// See the README's "Telemetry" section.
//
// # SQL
//
// Every operation is a SQL function, callable from any language; see the
// README's "Consumers" section and sql/functions/*consumer*.sql.
package consumer
