// Command consumers benchmarks consumer groups on PostgreSQL, side by side:
//
//  1. append cost of the consumer bucket index: events/s of pgevents.append
//     (1 and 10 events per call) to a category without any bucket index, to
//     a category with one (a group of several partitions consumes it), and
//     to another category while that index exists; rounds interleaved, the
//     index dropped and re-created between rounds;
//  2. append cost of the wake-up: pgstore.AppendEvents without a Notifier,
//     with one (Config.AfterAppend: a coalesced NOTIFY after commit), and,
//     for reference, the rejected design: pg_notify in the append's own
//     transaction (one statement);
//  3. consumer throughput over N preloaded events, the handler inserting one
//     row per event in the batch's transaction: 1 member and 4 members of a
//     64-partition group, a 1-partition group, against a raw paged read of
//     the category (read_category, pages of 1000); with the events index
//     entries each one read (pg_stat_user_indexes), to show the absence of
//     read amplification;
//  4. append -> handler latency at a fixed rate (default 1,000 events/s),
//     p50 and p99, with the Notifier's wake-up and with polling only.
//
// It creates (and afterwards drops, unless -keep) its own database on the
// server the PG* environment variables or -dsn point at. Run it with `make
// bench-consumers` (scripts/bench_consumers.sh boots a throwaway cluster with
// default durability), or against a running server:
//
//	go run ./bench/consumers -events 100000 -duration 3s
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/pgstore"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "consumers bench:", err)
		os.Exit(1)
	}
}

type options struct {
	clients     int
	dsn         string
	duration    time.Duration
	events      int
	keep        bool
	latencyFor  time.Duration
	out         string
	rate        int
	rounds      int
	sections    string
	streams     int
	partitions  int
	batchSize   int
	preloadRows int
}

func run(ctx context.Context, stdout io.Writer, args []string) error {
	var o options
	fs := flag.NewFlagSet("consumers", flag.ContinueOnError)
	fs.IntVar(&o.clients, "clients", 16, "concurrent appending connections (sections 1 and 2)")
	fs.StringVar(&o.dsn, "dsn", "", "server connection string (default: the PG* environment variables)")
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "measuring time per append cell and round")
	fs.IntVar(&o.events, "events", 100_000, "events preloaded for the throughput runs (section 3)")
	fs.BoolVar(&o.keep, "keep", false, "keep the benchmark database")
	fs.DurationVar(&o.latencyFor, "latency-duration", 10*time.Second, "duration of each latency run (section 4)")
	fs.StringVar(&o.out, "out", "", "also write the report to this file")
	fs.IntVar(&o.rate, "rate", 1000, "append rate of the latency runs, events/s")
	fs.IntVar(&o.rounds, "rounds", 2, "interleaved rounds of the append cells")
	fs.StringVar(&o.sections, "sections", "1,2,3,4", "sections to run")
	fs.IntVar(&o.streams, "streams", 10_000, "streams the events are spread over")
	fs.IntVar(&o.partitions, "partitions", 64, "partitions of the groups")
	fs.IntVar(&o.batchSize, "batch", 500, "consumer batch size")
	fs.IntVar(&o.preloadRows, "preload", 300_000, "events preloaded before the append cells (spread over 10 categories)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	admin, err := pgx.Connect(ctx, o.dsn)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer admin.Close(ctx)
	dbName := fmt.Sprintf("pgevents_bench_consumers_%d", os.Getpid())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+dbName); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	if !o.keep {
		defer func() { _, _ = admin.Exec(context.WithoutCancel(ctx), "DROP DATABASE "+dbName+" WITH (FORCE)") }()
	}
	cfg, err := pgxpool.ParseConfig(o.dsn)
	if err != nil {
		return err
	}
	cfg.ConnConfig.Database = dbName
	cfg.MaxConns = int32(max(o.clients, 8) + 4)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	db := stdlib.OpenDBFromPool(pool)
	if err := pgevents.Migrate(ctx, db); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	_ = db.Close()

	b := &bench{o: o, pool: pool, cfg: cfg}
	var version, durability string
	_ = pool.QueryRow(ctx, "SELECT version(), current_setting('fsync') || '/' || current_setting('synchronous_commit')").Scan(&version, &durability)
	b.printf("# Consumers benchmark (%s)\n\n%s; fsync/synchronous_commit %s; %d clients for appends; %s per cell, %d rounds interleaved.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04"), strings.SplitN(version, ",", 2)[0], durability, o.clients, o.duration, o.rounds)
	sections := map[string]func(context.Context) error{"1": b.indexCost, "2": b.wakeupCost, "3": b.throughput, "4": b.latency}
	for _, s := range strings.Split(o.sections, ",") {
		fn, ok := sections[strings.TrimSpace(s)]
		if !ok {
			return fmt.Errorf("unknown section %q", s)
		}
		if err := fn(ctx); err != nil {
			return fmt.Errorf("section %s: %w", s, err)
		}
	}
	if o.out != "" {
		return os.WriteFile(o.out, []byte(b.report.String()), 0o644)
	}
	_, err = io.Copy(stdout, strings.NewReader(""))
	return err
}

