package live_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/pgstore"
	"github.com/pgevents/pgevents/projection"
	"github.com/pgevents/pgevents/projection/live"
)

// BenchmarkCatchUp measures how fast a live projection catches up with a
// category of PGEVENTS_CATCHUP_EVENTS events (default 100,000, in 100
// streams), next to a raw scan of the same category (Category.Scan, pages
// of the live projections' batch size, through the same pgstore Store and
// pool), against the test cluster: events/s of each and their ratio.
// "total" is a trivial cross-stream projector (one projection: one load
// and one save per batch); "per-stream" keeps one projection per
// stream (the events were appended 1,000 at a time to one stream, so a
// batch touches a few streams). PGEVENTS_CATCHUP_BATCH sets the batch
// and page size (default live.DefaultBatchSize, 5,000). An untimed raw
// scan first sets the new rows' hint bits. The catch-up's
// clock starts when the runner starts, after its consumer group was
// created (set-up is not timed), and stops when the group's checkpoint
// reaches the last event (polled every 5 ms, without counting the lag).
// Next to the wall-time ratios it reports the same ratios in events per
// CPU second of this process and the whole server (cpu-*/raw, when the
// server's processes are readable in /proc): on a shared machine the
// load changes between the phases, the CPU each one costs much less.
// make bench runs it with 1,000,000 events (scripts/bench.sh).
func BenchmarkCatchUp(b *testing.B) {
	ctx := context.Background()
	n := 100_000
	if v := os.Getenv("PGEVENTS_CATCHUP_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	batchSize := live.DefaultBatchSize
	if v := os.Getenv("PGEVENTS_CATCHUP_BATCH"); v != "" {
		var err error
		if batchSize, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	pool := pgtest.NewPool(b)
	store, err := pgstore.New(pool, nil)
	if err != nil {
		b.Fatal(err)
	}
	client := pgevents.NewClient(store)
	for i := 0; i < n; i += 1000 {
		batch := make([]pgevents.NewEvent, min(1000, n-i))
		for j := range batch {
			batch[j] = pgevents.NewEvent{Name: "Deposited", Payload: json.RawMessage(`{"customer": "c"}`)}
		}
		if _, err := client.Stream("acct", fmt.Sprintf("s%d", (i/1000)%100)).Append(ctx, batch, nil); err != nil {
			b.Fatal(err)
		}
	}
	var last int64
	if err := pool.QueryRow(ctx, `SELECT max(sequence_number) FROM pgevents.events WHERE category = 'acct'`).Scan(&last); err != nil {
		b.Fatal(err)
	}
	var cRaw, cTotal, cStream time.Duration // CPU (client and server)
	cpuOK := true
	raw := func() time.Duration {
		c0, ok0 := cpuUsed(ctx, b, pool)
		start := time.Now()
		count := 0
		for _, err := range client.Category("acct").Scan(ctx, &pgevents.ScanOpts{PageSize: batchSize}) {
			if err != nil {
				b.Fatal(err)
			}
			count++
		}
		if count != n {
			b.Fatalf("scanned %d events, want %d", count, n)
		}
		elapsed := time.Since(start)
		c1, ok1 := cpuUsed(ctx, b, pool)
		cRaw += c1.since(c0)
		cpuOK = cpuOK && ok0 && ok1
		return elapsed
	}
	// Untimed warm-up: the first read of new rows sets their hint bits
	// (a commit status lookup per row); neither side should pay that.
	raw()
	cRaw = 0
	projections := pgstore.NewProjectionStore(pool)
	consumers := pgstore.NewConsumerStore(store)
	run := 0
	catchUp := func(key func(pgevents.Event) (string, bool), cpu *time.Duration) time.Duration {
		run++
		p, err := projection.New(&projection.Config[tally, struct{}]{Name: fmt.Sprintf("bench-%d", run),
			Handlers: map[string]projection.Handler[tally]{"deposited": func(s tally, e pgevents.Event) (tally, error) {
				s.Count++
				return s, nil
			}}})
		if err != nil {
			b.Fatal(err)
		}
		lp, err := live.NewProjection(p, &live.Options[tally, struct{}]{Source: pgevents.CategoryID("acct"), Key: key, BatchSize: batchSize})
		if err != nil {
			b.Fatal(err)
		}
		runner, err := live.NewRunner(&live.Config{Consumers: consumers, Projections: projections.ForBatch,
			PollInterval: 5 * time.Millisecond}, lp)
		if err != nil {
			b.Fatal(err)
		}
		// Set-up, untimed: the group the runner would create (Run finds it).
		if _, err := consumers.CreateGroup(ctx, &consumer.CreateGroupParams{Group: "projection:" + p.Name(),
			Source: pgevents.CategoryID("acct")}); err != nil {
			b.Fatal(err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		c0, ok0 := cpuUsed(ctx, b, pool)
		start := time.Now()
		go func() { done <- runner.Run(runCtx) }()
		// Caught up when the group's checkpoint reaches the last event: a
		// primary key probe (the status would count the lag, which costs
		// the database as much as the catch-up itself).
		for {
			var at int64
			if err := pool.QueryRow(ctx, `SELECT COALESCE(max(sequence_number), 0) FROM pgevents.consumer_checkpoints WHERE group_name = $1`,
				"projection:"+p.Name()).Scan(&at); err != nil {
				b.Fatal(err)
			}
			if at >= last {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		elapsed := time.Since(start)
		c1, ok1 := cpuUsed(ctx, b, pool)
		*cpu += c1.since(c0)
		cpuOK = cpuOK && ok0 && ok1
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		return elapsed
	}
	total := func(pgevents.Event) (string, bool) { return "total", true }
	var tRaw, tTotal, tStream time.Duration
	for b.Loop() {
		tRaw += raw()
		tTotal += catchUp(total, &cTotal)
		tStream += catchUp(nil, &cStream)
	}
	rate := func(d time.Duration) float64 { return float64(n) * float64(b.N) / d.Seconds() }
	b.ReportMetric(rate(tRaw), "raw-events/s")
	b.ReportMetric(rate(tTotal), "total-events/s")
	b.ReportMetric(rate(tStream), "per-stream-events/s")
	b.ReportMetric(float64(tRaw)/float64(tTotal), "total/raw")
	b.ReportMetric(float64(tRaw)/float64(tStream), "per-stream/raw")
	if cpuOK && cTotal > 0 && cStream > 0 {
		// Events per CPU second (this process and every server process),
		// as ratios: steadier than wall time on a loaded machine.
		b.ReportMetric(float64(cRaw)/float64(cTotal), "cpu-total/raw")
		b.ReportMetric(float64(cRaw)/float64(cStream), "cpu-per-stream/raw")
	}
}

// cpuUsed returns the CPU time used so far by this process and by every
// process of the database server (pg_stat_activity's, read from /proc:
// backends and background processes), and false when that cannot be read
// (a server on another host or in a container).
func cpuUsed(ctx context.Context, b *testing.B, pool *pgxpool.Pool) (cpuSample, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return cpuSample{}, false
	}
	sample := cpuSample{self: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), server: map[int32]time.Duration{}}
	rows, err := pool.Query(ctx, `SELECT pid FROM pg_catalog.pg_stat_activity`)
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatal(err)
	}
	for _, pid := range pids {
		cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil || !strings.HasPrefix(string(cmd), "postgres") {
			return cpuSample{}, false
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return cpuSample{}, false
		}
		// After "pid (comm) ": state is field 3; utime and stime are 14, 15.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 13 {
			return cpuSample{}, false
		}
		utime, err1 := strconv.ParseInt(f[11], 10, 64)
		stime, err2 := strconv.ParseInt(f[12], 10, 64)
		if err1 != nil || err2 != nil {
			return cpuSample{}, false
		}
		sample.server[pid] = time.Duration(utime+stime) * time.Second / 100 // USER_HZ
	}
	return sample, true
}

// cpuSample is the CPU time used so far by this process and by each
// server process.
type cpuSample struct {
	self   time.Duration
	server map[int32]time.Duration
}

// since returns the CPU time used between start and s: by this process,
// and by the server processes alive at s (all of it for those started
// since; a process that ended in between is not counted).
func (s cpuSample) since(start cpuSample) time.Duration {
	d := s.self - start.self
	for pid, t := range s.server {
		d += t - start.server[pid]
	}
	return d
}
