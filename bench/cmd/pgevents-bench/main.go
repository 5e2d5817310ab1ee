// Command pgevents-bench measures pgevents' SQL functions and Go driver
// against raw SQL doing the same work, side by side in one run, and prints a
// markdown table of events/s, p50 and p99 call latency and the ratio to the
// raw baseline of the same cell.
//
// It is run by scripts/bench.sh (make bench), which boots a throwaway
// cluster with default durability (fsync and synchronous_commit on). Run it
// by hand against an empty database you can throw away:
//
//	go run ./bench/cmd/pgevents-bench -dsn 'host=/tmp/pg dbname=postgres'
//
// It migrates the database (pgevents.Migrate), creates bench.raw_events
// (pgevents.events' shape via LIKE ... INCLUDING ALL), bulk-loads both with
// -streams x -per-stream events, then runs, per group and client count,
// every variant of the group in alternating order (A B C, C B A, ...) for
// -rounds rounds, each with a warm-up: variants of a cell see the same noise.
//
// Groups: append-1 (raw 1-row INSERT vs pgevents.append with 1 event in each
// serialisation scope vs the Go driver), append-10 (raw 10-row INSERT vs
// pgevents.append with 10 events vs the driver), read (1000-event category
// page: raw fenced SELECT vs pgevents.read_category vs the raw
// sequence-ordered SELECT).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

type config struct {
	dsn        string
	clients    []int
	duration   time.Duration
	warmup     time.Duration
	rounds     int
	groups     []string
	only       string
	layout     layout
	skipLoad   bool
	loadOnly   bool
	out        string
	checkpoint bool
	alt        string
}

func main() {
	log.SetFlags(log.Ltime)
	var cfg config
	var clients, groups string
	flag.StringVar(&cfg.dsn, "dsn", "", "connection string (default: libpq environment, PGHOST etc.)")
	flag.StringVar(&clients, "clients", "1,4,16,64", "client counts")
	flag.DurationVar(&cfg.duration, "duration", 6*time.Second, "measured time per cell (variant x client count), split across the rounds")
	flag.DurationVar(&cfg.warmup, "warmup", time.Second, "warm-up before each measured round")
	flag.IntVar(&cfg.rounds, "rounds", 2, "alternating rounds per cell")
	flag.StringVar(&groups, "groups", "read,append-1,append-10", "groups to run, in this order")
	flag.StringVar(&cfg.only, "only", "", "comma-separated variant keys to run (default: every non-optional variant of the groups); baselines always run. Keys: "+variantKeys())
	flag.IntVar(&cfg.layout.categories, "categories", 10, "preloaded categories")
	flag.IntVar(&cfg.layout.streams, "streams", 10_000, "preloaded streams (appends pick one at random)")
	flag.IntVar(&cfg.layout.perStream, "per-stream", 100, "preloaded events per stream")
	flag.IntVar(&cfg.layout.batch, "load-batch", 5, "positions per preload transaction")
	flag.BoolVar(&cfg.skipLoad, "skip-load", false, "reuse an already migrated and loaded database")
	flag.BoolVar(&cfg.loadOnly, "load-only", false, "migrate and load, then exit (for profiling by hand)")
	flag.StringVar(&cfg.alt, "alt", "", "directory of function files (like sql/functions) to install as schema "+altSchema+
		" and measure side by side with the current ones (ALT rows)")
	flag.StringVar(&cfg.out, "out", "", "also write the markdown report to this file")
	flag.BoolVar(&cfg.checkpoint, "checkpoint", true, "CHECKPOINT before each cell")
	flag.Parse()
	for _, c := range strings.Split(clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			log.Fatalf("bad -clients %q", clients)
		}
		cfg.clients = append(cfg.clients, n)
	}
	cfg.groups = strings.Split(groups, ",")
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	if err := benchmark(ctx, cfg); err != nil {
		log.Fatal(err)
	}
}