type bench struct {
	cfg    *pgxpool.Config
	o      options
	pool   *pgxpool.Pool
	report strings.Builder
}

func (b *bench) printf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	fmt.Print(s)
	b.report.WriteString(s)
}

var payload = json.RawMessage(`{"order_id":"4f5a1e2c-8a7b-4c1d-9e3f-2b6a7c8d9e0f","customer":"ada@example.com","lines":[{"sku":"A-1","qty":2,"price":"19.90"},{"sku":"B-7","qty":1,"price":"5.00"}],"total":"44.80","currency":"EUR"}`)

// newEventsJSON returns n events as the JSON array pgevents.append takes.
func newEventsJSON(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"name":"OrderPlaced","payload":%s,"metadata":{"trace":"abc"}}`, payload)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// loop runs fn on clients connections for d and returns the calls made.
func (b *bench) loop(ctx context.Context, clients int, d time.Duration, fn func(ctx context.Context, r *rand.Rand, conn *pgxpool.Conn) error) (int64, error) {
	return b.loopConn(ctx, clients, d, true, fn)
}

// loopConn is loop; with acquire false, fn gets a nil conn (it uses the
// pool itself, as pgstore does).
func (b *bench) loopConn(ctx context.Context, clients int, d time.Duration, acquire bool, fn func(ctx context.Context, r *rand.Rand, conn *pgxpool.Conn) error) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var calls atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var conn *pgxpool.Conn
			if acquire {
				var err error
				conn, err = b.pool.Acquire(context.WithoutCancel(ctx))
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				defer conn.Release()
			}
			r := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
			for ctx.Err() == nil {
				if err := fn(ctx, r, conn); err != nil {
					if ctx.Err() == nil {
						once.Do(func() { firstErr = err })
					}
					return
				}
				calls.Add(1)
			}
		}()
	}
	wg.Wait()
	return calls.Load(), firstErr
}

// indexCost is section 1.
func (b *bench) indexCost(ctx context.Context) error {
	b.printf("## 1. Append cost of the consumer bucket index\n\n")
	if b.o.preloadRows > 0 {
		start := time.Now()
		if _, err := b.pool.Exec(ctx, `SELECT count(*) FROM generate_series(0, $1 - 1) g,
			LATERAL pgevents.append('cat-' || (g % 10), 's-' || (g % 10000), $2::jsonb) e`, b.o.preloadRows/10, newEventsJSON(10)); err != nil {
			return err
		}
		if _, err := b.pool.Exec(ctx, "VACUUM ANALYZE pgevents.events"); err != nil {
			return err
		}
		b.printf("Preloaded %d events over 10 categories in %s.\n\n", b.o.preloadRows, time.Since(start).Round(time.Millisecond))
	}
	var ddl string
	if err := b.pool.QueryRow(ctx, "SELECT pgevents.consumer_index_definition('cat-0')").Scan(&ddl); err != nil {
		return err
	}
	index := strings.Fields(ddl)[5]
	setIndex := func(on bool) error {
		stmt := "DROP INDEX IF EXISTS pgevents." + index
		if on {
			stmt = ddl
		}
		if _, err := b.pool.Exec(ctx, stmt); err != nil {
			return err
		}
		_, err := b.pool.Exec(ctx, "CHECKPOINT")
		return err
	}
	type cell struct {
		name, category string
		events         int
		indexed        bool
	}
	cells := []cell{
		{"no bucket index anywhere, 1 event", "cat-1", 1, false},
		{"consumed category (its bucket index), 1 event", "cat-0", 1, true},
		{"another category while that index exists, 1 event", "cat-1", 1, true},
		{"no bucket index anywhere, 10 events", "cat-1", 10, false},
		{"consumed category (its bucket index), 10 events", "cat-0", 10, true},
		{"another category while that index exists, 10 events", "cat-1", 10, true},
	}

	// a. Backend CPU per call, inside the server (as make bench-cpu): a
	// procedure makes the calls with a COMMIT after each, without waiting
	// for the WAL flush, and reads its own CPU time from /proc/self/stat.
	if _, err := b.pool.Exec(ctx, cpuProcedure); err != nil {
		return fmt.Errorf("cpu procedure (needs a superuser on Linux): %w", err)
	}
	cpu := map[string][]float64{}
	for round := range b.o.rounds + 2 {
		for _, indexed := range []bool{round%2 == 0, round%2 != 0} {
			if err := setIndex(indexed); err != nil {
				return err
			}
			for _, c := range cells {
				if c.indexed != indexed {
					continue
				}
				calls := 40000 / c.events
				var us float64
				conn, err := b.pool.Acquire(ctx)
				if err != nil {
					return err
				}
				_, err = conn.Exec(ctx, "SET synchronous_commit = off")
				if err == nil {
					_, err = conn.Exec(ctx, "CALL bench_cpu_append($1, $2, $3::jsonb, NULL)", calls, c.category, newEventsJSON(c.events))
				}
				if err == nil {
					err = conn.QueryRow(ctx, "SELECT us FROM bench_cpu_result").Scan(&us)
				}
				conn.Release()
				if err != nil {
					return err
				}
				cpu[c.name] = append(cpu[c.name], us)
			}
		}
	}
	b.printf("### a. Backend CPU per call (µs; synchronous_commit off; %d interleaved rounds)\n\n", b.o.rounds+2)
	b.printf("| pgevents.append | µs per call (min) | (median) | min × no index | median × no index |\n|---|---|---|---|---|\n")
	for i, c := range cells {
		base := cpu[cells[i-i%3].name]
		b.printf("| %s | %.1f | %.1f | %.3f | %.3f |\n", c.name, slices.Min(cpu[c.name]), median(cpu[c.name]),
			slices.Min(cpu[c.name])/slices.Min(base), median(cpu[c.name])/median(base))
	}
	b.printf("\n")

	// b. Throughput with default durability, the same cells, interleaved.
	results := map[string][]float64{}
	for round := range b.o.rounds {
		for _, indexed := range []bool{round%2 == 0, round%2 != 0} {
			if err := setIndex(indexed); err != nil {
				return err
			}
			for _, c := range cells {
				if c.indexed != indexed {
					continue
				}
				events := newEventsJSON(c.events)
				calls, err := b.loop(ctx, b.o.clients, b.o.duration, func(ctx context.Context, r *rand.Rand, conn *pgxpool.Conn) error {
					_, err := conn.Exec(ctx, "SELECT count(*) FROM pgevents.append($1, $2, $3::jsonb)", c.category, fmt.Sprintf("s-%d", r.IntN(10000)), events)
					return err
				})
				if err != nil {
					return err
				}
				results[c.name] = append(results[c.name], float64(calls)*float64(c.events)/b.o.duration.Seconds())
			}
		}
	}
	b.printf("### b. Throughput, %d clients, default durability (%d interleaved rounds of %s)\n\n", b.o.clients, b.o.rounds, b.o.duration)
	b.printf("| pgevents.append | events/s (median) | × no index (median of per-round ratios) | per round |\n|---|---|---|---|\n")
	for i, c := range cells {
		base := results[cells[i-i%3].name]
		b.printf("| %s | %.0f | %.3f | %s |\n", c.name, median(results[c.name]), median(ratios(results[c.name], base)), formatAll(results[c.name]))
	}
	b.printf("\n")
	return setIndex(false)
}

// cpuProcedure makes p_calls appends to random streams of p_category with
// a COMMIT after each and stores the backend CPU microseconds per call.
const cpuProcedure = `
CREATE TABLE IF NOT EXISTS bench_cpu_result (us float8);
CREATE OR REPLACE PROCEDURE bench_cpu_append(p_calls int, p_category text, p_events jsonb, p_unused int)
  LANGUAGE plpgsql AS $$
