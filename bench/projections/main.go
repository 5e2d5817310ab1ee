// Command projections benchmarks projection searches on PostgreSQL: an
// equality filter on an indexed path, a range filter sorted on its path with
// key-set paging, and a containment filter, each with and without the
// expression index pgevents.add_projection_index creates, over N projections
// of one name (default 1,000,000). It prints p50/p99 latencies as a markdown
// table.
//
// It creates (and afterwards drops, unless -keep) its own database on the
// server the PG* environment variables or -dsn point at, migrates it with
// pgevents.Migrate and bulk-loads it with one INSERT ... SELECT
// generate_series. Latency is measured in the client around
// pgstore.ProjectionStore.SearchProjections: one round trip, including the
// query's validation and compilation inside PostgreSQL.
//
// Run it with `make bench` (scripts/bench.sh boots a throwaway cluster), or
// against a running server:
//
//	go run ./bench/projections -n 1000000 -duration 3s
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgstore"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "projections bench:", err)
		os.Exit(1)
	}
}

type options struct {
	dsn      string
	duration time.Duration
	keep     bool
	maxIter  int
	n        int
	out      string
	pageSize int
}

func run(ctx context.Context, stdout io.Writer, args []string) error {
	var o options
	fs := flag.NewFlagSet("projections", flag.ContinueOnError)
	fs.StringVar(&o.dsn, "dsn", "", "server connection string (default: the PG* environment variables)")
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "measuring time per scenario")
	fs.BoolVar(&o.keep, "keep", false, "keep the benchmark database")
	fs.IntVar(&o.maxIter, "max-iterations", 5000, "maximum queries per scenario")
	fs.IntVar(&o.n, "n", 1_000_000, "projections loaded")
	fs.StringVar(&o.out, "out", "", "also write the report to this file")
	fs.IntVar(&o.pageSize, "page-size", 20, "page size (limit) of every query")
	if err := fs.Parse(args); err != nil {
		return err
	}

	admin, err := pgx.Connect(ctx, o.dsn)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer admin.Close(ctx)
	dbName := fmt.Sprintf("pgevents_bench_projections_%d", os.Getpid())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+dbName); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	if !o.keep {
		defer func() {
			if _, err := admin.Exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+dbName+" WITH (FORCE)"); err != nil {
				fmt.Fprintln(os.Stderr, "drop database:", err)
			}
		}()
	}
	cfg, err := pgxpool.ParseConfig(o.dsn)
	if err != nil {
		return err
	}
	cfg.ConnConfig.Database = dbName
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	db := stdlib.OpenDBFromPool(pool)
	if err := pgevents.Migrate(ctx, db); err != nil {
		return err
	}
	_ = db.Close()

	start := time.Now()
	if err := load(ctx, pool, o.n); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	var version string
	if err := pool.QueryRow(ctx, "SHOW server_version").Scan(&version); err != nil {
		return err
	}
	report := &strings.Builder{}
	fmt.Fprintf(report, "### Projection search, PostgreSQL %s, %d projections of one name (loaded and indexed in %s)\n\n",
		version, o.n, time.Since(start).Round(100*time.Millisecond))
	fmt.Fprintf(report, "Client-side latency of one SearchProjections call (page size %d), %s per scenario (at most %d queries), one client; %s.\n\n",
		o.pageSize, o.duration, o.maxIter, loadAverage())
	fmt.Fprintln(report, "Containment uses the GIN index over state in both halves; the expression indexes are on state.email and state.score.")
	fmt.Fprintln(report)
	fmt.Fprintln(report, "| scenario | expression index | queries | rows/query | p50 | p99 | max |")
	fmt.Fprintln(report, "|---|---|---|---|---|---|---|")

	store := pgstore.NewProjectionStore(pool)
	b := &bench{n: o.n, opts: o, store: store}
	for _, indexed := range []bool{false, true} {
		if indexed {
			for _, path := range []string{"{state,email}", "{state,score}"} {
				if _, err := pool.Exec(ctx, "SELECT pgevents.add_projection_index('profile', $1)", path); err != nil {
					return fmt.Errorf("add index %s: %w", path, err)
				}
			}
			if _, err := pool.Exec(ctx, "ANALYZE pgevents.projections"); err != nil {
				return err
			}
			if err := prewarm(ctx, pool); err != nil {
				return err
			}
		}
		for _, sc := range b.scenarios() {
			res, err := b.measure(ctx, sc)
			if err != nil {
				return fmt.Errorf("%s: %w", sc.name, err)
			}
			idx := "no"
			if indexed {
				idx = "yes"
			}
			fmt.Fprintf(report, "| %s | %s | %d | %.1f | %s | %s | %s |\n", sc.name, idx, res.count, res.rows,
				ms(res.p50), ms(res.p99), ms(res.max))
		}
	}
	fmt.Fprintln(stdout, report.String())
	if o.out != "" {
		return os.WriteFile(o.out, []byte(report.String()), 0o644)
	}
	return nil
}

