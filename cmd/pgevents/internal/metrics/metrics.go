// Package metrics serves Prometheus metrics about a pgevents database: the
// snapshot fence and its lag, totals and per-category counts and rates (exact
// or planner estimates, labelled), and consumer lag when the consumers
// feature is installed. Every metric is a gauge read from the database at
// scrape time (cached for Config.CacheFor), named with the prefix
// "pgevents_". The serve command mounts the Handler at /metrics.
//
// The metrics come from pgstore's LogStats and CategoryStats (whose cost does
// not grow with the number of events) and pgevents.consumer_status(). A role
// with pgevents_reader is enough.
package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgevents/pgevents/pgstore"
)

// ContentType is the Prometheus text exposition format the Handler serves.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Defaults of Config's fields.
const (
	DefaultCacheFor      = 5 * time.Second
	DefaultMaxCategories = 1000
	DefaultTimeout       = 10 * time.Second
)

// Querier runs a query: *pgxpool.Pool, *pgx.Conn and pgx.Tx are Queriers.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Config configures a Handler.
type Config struct {
	// CacheFor is how long a scrape's result is served again before the
	// database is asked anew (so frequent scrapes cost the database at most
	// one stats query per period). Zero means DefaultCacheFor; negative
	// disables the cache.
	CacheFor time.Duration
	// CountBudget is passed to the stats functions (nil: the installation's
	// setting stats_max_count).
	CountBudget *int
	// DB runs the consumer status query. nil skips consumer metrics.
	DB Querier
	// MaxCategories bounds the categories exported (one series each); zero
	// means DefaultMaxCategories. pgevents_categories_truncated is 1 when
	// there were more.
	MaxCategories int
	// Store reads the stats. Required.
	Store *pgstore.Store
	// Timeout bounds one scrape's queries. Zero means DefaultTimeout.
	Timeout time.Duration
}

// Handler is an http.Handler serving the metrics in the Prometheus text
// format. It is safe for concurrent use.
type Handler struct {
	cfg Config

	mu      sync.Mutex
	body    []byte
	scraped time.Time
}