DECLARE
  _c0 bigint;
  _c1 bigint;
BEGIN
  SELECT f[12]::bigint + f[13]::bigint INTO _c0
    FROM (SELECT string_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') AS f) s;
  FOR i IN 1 .. p_calls LOOP
    PERFORM count(*) FROM pgevents.append(p_category, 's-' || (random() * 9999)::int, p_events);
    COMMIT;
  END LOOP;
  SELECT f[12]::bigint + f[13]::bigint INTO _c1
    FROM (SELECT string_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') AS f) s;
  DELETE FROM bench_cpu_result;
  INSERT INTO bench_cpu_result VALUES ((_c1 - _c0) * 10000.0 / p_calls);
  COMMIT;
END $$;
`

// wakeupCost is section 2.
func (b *bench) wakeupCost(ctx context.Context) error {
	b.printf("## 2. Append cost of the wake-up\n\n")
	plain, err := pgstore.New(b.pool, nil)
	if err != nil {
		return err
	}
	notifier := pgstore.NewNotifier(b.pool, nil)
	defer notifier.Close()
	notified, err := pgstore.New(b.pool, &pgstore.Config{AfterAppend: notifier.Appended})
	if err != nil {
		return err
	}
	slowNotifier := pgstore.NewNotifier(b.pool, &pgstore.NotifierConfig{MinInterval: 50 * time.Millisecond})
	defer slowNotifier.Close()
	slow, err := pgstore.New(b.pool, &pgstore.Config{AfterAppend: slowNotifier.Appended})
	if err != nil {
		return err
	}
	// A listener, so that NOTIFY has a reader (as it would in production).
	sub, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, n := range []*pgstore.Notifier{notifier, slowNotifier} {
		wakes := n.Subscribe(sub, "")
		go func() {
			for range wakes {
			}
		}()
	}
	events := []pgevents.NewEvent{{Name: "OrderPlaced", Payload: payload, Metadata: json.RawMessage(`{"trace":"abc"}`)}}
	eventsJSON := newEventsJSON(1)
	type variant struct {
		name    string
		pgstore bool
		fn      func(ctx context.Context, r *rand.Rand, conn *pgxpool.Conn) error
	}
	variants := []variant{
		{"pgstore.AppendEvents, no wake-up", true, func(ctx context.Context, r *rand.Rand, _ *pgxpool.Conn) error {
			_, err := plain.AppendEvents(ctx, &pgevents.AppendParams{Category: "wake", Stream: fmt.Sprintf("s-%d", r.IntN(10000)), Events: events})
			return err
		}},
		{"pgstore.AppendEvents + Notifier (coalesced NOTIFY after commit)", true, func(ctx context.Context, r *rand.Rand, _ *pgxpool.Conn) error {
			_, err := notified.AppendEvents(ctx, &pgevents.AppendParams{Category: "wake", Stream: fmt.Sprintf("s-%d", r.IntN(10000)), Events: events})
			return err
		}},
		{"pgstore.AppendEvents + Notifier, MinInterval 50 ms", true, func(ctx context.Context, r *rand.Rand, _ *pgxpool.Conn) error {
			_, err := slow.AppendEvents(ctx, &pgevents.AppendParams{Category: "wake", Stream: fmt.Sprintf("s-%d", r.IntN(10000)), Events: events})
			return err
		}},
		{"SQL append, no NOTIFY", false, func(ctx context.Context, r *rand.Rand, conn *pgxpool.Conn) error {
			_, err := conn.Exec(ctx, "SELECT count(*) FROM pgevents.append('wake', $1, $2::jsonb)", fmt.Sprintf("s-%d", r.IntN(10000)), eventsJSON)
			return err
		}},
		{"SQL append + pg_notify in its transaction (rejected)", false, func(ctx context.Context, r *rand.Rand, conn *pgxpool.Conn) error {
			_, err := conn.Exec(ctx, "SELECT count(*), pg_notify('pgevents_appended', 'wake') FROM pgevents.append('wake', $1, $2::jsonb)",
				fmt.Sprintf("s-%d", r.IntN(10000)), eventsJSON)
			return err
		}},
	}
	results := map[string][]float64{}
	for round := range b.o.rounds {
		order := slices.Clone(variants)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, v := range order {
			calls, err := b.loopConn(ctx, b.o.clients, b.o.duration, !v.pgstore, v.fn)
			if err != nil {
				return fmt.Errorf("%s: %w", v.name, err)
			}
			results[v.name] = append(results[v.name], float64(calls)/b.o.duration.Seconds())
		}
	}
	b.printf("| %d clients, 1 event per append | events/s (median) | × its baseline (median of per-round ratios) | per round |\n|---|---|---|---|\n", b.o.clients)
	for _, v := range variants {
		baseline := variants[0].name
		if !v.pgstore {
			baseline = variants[3].name
		}
		base := results[baseline]
		b.printf("| %s | %.0f | %.3f | %s |\n", v.name, median(results[v.name]), median(ratios(results[v.name], base)), formatAll(results[v.name]))
	}
	b.printf("\n")
	return nil
}

// indexReads returns the index entries read so far per events index (from
// the statistics; backends flush theirs when they exit).
func (b *bench) indexReads(ctx context.Context) (map[string]int64, error) {
	conn, err := pgx.ConnectConfig(ctx, b.cfg.ConnConfig)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	// The indexes reads go through; appends' lookups (positions, ids) are not
	// reads of the category.
	rows, err := conn.Query(ctx, `SELECT indexrelname::text, idx_tup_read FROM pg_stat_user_indexes
		WHERE relname = 'events' AND (indexrelname IN ('events_category_order_idx', 'events_log_order_idx') OR indexrelname LIKE 'events\_consumer\_%')`)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, err
		}
		out[name] = n
	}
	return out, rows.Err()
}

// stableIndexReads returns indexReads once two readings 300 ms apart agree.
func (b *bench) stableIndexReads(ctx context.Context) (map[string]int64, error) {
	last, err := b.indexReads(ctx)
	if err != nil {
		return nil, err
	}
	for range 50 {
		time.Sleep(300 * time.Millisecond)
		now, err := b.indexReads(ctx)
		if err != nil {
			return nil, err
		}
		same := len(now) == len(last)
		for k, v := range now {
			same = same && last[k] == v
		}
		if same {
			return now, nil
		}
		last = now
	}
	return last, nil
}

// isolated runs fn with a pool of its own (closed afterwards, so that its
// backends flush their statistics) and returns the events index entries
// read meanwhile.
func (b *bench) isolated(ctx context.Context, conns int32, fn func(pool *pgxpool.Pool) error) (int64, error) {
	// Other backends flush their statistics when they exit or every now and
	// then: close the shared pool's connections and wait for the counters
	// to settle before taking the baseline.
	b.pool.Reset()
	before, err := b.stableIndexReads(ctx)
	if err != nil {
		return 0, err
	}
	cfg := b.cfg.Copy()
	cfg.MaxConns = conns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return 0, err
	}
	err = fn(pool)
	pool.Close()
	if err != nil {
		return 0, err
	}
	// Backends flush their statistics as they exit, asynchronously: wait
	// until the total is stable.
	var total, last int64 = 0, -1
	for range 100 {
		time.Sleep(100 * time.Millisecond)
		after, err := b.indexReads(ctx)
		if err != nil {
			return 0, err
		}
		total = 0
		for k, v := range after {
			total += v - before[k]
		}
		if total > 0 && total == last {
			break
		}
		last = total
	}
	return total, nil
}

// throughput is section 3.
func (b *bench) throughput(ctx context.Context) error {
	b.printf("## 3. Consumer throughput\n\n")
	start := time.Now()
	if _, err := b.pool.Exec(ctx, `SELECT count(*) FROM generate_series(0, $1 - 1) g,
		LATERAL pgevents.append('bench', 's-' || (g % $2), $3::jsonb) e`, b.o.events/10, b.o.streams, newEventsJSON(10)); err != nil {
		return err
	}
	if _, err := b.pool.Exec(ctx, `CREATE TABLE bench_effects (sequence_number bigint NOT NULL, stream text NOT NULL, grp text NOT NULL)`); err != nil {
		return err
	}
	if _, err := b.pool.Exec(ctx, "VACUUM ANALYZE pgevents.events"); err != nil {
		return err
	}
	var total int64
	if err := b.pool.QueryRow(ctx, "SELECT count(*) FROM pgevents.events WHERE category = 'bench'").Scan(&total); err != nil {
		return err
	}
	b.printf("%d events in category \"bench\" over %d streams (loaded in %s); batches of %d; the handler inserts one row per event (one INSERT ... SELECT unnest per batch) in the batch's transaction.\n\n",
		total, b.o.streams, time.Since(start).Round(time.Millisecond), b.o.batchSize)

	type result struct {
		name    string
		elapsed time.Duration
		reads   int64
	}
	var results []result
	// Raw reads: pgstore.ReadEvents (read_category, every column decoded
	// into pgevents.Event, as a consumer gets them), from the start to the
	// end; then the same with the handler's INSERT per page and autocommit
	// (a checkpoint a client would keep itself is left out).
	var elapsed time.Duration
	rawRun := func(name string, page int, insert bool) error {
		reads, err := b.isolated(ctx, 1, func(pool *pgxpool.Pool) error {
			store, err := pgstore.New(pool, nil)
			if err != nil {
				return err
			}
			t0 := time.Now()
			var after pgevents.Cursor
			n := int64(0)
			for {
				events, err := store.ReadEvents(ctx, &pgevents.ReadEventsParams{Category: "bench", After: after, Limit: page})
				if err != nil {
					return err
				}
				if len(events) > 0 {
					after = events[len(events)-1].Cursor()
					if insert {
						seqs, streams := make([]int64, len(events)), make([]string, len(events))
						for i, e := range events {
							seqs[i], streams[i] = e.SequenceNumber, e.Stream
						}
						if _, err := pool.Exec(ctx, "INSERT INTO bench_effects SELECT s, st, 'raw' FROM unnest($1::bigint[], $2::text[]) AS u(s, st)", seqs, streams); err != nil {
							return err
						}
					}
				}
				n += int64(len(events))
				if len(events) < page {
					break
				}
			}
			elapsed = time.Since(t0)
			if n != total {
				return fmt.Errorf("raw read got %d of %d events", n, total)
			}
			return nil
		})
		if err != nil {
			return err
		}
		results = append(results, result{name, elapsed, reads})
		return nil
	}
	if err := rawRun(fmt.Sprintf("raw category read (pgstore.ReadEvents, pages of %d), reads only", b.o.batchSize), b.o.batchSize, false); err != nil {
		return err
	}
	if err := rawRun(fmt.Sprintf("raw category read, pages of %d, + the handler's INSERT per page", b.o.batchSize), b.o.batchSize, true); err != nil {
		return err
	}

	for _, g := range []struct {
		name              string
		members, parts, n int
	}{
		{"consumer, 1 partition, 1 member", 1, 1, 0},
		{"consumer, 64 partitions, 1 member", 1, b.o.partitions, 1},
		{"consumer, 64 partitions, 4 members", 4, b.o.partitions, 2},
	} {
		group := fmt.Sprintf("bench-%d-%d", g.members, g.parts)
		reads, err := b.isolated(ctx, int32(2*g.members+2), func(pool *pgxpool.Pool) (err error) {
			elapsed, err = b.consume(ctx, pool, group, g.members, g.parts, total)
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", g.name, err)
		}
		results = append(results, result{g.name, elapsed, reads})
	}
	b.printf("| run | events/s | × raw read + INSERT | events index entries read | × events read |\n|---|---|---|---|---|\n")
	raw := float64(total) / results[1].elapsed.Seconds()
	for _, r := range results {
		eps := float64(total) / r.elapsed.Seconds()
		b.printf("| %s | %.0f | %.2f | %d | %.2f |\n", r.name, eps, eps/raw, r.reads, float64(r.reads)/float64(total))
	}
	b.printf("\nIndex entries read: of events_category_order_idx, events_log_order_idx and the consumer bucket indexes, from pg_stat_user_indexes (each run on a pool of its own, closed so that its backends flush their statistics). N members that each scanned the whole category would read ≈ N× the events.\n\n")
	return nil
}

// consume runs members members of a new group until every event has an
// effect row, and returns the time it took.
func (b *bench) consume(ctx context.Context, pool *pgxpool.Pool, group string, members, partitions int, total int64) (time.Duration, error) {
	store, err := pgstore.New(pool, nil)
	if err != nil {
		return 0, err
	}
	cs := pgstore.NewConsumerStore(store)
	if _, err := cs.CreateGroup(ctx, &consumer.CreateGroupParams{Group: group, Source: pgevents.CategoryID("bench"), Partitions: partitions}); err != nil {
		return 0, err
	}
	var handled atomic.Int64
	caughtUp := make(chan struct{})
	var doneOnce sync.Once
	handler := func(ctx context.Context, batch *consumer.Batch) error {
		seqs, streams := make([]int64, len(batch.Events)), make([]string, len(batch.Events))
		for i, e := range batch.Events {
			seqs[i], streams[i] = e.SequenceNumber, e.Stream
		}
		if _, err := batch.Tx.Exec(ctx, "INSERT INTO bench_effects SELECT s, st, $3 FROM unnest($1::bigint[], $2::text[]) AS u(s, st)",
			seqs, streams, group); err != nil {
			return err
		}
		if handled.Add(int64(len(batch.Events))) >= total {
			doneOnce.Do(func() { close(caughtUp) })
		}
		return nil
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	t0 := time.Now()
	errs := make(chan error, members)
	for m := range members {
		c, err := consumer.New(cs, &consumer.Config{Group: group, Source: pgevents.CategoryID("bench"), Partitions: partitions,
			Member: fmt.Sprintf("m%d", m), BatchSize: b.o.batchSize, PollInterval: 50 * time.Millisecond, Lease: 10 * time.Second, Handler: handler})
		if err != nil {
			return 0, err
		}
		go func() { errs <- c.Run(runCtx) }()
	}
	// The handler counts what it handled (a batch rolled back and handled
	// again would count twice: the effect rows are checked below).
	select {
	case <-caughtUp:
	case err := <-errs:
		return 0, fmt.Errorf("member stopped: %w", err)
	}
	for { // the last batch commits after its handler returns
		var n int64
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM bench_effects WHERE grp = $1", group).Scan(&n); err != nil {
			return 0, err
		}
		if n >= total {
			break
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(t0)
	cancel()
	for range members {
		if err := <-errs; err != nil {
			return 0, err
		}
	}
	var n, distinct int64
	if err := pool.QueryRow(ctx, "SELECT count(*), count(DISTINCT sequence_number) FROM bench_effects WHERE grp = $1", group).Scan(&n, &distinct); err != nil {
		return 0, err
	}
	if n != total || distinct != total {
		return 0, fmt.Errorf("%d effect rows for %d events (%d distinct)", n, total, distinct)
	}
	return elapsed, nil
}

// latency is section 4.
func (b *bench) latency(ctx context.Context) error {
	b.printf("## 4. Append → handler latency at %d events/s\n\n", b.o.rate)
	b.printf("One writer appends single events to random streams at a steady rate for %s; one member of a 4-partition group handles them. Latency: from just before the append call to the handler seeing the event.\n\n", b.o.latencyFor)
	b.printf("| wake-up | p50 | p99 | max | events | append call p50 / p99 |\n|---|---|---|---|---|---|\n")
	for _, v := range []struct {
		name   string
		wake   bool
		poll   time.Duration
		events string
	}{
		{"Notifier (LISTEN/NOTIFY), poll interval 1 s", true, time.Second, "lat-wake"},
		{"polling only, interval 100 ms", false, 100 * time.Millisecond, "lat-poll100"},
		{"polling only, interval 1 s", false, time.Second, "lat-poll1000"},
	} {
		lat, appendLat, err := b.measureLatency(ctx, v.events, v.wake, v.poll)
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		slices.Sort(lat)
		slices.Sort(appendLat)
		b.printf("| %s | %s | %s | %s | %d | %s / %s |\n", v.name, pct(lat, 0.5), pct(lat, 0.99), lat[len(lat)-1].Round(100*time.Microsecond), len(lat),
			pct(appendLat, 0.5), pct(appendLat, 0.99))
	}
	b.printf("\n")
	return nil
}

func (b *bench) measureLatency(ctx context.Context, category string, wake bool, poll time.Duration) (lat, appendLat []time.Duration, err error) {
	var cfg *pgstore.Config
	var waker consumer.Waker
	if wake {
		notifier := pgstore.NewNotifier(b.pool, nil)
		defer notifier.Close()
		cfg = &pgstore.Config{AfterAppend: notifier.Appended}
		waker = notifier
	}
	store, err := pgstore.New(b.pool, cfg)
	if err != nil {
		return nil, nil, err
	}
	var mu sync.Mutex
	c, err := consumer.New(pgstore.NewConsumerStore(store), &consumer.Config{Group: category, Source: pgevents.CategoryID(category),
		Partitions: 4, PollInterval: poll, Waker: waker, Handler: func(_ context.Context, batch *consumer.Batch) error {
			now := time.Now()
			mu.Lock()
			defer mu.Unlock()
			for _, e := range batch.Events {
				var p struct {
					At int64 `json:"at"`
				}
				if err := json.Unmarshal(e.Payload, &p); err != nil {
					return err
				}
				lat = append(lat, now.Sub(time.Unix(0, p.At)))
			}
			return nil
		}})
	if err != nil {
		return nil, nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	time.Sleep(200 * time.Millisecond) // joined and idle
	interval := time.Second / time.Duration(b.o.rate)
	sent := 0
	t0 := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	var appendErr atomic.Pointer[error]
	for time.Since(t0) < b.o.latencyFor {
		next := t0.Add(time.Duration(sent) * interval)
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			at := time.Now()
			p := json.RawMessage(fmt.Sprintf(`{"at":%d}`, at.UnixNano()))
			if _, err := store.AppendEvents(ctx, &pgevents.AppendParams{Category: category, Stream: fmt.Sprintf("s-%d", i%1000),
				Events: []pgevents.NewEvent{{Name: "Ping", Payload: p}}}); err != nil {
				appendErr.CompareAndSwap(nil, &err)
			}
			took := time.Since(at)
			mu.Lock()
			appendLat = append(appendLat, took)
			mu.Unlock()
		}(sent)
		sent++
	}
	wg.Wait()
	if p := appendErr.Load(); p != nil {
		cancel()
		return nil, nil, *p
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(lat)
		mu.Unlock()
		if n >= sent {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			return nil, nil, fmt.Errorf("only %d of %d events handled", n, sent)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		return nil, nil, err
	}
	return lat, appendLat, nil
}

func pct(sorted []time.Duration, q float64) string {
	if len(sorted) == 0 {
		return "-"
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))].Round(100 * time.Microsecond).String()
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ratios returns xs[i] / base[i].
func ratios(xs, base []float64) []float64 {
	out := make([]float64, min(len(xs), len(base)))
	for i := range out {
		out[i] = xs[i] / base[i]
	}
	return out
}

func formatAll(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(parts, ", ")
}
