package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/pgevents/pgevents/pgstore"
)

const statsUsage = `Usage:
  pgevents stats [--category C] [--names N] [--count-budget N] [--json]
                 [--database-url URL]

Prints what the store holds and how it moves: events, streams, categories,
events recorded in the last minute and hour, the latest event, the snapshot
fence and what it holds back (the fence lag); then one line per category
(or only --category C) and the most frequent event names (--names N, default
10; 0 = none) of the log or of --category.

It never counts the whole log: numbers are exact up to a count budget
(--count-budget N index entries per query; default and maximum: the
installation's setting stats_max_count, 100000 unless changed; 0 =
estimates only) and beyond it estimates from PostgreSQL's planner statistics
(kept by autovacuum's ANALYZE), shown with a leading "~" ("exact": false in
JSON). Its cost grows with the number of categories, not of events; appends
pay nothing for it. Last minute/hour counts start at the first event
recorded then (observed_at), found by a binary search on sequence numbers.
Category lists are fetched 1000 at a time, with progress on stderr.

With --json it prints JSON lines: {"type":"log",...}, then
{"type":"category",...} per category and {"type":"event_name",...} per name;
each count is {"count": N, "exact": bool}.
Exit codes: 0 ok, 1 error, 2 usage, 130 interrupted (Ctrl-C, SIGTERM).
`

func (e *env) stats(ctx context.Context, databaseURL string, args []string) error {
	fs := newFlagSet("pgevents stats")
	fs.StringVar(&databaseURL, "database-url", databaseURL, databaseURLUsage)
	var (
		category string
		names    int
		budget   int
		asJSON   bool
	)
	fs.StringVar(&category, "category", "", "only this category (and its event names)")
	fs.IntVar(&names, "names", 10, "most frequent event names to print (0 = none, at most 10000)")
	fs.IntVar(&budget, "count-budget", -1, "index entries each query may count exactly (default: the setting stats_max_count; 0 = estimates only)")
	fs.BoolVar(&asJSON, "json", false, "print JSON lines instead of tables")
	if err := e.parse(fs, statsUsage, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return e.usageError(statsUsage, "stats: unexpected argument %q", fs.Arg(0))
	case names < 0 || names > 10000:
		return e.usageError(statsUsage, "stats: --names must be between 0 and 10000")
	case budget < -1:
		return e.usageError(statsUsage, "stats: --count-budget must not be negative")
	}
	var countBudget *int
	if budget >= 0 {
		countBudget = &budget
	}
	store, closeStore, err := e.openStore(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer closeStore()

	start := time.Now()
	log, err := store.LogStats(ctx, &pgstore.StatsParams{CountBudget: countBudget})
	if err != nil {
		return err
	}
	var cats []pgstore.CategoryStats
	const page = 1000
	for after := ""; ; {
		got, err := store.CategoryStats(ctx, &pgstore.CategoryStatsParams{After: after, Category: category,
			Limit: page, CountBudget: countBudget})
		if err != nil {
			return err
		}
		cats = append(cats, got...)
		if len(got) < page || category != "" {
			break
		}
		after = got[len(got)-1].Category
		fmt.Fprintf(e.stderr, "pgevents: %d categories so far (%s)\n", len(cats), time.Since(start).Round(time.Millisecond))
	}
	var nameStats []pgstore.EventNameStats
	if names > 0 {
		nameStats, err = store.EventNameStats(ctx, &pgstore.EventNameStatsParams{Category: category, Limit: names,
			CountBudget: countBudget})
		if err != nil {
			return err
		}
	}
	if asJSON {
		return e.printStatsJSON(log, cats, nameStats)
	}
	return e.printStatsTable(log, cats, nameStats, category)
}

func (e *env) printStatsJSON(log *pgstore.LogStats, cats []pgstore.CategoryStats, names []pgstore.EventNameStats) error {
	enc := json.NewEncoder(e.stdout)
	var latest *string
	if !log.LatestObservedAt.IsZero() {
		s := log.LatestObservedAt.UTC().Format(timeFormat)
		latest = &s
	}
	if err := enc.Encode(struct {
		Type string `json:"type"`
		*pgstore.LogStats
		LatestObservedAt *string `json:"latest_observed_at"`
		Fence            struct {
			Fence          string  `json:"fence"`
			HeldBackEvents int64   `json:"held_back_events"`
			LagSeconds     float64 `json:"lag_seconds"`
		} `json:"fence"`
	}{Type: "log", LogStats: log, LatestObservedAt: latest, Fence: struct {
		Fence          string  `json:"fence"`
		HeldBackEvents int64   `json:"held_back_events"`
		LagSeconds     float64 `json:"lag_seconds"`
	}{fmt.Sprint(log.Fence.Fence), log.Fence.HeldBackEvents, log.Fence.Lag.Seconds()}}); err != nil {
		return err
	}
	for i := range cats {
		if err := enc.Encode(struct {
			Type string `json:"type"`
			*pgstore.CategoryStats
			LatestObservedAt string `json:"latest_observed_at"`
		}{"category", &cats[i], cats[i].LatestObservedAt.UTC().Format(timeFormat)}); err != nil {
			return err
		}
	}
	for i := range names {
		if err := enc.Encode(struct {
			Type string `json:"type"`
			*pgstore.EventNameStats
		}{"event_name", &names[i]}); err != nil {
			return err
		}
	}
	return nil
}

func (e *env) printStatsTable(log *pgstore.LogStats, cats []pgstore.CategoryStats, names []pgstore.EventNameStats, category string) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	latest := "-"
	if !log.LatestObservedAt.IsZero() {
		latest = log.LatestObservedAt.UTC().Format(timeFormat)
	}
	lag := "none held back"
	if log.Fence.HeldBackEvents > 0 {
		lag = fmt.Sprintf("%s (%d events held back)", log.Fence.Lag.Round(time.Millisecond), log.Fence.HeldBackEvents)
	}
	fmt.Fprintln(tw, "LOG\t")
	fmt.Fprintf(tw, "  events\t%s\n", log.Events)
	fmt.Fprintf(tw, "  streams\t%s\n", log.Streams)
	fmt.Fprintf(tw, "  categories\t%s\n", log.Categories)
	fmt.Fprintf(tw, "  last minute\t%s\n", log.LastMinute)
	fmt.Fprintf(tw, "  last hour\t%s\n", log.LastHour)
	fmt.Fprintf(tw, "  max sequence number\t%d\n", log.MaxSequenceNumber)
	fmt.Fprintf(tw, "  latest event at\t%s\n", latest)
	fmt.Fprintf(tw, "  fence\t%d\n", log.Fence.Fence)
	fmt.Fprintf(tw, "  fence lag\t%s\n", lag)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout)
	if len(cats) == 0 && category != "" {
		fmt.Fprintf(e.stdout, "category %q has no events\n", category)
	} else {
		fmt.Fprintln(tw, "CATEGORY\tEVENTS\tSTREAMS\tLAST_MINUTE\tLAST_HOUR\tLATEST_EVENT_AT")
		for _, c := range cats {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cell(c.Category), c.Events, c.Streams, c.LastMinute, c.LastHour,
				c.LatestObservedAt.UTC().Format(timeFormat))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(names) > 0 {
		fmt.Fprintln(e.stdout)
		fmt.Fprintln(tw, "EVENT_NAME\tEVENTS")
		for _, n := range names {
			fmt.Fprintf(tw, "%s\t%s\n", cell(n.Name), n.Events)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(e.stdout, "\n~ = estimate from planner statistics (exact counts stop at the count budget)")
	return nil
}