// NewHandler returns a Handler for cfg. It panics when cfg.Store is nil (a
// programmer error).
func NewHandler(cfg Config) *Handler {
	if cfg.Store == nil {
		panic("pgevents: metrics: NewHandler needs a Store")
	}
	if cfg.CacheFor == 0 {
		cfg.CacheFor = DefaultCacheFor
	}
	if cfg.MaxCategories <= 0 {
		cfg.MaxCategories = DefaultMaxCategories
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &Handler{cfg: cfg}
}

// ServeHTTP answers GET and HEAD with the current metrics. When the database
// cannot be read it still answers 200, with pgevents_up 0 and the error as
// a comment, so that the scrape itself records the outage.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h.mu.Lock()
	if h.cfg.CacheFor < 0 || h.body == nil || time.Since(h.scraped) >= h.cfg.CacheFor {
		ctx, cancel := context.WithTimeout(r.Context(), h.cfg.Timeout)
		h.body = h.scrape(ctx)
		cancel()
		h.scraped = time.Now()
	}
	body := h.body
	h.mu.Unlock()
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

// scrape reads everything and renders it.
func (h *Handler) scrape(ctx context.Context) []byte {
	start := time.Now()
	var b bytes.Buffer
	up := 1.0
	if err := h.writeStats(ctx, &b); err != nil {
		up = 0
		fmt.Fprintf(&b, "# pgevents: stats failed: %s\n", oneLine(err.Error()))
	}
	if h.cfg.DB != nil {
		if err := h.writeConsumers(ctx, &b); err != nil {
			fmt.Fprintf(&b, "# pgevents: consumer metrics skipped: %s\n", oneLine(err.Error()))
		}
	}
	gauge(&b, "pgevents_up", "1 when the last scrape read the database, 0 when it failed (see the comment lines).", nil, up)
	gauge(&b, "pgevents_scrape_duration_seconds", "How long the last scrape's queries took.", nil, time.Since(start).Seconds())
	return b.Bytes()
}

func (h *Handler) writeStats(ctx context.Context, b *bytes.Buffer) error {
	log, err := h.cfg.Store.LogStats(ctx, &pgstore.StatsParams{CountBudget: h.cfg.CountBudget})
	if err != nil {
		return err
	}
	var cats []pgstore.CategoryStats
	truncated := 0.0
	for after := ""; len(cats) < h.cfg.MaxCategories; {
		n := min(1000, h.cfg.MaxCategories-len(cats)+1)
		page, err := h.cfg.Store.CategoryStats(ctx, &pgstore.CategoryStatsParams{After: after, Limit: n, CountBudget: h.cfg.CountBudget})
		if err != nil {
			return err
		}
		cats = append(cats, page...)
		if len(page) < n {
			break
		}
		after = page[len(page)-1].Category
	}
	if len(cats) > h.cfg.MaxCategories {
		cats, truncated = cats[:h.cfg.MaxCategories], 1
	}

	gauge(b, "pgevents_fence_lag_seconds", "How long the oldest event held back by the snapshot fence has waited (0: none held back). Grows while a long or idle transaction anywhere in the cluster is open.", nil, log.Fence.Lag.Seconds())
	gauge(b, "pgevents_fence_held_back_events", "Committed events the snapshot fence holds back from resumable readers.", nil, float64(log.Fence.HeldBackEvents))
	gauge(b, "pgevents_fence_transaction_id", "The snapshot fence: resumable reads return events of transactions below it.", nil, float64(log.Fence.Fence))
	countGauge(b, "pgevents_events", "Events in the log (exact=\"false\": a planner estimate).", nil, log.Events)
	countGauge(b, "pgevents_streams", "Streams in the log (exact=\"false\": a planner estimate).", nil, log.Streams)
	countGauge(b, "pgevents_categories", "Categories in the log (exact=\"false\": a planner estimate).", nil, log.Categories)
	countGauge(b, "pgevents_events_last_minute", "Events recorded in the last minute (exact=\"false\": an estimate).", nil, log.LastMinute)
	countGauge(b, "pgevents_events_last_hour", "Events recorded in the last hour (exact=\"false\": an estimate).", nil, log.LastHour)
	gauge(b, "pgevents_max_sequence_number", "The highest sequence number.", nil, float64(log.MaxSequenceNumber))
	if !log.LatestObservedAt.IsZero() {
		gauge(b, "pgevents_latest_event_timestamp_seconds", "When the latest event was recorded (Unix time).", nil, unixSeconds(log.LatestObservedAt))
	}
	gauge(b, "pgevents_categories_truncated", "1 when there are more categories than the per-category metrics list.", nil, truncated)

	type series struct {
		name, help string
		value      func(c *pgstore.CategoryStats) pgstore.Count
	}
	for _, s := range []series{
		{"pgevents_category_events", "Events per category (exact=\"false\": a planner estimate).", func(c *pgstore.CategoryStats) pgstore.Count { return c.Events }},
		{"pgevents_category_streams", "Streams per category (exact=\"false\": an estimate).", func(c *pgstore.CategoryStats) pgstore.Count { return c.Streams }},
		{"pgevents_category_events_last_minute", "Events per category recorded in the last minute (exact=\"false\": an estimate).", func(c *pgstore.CategoryStats) pgstore.Count { return c.LastMinute }},
		{"pgevents_category_events_last_hour", "Events per category recorded in the last hour (exact=\"false\": an estimate).", func(c *pgstore.CategoryStats) pgstore.Count { return c.LastHour }},
	} {
		header(b, s.name, s.help)
		for i := range cats {
			c := s.value(&cats[i])
			sample(b, s.name, []label{{"category", cats[i].Category}, {"exact", strconv.FormatBool(c.Exact)}}, float64(c.N))
		}
	}
	header(b, "pgevents_category_latest_event_timestamp_seconds", "When each category's latest event was recorded (Unix time).")
	for i := range cats {
		sample(b, "pgevents_category_latest_event_timestamp_seconds", []label{{"category", cats[i].Category}}, unixSeconds(cats[i].LatestObservedAt))
	}
	return nil
}

// consumerStatusQuery reads pgevents.consumer_status(), one row per
// partition of every consumer group.
const consumerStatusQuery = `SELECT s.group_name, s.partition::text, s.lag_events::float8,
       COALESCE(EXTRACT(epoch FROM s.lag), 0)::float8, COALESCE(s.held_back_events, 0)::float8,
       COALESCE(s.parked_events, 0)::float8
  FROM pgevents.consumer_status() s`

// writeConsumers writes consumer lag when pgevents.consumer_status() exists;
// without it (consumers not installed) it writes nothing and returns nil.
func (h *Handler) writeConsumers(ctx context.Context, b *bytes.Buffer) error {
	rows, err := h.cfg.DB.Query(ctx, `SELECT pg_catalog.to_regprocedure('pgevents.consumer_status(text)') IS NOT NULL`)
	if err != nil {
		return err
	}
	exists, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[bool])
	if err != nil || !exists {
		return err
	}
	rows, err = h.cfg.DB.Query(ctx, consumerStatusQuery)
	if err != nil {
		return err
	}
	type partition struct {
		group, partition          string
		lag, lagSec, held, parked float64
	}
	var parts []partition
	for rows.Next() {
		var p partition
		if err := rows.Scan(&p.group, &p.partition, &p.lag, &p.lagSec, &p.held, &p.parked); err != nil {
			rows.Close()
			return err
		}
		parts = append(parts, p)
	}
	if err := rows.Err(); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "42883" || pgErr.Code == "42703" || pgErr.Code == "42501") {
			return fmt.Errorf("pgevents.consumer_status() is not the expected one or not allowed: %w", err)
		}
		return err
	}
	sort.Slice(parts, func(i, j int) bool {
		if parts[i].group != parts[j].group {
			return parts[i].group < parts[j].group
		}
		return parts[i].partition < parts[j].partition
	})
	for _, s := range []struct {
		name, help string
		value      func(p *partition) float64
	}{
		{"pgevents_consumer_lag_events", "Events committed after a consumer group partition's checkpoint, not yet handled.", func(p *partition) float64 { return p.lag }},
		{"pgevents_consumer_lag_seconds", "How long the oldest event a consumer group partition has not handled has waited (0: none).", func(p *partition) float64 { return p.lagSec }},
		{"pgevents_consumer_held_back_events", "Events of a consumer group partition's lag that the snapshot fence still holds back.", func(p *partition) float64 { return p.held }},
		{"pgevents_consumer_parked_events", "Parked (dead-letter) events of a consumer group partition.", func(p *partition) float64 { return p.parked }},
	} {
		header(b, s.name, s.help)
		for i := range parts {
			sample(b, s.name, []label{{"group", parts[i].group}, {"partition", parts[i].partition}}, s.value(&parts[i]))
		}
	}
	return nil
}

type label struct{ name, value string }

func header(b *bytes.Buffer, name, help string) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, escapeHelp(help), name)
}

func sample(b *bytes.Buffer, name string, labels []label, v float64) {
	b.WriteString(name)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i, l := range labels {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(l.name)
			b.WriteString(`="`)
			b.WriteString(escapeLabel(l.value))
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	b.WriteString(formatValue(v))
	b.WriteByte('\n')
}

func gauge(b *bytes.Buffer, name, help string, labels []label, v float64) {
	header(b, name, help)
	sample(b, name, labels, v)
}

func countGauge(b *bytes.Buffer, name, help string, labels []label, c pgstore.Count) {
	gauge(b, name, help, append(labels, label{"exact", strconv.FormatBool(c.Exact)}), float64(c.N))
}

func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixMicro()) / 1e6 }

// escapeLabel escapes a label value as the text format requires: backslash,
// double quote and newline.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

// oneLine keeps a message on one comment line.
func oneLine(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
}