// load bulk-loads n "profile" projections: ids p0000001..., an email per
// projection (unique), a score 0..99999 (about 10 projections each), an age,
// and tags t0..t999 (1/1,000 of the projections each), u0..u9999 (1/10,000
// each) and "all". The GIN
// index is dropped during the load and rebuilt after (same definition).
func load(ctx context.Context, pool *pgxpool.Pool, n int) error {
	var ginDef string
	if err := pool.QueryRow(ctx, "SELECT pg_get_indexdef('pgevents.projections_state_idx'::regclass)").Scan(&ginDef); err != nil {
		return err
	}
	for _, sql := range []string{
		"DROP INDEX pgevents.projections_state_idx",
		`INSERT INTO pgevents.projections (name, id, source, state, metadata, created_at, updated_at)
		 SELECT 'profile', 'p' || lpad(g::text, 7, '0'),
		        jsonb_build_object('type', 'stream', 'category', 'profile', 'stream', 'p' || g),
		        jsonb_build_object('email', 'user' || g || '@example.com', 'score', (g::bigint * 7919) % 100000,
		                           'age', g % 90, 'name', 'User ' || g, 'tags', jsonb_build_array('t' || (g % 1000), 'u' || (g % 10000), 'all'),
		                           'address', jsonb_build_object('city', 'City ' || (g % 500), 'zip', lpad((g % 99999)::text, 5, '0'))),
		        jsonb_build_object('version', g % 7),
		        now(), now()
		   FROM generate_series(1, ` + fmt.Sprint(n) + `) g`,
		ginDef,
		"VACUUM ANALYZE pgevents.projections",
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			return err
		}
	}
	// Write the load out now, so that the checkpoint it triggers does not
	// run under the measurements (needs superuser or pg_checkpoint).
	if _, err := pool.Exec(ctx, "CHECKPOINT"); err != nil {
		fmt.Fprintln(os.Stderr, "projections bench: no CHECKPOINT after the load:", err)
	}
	return prewarm(ctx, pool)
}

// prewarm reads the table and its indexes into the caches (pg_prewarm, from
// contrib, when it can be installed), so that the first scenario does not
// pay for cold reads the others do not.
func prewarm(ctx context.Context, pool *pgxpool.Pool) error {
	if _, err := pool.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_prewarm"); err != nil {
		fmt.Fprintln(os.Stderr, "projections bench: no pg_prewarm, caches stay cold:", err)
		return nil
	}
	_, err := pool.Exec(ctx, `SELECT pg_prewarm(c.oid) FROM pg_class c
		WHERE c.oid = 'pgevents.projections'::regclass
		   OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'pgevents.projections'::regclass)`)
	return err
}

type bench struct {
	n     int
	opts  options
	store *pgstore.ProjectionStore
}

type scenario struct {
	name string
	// queries returns the queries of one iteration, run in sequence, each
	// measured; next receives the previous result's last id ("" at first).
	next func(r *rand.Rand, lastID string, step int) (json.RawMessage, bool)
}

func (b *bench) scenarios() []scenario {
	limit := b.opts.pageSize
	return []scenario{
		{name: "equal on state.email (1 match)", next: func(r *rand.Rand, _ string, step int) (json.RawMessage, bool) {
			return mustJSON(map[string]any{"name": "profile", "filters": []any{
				map[string]any{"path": []any{"state", "email"}, "op": "equal", "value": fmt.Sprintf("user%d@example.com", 1+r.IntN(b.n))}},
				"page": map[string]any{"limit": limit}}), step == 0
		}},
		{name: "score >= x, sort score asc, 5 key-set pages", next: func(r *rand.Rand, lastID string, step int) (json.RawMessage, bool) {
			if step >= 5 {
				return nil, false
			}
			q := map[string]any{"name": "profile",
				"filters": []any{map[string]any{"path": []any{"state", "score"}, "op": "greater_than_or_equal", "value": r.IntN(99000)}},
				"sort":    []any{map[string]any{"path": []any{"state", "score"}, "order": "asc"}},
				"page":    map[string]any{"limit": limit}}
			if step > 0 {
				q["page"] = map[string]any{"after": lastID, "limit": limit}
			}
			return mustJSON(q), true
		}},
		{name: "tags contains uN (100 matches)", next: func(r *rand.Rand, _ string, step int) (json.RawMessage, bool) {
			return mustJSON(map[string]any{"name": "profile", "filters": []any{
				map[string]any{"path": []any{"state", "tags"}, "op": "contains", "value": fmt.Sprintf("u%d", r.IntN(10000))}},
				"page": map[string]any{"limit": limit}}), step == 0
		}},
		{name: "tags contains tN (1,000 matches)", next: func(r *rand.Rand, _ string, step int) (json.RawMessage, bool) {
			return mustJSON(map[string]any{"name": "profile", "filters": []any{
				map[string]any{"path": []any{"state", "tags"}, "op": "contains", "value": fmt.Sprintf("t%d", r.IntN(1000))}},
				"page": map[string]any{"limit": limit}}), step == 0
		}},
	}
}

type result struct {
	count         int
	max, p50, p99 time.Duration
	rows          float64
}

func (b *bench) measure(ctx context.Context, sc scenario) (*result, error) {
	r := rand.New(rand.NewPCG(1, 2))
	var lat []time.Duration
	rows := 0
	// Warm up: a few iterations unmeasured.
	deadline := time.Now().Add(b.opts.duration)
	for warm := 3; ; warm-- {
		lastID := ""
		for step := 0; ; step++ {
			q, ok := sc.next(r, lastID, step)
			if !ok {
				break
			}
			t0 := time.Now()
			got, err := b.store.SearchProjections(ctx, q)
			d := time.Since(t0)
			if err != nil {
				return nil, fmt.Errorf("query %s: %w", q, err)
			}
			if len(got) > 0 {
				lastID = got[len(got)-1].ID
			}
			if warm <= 0 {
				lat = append(lat, d)
				rows += len(got)
			}
		}
		if warm <= 0 && (time.Now().After(deadline) || len(lat) >= b.opts.maxIter) {
			break
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	return &result{count: len(lat), p50: pct(0.50), p99: pct(0.99), max: lat[len(lat)-1],
		rows: float64(rows) / float64(len(lat))}, nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// loadAverage describes the machine's load, which latency percentiles
// depend on, from /proc/loadavg when there is one.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "load average unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "load average unknown"
	}
	return fmt.Sprintf("load average at the start %s, %s, %s on %d CPUs", f[0], f[1], f[2], runtime.NumCPU())
}