func allVariants() []variant {
	return []variant{
		{key: "raw-insert-1", group: "append-1", baseline: true, name: "raw INSERT, 1 row (autocommit)", ops: rawAppend1},
		{key: "append-1-stream", group: "append-1", name: "pgevents.append, 1 event, scope stream (default)", ops: fnAppend(1, "stream")},
		{key: "append-1-category", group: "append-1", name: "pgevents.append, 1 event, scope category", ops: fnAppend(1, "category")},
		{key: "append-1-log", group: "append-1", name: "pgevents.append, 1 event, scope log", ops: fnAppend(1, "log")},
		{key: "append-1-ids", group: "append-1", name: "pgevents.append, 1 event with client UUIDv7 id, scope stream", ops: fnAppendIDs(1)},
		driverVariant(1),
		driverSingleVariant(1),
		optional(driverInFlightVariant(1, 4)),
		optional(driverInFlightVariant(1, 8)),
		optional(driverInFlightVariant(1, 2)),
		optional(driverInFlightVariant(1, 16)),
		optional(driverMinBatchVariant(1, 1)),
		optional(pgxVariant(1)),
		{key: "raw-insert-10", group: "append-10", baseline: true, name: "raw INSERT, 10 rows (one statement)", ops: rawAppend10},
		{key: "append-10-stream", group: "append-10", name: "pgevents.append, 10 events, scope stream", ops: fnAppend(10, "stream")},
		{key: "append-10-ids", group: "append-10", name: "pgevents.append, 10 events with client UUIDv7 ids, scope stream", ops: fnAppendIDs(10)},
		driverVariant(10),
		driverSingleVariant(10),
		optional(driverInFlightVariant(10, 4)),
		optional(driverInFlightVariant(10, 8)),
		optional(driverInFlightVariant(10, 2)),
		optional(driverInFlightVariant(10, 16)),
		optional(driverMaxEventsVariant(10, 4)),
		optional(driverMaxEventsVariant(10, 100)),
		optional(driverMinBatchVariant(10, 1)),
		optional(pgxVariant(10)),
		{key: "raw-select-fenced", group: "read", baseline: true, name: "raw SELECT, fenced (tx, seq) page of 1000", ops: readPage(rawFencedSQL, true)},
		{key: "read-category", group: "read", name: "pgevents.read_category, page of 1000", ops: readPage(readCategorySQL, true)},
		{key: "raw-select-sequence", group: "read", name: "raw SELECT, sequence-ordered page of 1000 (no fence)", ops: readPage(rawSequenceSQL, false)},
	}
}

func variantKeys() string {
	var keys []string
	for _, v := range allVariants() {
		k := v.key
		if v.optional {
			k += " (optional)"
		}
		keys = append(keys, k)
	}
	return strings.Join(keys, ", ")
}

func optional(v variant) variant {
	v.optional = true
	return v
}

// result is one cell of the table.
type result struct {
	v       variant
	clients int
	s       sample
	batches string // group-commit statistics of a driver variant
}

func benchmark(ctx context.Context, cfg config) error {
	pcfg, err := pgxpool.ParseConfig(cfg.dsn)
	if err != nil {
		return err
	}
	admin, err := pgx.ConnectConfig(ctx, pcfg.ConnConfig)
	if err != nil {
		return err
	}
	defer admin.Close(context.Background())

	var version, fsync, syncCommit string
	if err := admin.QueryRow(ctx, "SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit')").
		Scan(&version, &fsync, &syncCommit); err != nil {
		return err
	}
	log.Printf("PostgreSQL %s, fsync=%s, synchronous_commit=%s", version, fsync, syncCommit)
	findPostmaster(ctx, admin)

	if !cfg.skipLoad {
		t0 := time.Now()
		setupPool, err := pgxpool.NewWithConfig(ctx, pcfg)
		if err != nil {
			return err
		}
		err = migrate(ctx, setupPool)
		setupPool.Close()
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		log.Printf("migrated in %s", time.Since(t0).Round(time.Millisecond))
		if _, err := admin.Exec(ctx, rawTableDDL); err != nil {
			return fmt.Errorf("raw table: %w", err)
		}
		if err := preload(ctx, admin, cfg.layout); err != nil {
			return err
		}
	}
	variants := allVariants()
	if cfg.alt != "" {
		defined, err := installAlt(ctx, admin, cfg.alt)
		if err != nil {
			return err
		}
		variants = append(variants, altVariants(defined)...)
	}
	if cfg.loadOnly {
		return nil
	}
	e := &env{layout: cfg.layout, data: newEventData(1024, 42)}
	if e.cursors, err = cursors(ctx, admin, cfg.layout, pageSize); err != nil {
		return err
	}
	// Raw positions continue above everything stored (reruns with -skip-load too).
	var maxPos int64
	if err := admin.QueryRow(ctx, "SELECT coalesce(max(position), 0) FROM bench.raw_events").Scan(&maxPos); err != nil {
		return err
	}
	e.rawPosition.Store(max(maxPos, 1_000_000))

	only := map[string]bool{}
	for _, k := range strings.Split(cfg.only, ",") {
		if k = strings.TrimSpace(k); k != "" {
			only[k] = true
		}
	}
	var results []result
	start := time.Now()
	perRound := cfg.duration / time.Duration(cfg.rounds)
	for _, g := range cfg.groups {
		var vs []variant
		for _, v := range variants {
			if v.group == g && (only[v.key] || v.baseline || (len(only) == 0 && !v.optional)) {
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 {
			return fmt.Errorf("unknown group %q", g)
		}
		for _, n := range cfg.clients {
			if cfg.checkpoint {
				if _, err := admin.Exec(ctx, "CHECKPOINT"); err != nil {
					return err
				}
			}
			cell, err := runCell(ctx, cfg, pcfg, e, vs, n, perRound)
			if err != nil {
				return err
			}
			results = append(results, cell...)
			for _, r := range cell {
				log.Printf("%-18s %3d clients: %8s events/s  p50 %9s  p99 %9s  errors %d%s", r.v.key, n,
					fmtRate(r.s.eventsPerSecond()), fmtLatency(r.s.percentile(50)), fmtLatency(r.s.percentile(99)), r.s.errors, errSuffix(r.s))
				if r.batches != "" {
					log.Printf("%-18s %3d clients: %s", r.v.key, n, r.batches)
				}
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	report := renderReport(cfg, version, fsync, syncCommit, results, time.Since(start))
	fmt.Print(report)
	if cfg.out != "" {
		return os.WriteFile(cfg.out, []byte(report), 0o644)
	}
	return nil
}

func errSuffix(s sample) string {
	if s.firstErr == nil {
		return ""
	}
	return " (first: " + s.firstErr.Error() + ")"
}

// runCell opens one connection per client (and a pool of as many for the
// driver), then runs every variant for cfg.rounds rounds, reversing the
// order each round.
func runCell(ctx context.Context, cfg config, pcfg *pgxpool.Config, e *env, vs []variant, clients int, perRound time.Duration) ([]result, error) {
	e.conns = make([]*pgx.Conn, clients)
	for i := range e.conns {
		c, err := pgx.ConnectConfig(ctx, pcfg.ConnConfig.Copy())
		if err != nil {
			return nil, err
		}
		e.conns[i] = c
	}
	defer func() {
		for _, c := range e.conns {
			c.Close(context.Background())
		}
		e.conns = nil
	}()
	pc := pcfg.Copy()
	pc.MaxConns, pc.MinConns = int32(clients), int32(clients)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	e.pool = pool

	ops := make([][]op, len(vs))
	for i, v := range vs {
		if ops[i], err = v.ops(ctx, e); err != nil {
			return nil, fmt.Errorf("%s: %w", v.key, err)
		}
	}
	samples := make([]sample, len(vs))
	order := make([]int, len(vs))
	for i := range order {
		order[i] = i
	}
	for round := 0; round < cfg.rounds; round++ {
		for _, i := range order {
			samples[i].add(run(ctx, ops[i], cfg.warmup, perRound))
		}
		slices.Reverse(order)
	}
	out := make([]result, len(vs))
	for i, v := range vs {
		out[i] = result{v: v, clients: clients, s: samples[i]}
		if st, ok := e.stores[v.key]; ok {
			out[i].batches = batchStats(st.GroupCommitStats())
		}
	}
	e.stores = nil
	return out, nil
}

func renderReport(cfg config, version, fsync, syncCommit string, results []result, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## pgevents-bench, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "PostgreSQL %s (fsync=%s, synchronous_commit=%s); %d preloaded events (%d streams x %d, %d categories); "+
		"%s measured per cell in %d alternating rounds, %s warm-up each; %s in all.\n\n",
		version, fsync, syncCommit, cfg.layout.streams*cfg.layout.perStream, cfg.layout.streams, cfg.layout.perStream,
		cfg.layout.categories, cfg.duration, cfg.rounds, cfg.warmup, took.Round(time.Second))
	b.WriteString("| scenario | clients | events/s | p50 | p99 | ratio to raw | errors |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	base := map[[2]any]float64{}
	for _, r := range results {
		if r.v.baseline {
			base[[2]any{r.v.group, r.clients}] = r.s.eventsPerSecond()
		}
	}
	for _, r := range results {
		ratio := "baseline"
		if !r.v.baseline {
			ratio = "—"
			if bv := base[[2]any{r.v.group, r.clients}]; bv > 0 {
				ratio = fmt.Sprintf("%.2f×", r.s.eventsPerSecond()/bv)
			}
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %d |\n", r.v.name, r.clients,
			fmtRate(r.s.eventsPerSecond()), fmtLatency(r.s.percentile(50)), fmtLatency(r.s.percentile(99)), ratio, r.s.errors)
	}
	b.WriteString("\nevents/s counts events written or read; p50/p99 are per call (one append, one page). " +
		"Ratios compare variants of the same group and client count, measured interleaved in this run.\n")
	writeTargets(&b, results, base)
	writeBatchStats(&b, results)
	writeCPU(&b, results)
	return b.String()
}

// writeBatchStats lists the group-commit statistics of the driver rows.
func writeBatchStats(w io.Writer, results []result) {
	first := true
	for _, r := range results {
		if r.batches == "" || r.batches == "no batches" {
			continue
		}
		if first {
			fmt.Fprintln(w, "\nGroup commit (driver rows, warm-up included):")
			first = false
		}
		fmt.Fprintf(w, "- %s, %d clients: %s\n", r.v.key, r.clients, r.batches)
	}
	// The latency target: p99 with group commit within ±10% of without, at
	// 1 and 4 goroutines.
	p99 := map[[2]any]time.Duration{}
	for _, r := range results {
		p99[[2]any{r.v.key, r.clients}] = r.s.percentile(99)
	}
	for _, r := range results {
		if (r.v.key != "driver-1" && r.v.key != "driver-10") || (r.clients != 1 && r.clients != 4) {
			continue
		}
		off, ok := p99[[2]any{r.v.key + "-single", r.clients}]
		if !ok || off == 0 {
			continue
		}
		ratio := float64(r.s.percentile(99)) / float64(off)
		verdict := "met"
		if ratio > 1.1 {
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "- p99 %s @%d clients: %s with group commit vs %s without (%.2f×, target ≤ 1.10×) — %s\n",
			r.v.key, r.clients, fmtLatency(r.s.percentile(99)), fmtLatency(off), ratio, verdict)
	}
}

// writeTargets checks the targets at 16 clients (appends) and every
// client count (reads).
func writeTargets(w io.Writer, results []result, base map[[2]any]float64) {
	targets := []struct {
		key     string
		clients int
		min     float64
		what    string
	}{
		{"append-1-stream", 16, 0.8, "single-event append, default scope, 16 clients ≥ 0.8× raw INSERT"},
		{"append-10-stream", 16, 0.8, "10-event append, 16 clients ≥ 0.8× raw 10-row INSERT"},
		{"read-category", 0, 0.9, "read_category page ≥ 0.9× raw SELECT"},
		{"driver-1", 16, 1.0, "Go driver (group commit), 1 event, 16 goroutines ≥ 1.0× raw INSERT"},
		{"driver-1", 64, 1.3, "Go driver (group commit), 1 event, 64 goroutines ≥ 1.3× raw INSERT"},
		{"driver-10", 64, 1.0, "Go driver (group commit), 10 events, 64 goroutines ≥ 1.0× raw 10-row INSERT"},
	}
	fmt.Fprintln(w, "\nTargets:")
	for _, t := range targets {
		for _, r := range results {
			if r.v.key != t.key || (t.clients != 0 && r.clients != t.clients) {
				continue
			}
			bv := base[[2]any{r.v.group, r.clients}]
			if bv == 0 {
				continue
			}
			ratio := r.s.eventsPerSecond() / bv
			verdict := "met"
			if ratio < t.min {
				verdict = "MISSED"
			}
			fmt.Fprintf(w, "- %s @%d clients: %.2f× — %s\n", t.what, r.clients, ratio, verdict)
		}
	}
}
