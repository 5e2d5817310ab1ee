package cli

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/pgevents/pgevents"
)

const tailUsage = `Usage:
  pgevents tail [-f] [--category C] [--after CURSOR] [--interval D]
                [--json] [--full] [--database-url URL]

Prints the events of a category (--category) or of the whole log, in
resumable order, as they pass the snapshot fence: after --after CURSOR (a
cursor printed earlier), else from now (events whose transactions had not
ended when tail started, and every later one). Without -f it stops once it
has caught up; with -f (--follow) it keeps polling every --interval
(default 500ms) for new events until Ctrl-C or SIGTERM.

When it stops, for any reason, it prints the cursor to resume from on
stderr ("resume with --after CURSOR"); the next tail --after CURSOR (or read
--after CURSOR) continues exactly there: nothing skipped, nothing repeated.
An event shows up once every transaction older than its own has ended (a
long or idle transaction anywhere in the cluster delays it: see stats).

Output as for read: an aligned table (flushed after each batch) or JSON
lines (--json).
Exit codes: 0 caught up (without -f) or stopped by Ctrl-C / SIGTERM (with
-f), 1 error, 2 usage.
`

func (e *env) tail(ctx context.Context, databaseURL string, args []string) error {
	fs := newFlagSet("pgevents tail")
	fs.StringVar(&databaseURL, "database-url", databaseURL, databaseURLUsage)
	var (
		category, after      string
		follow, asJSON, full bool
		interval             time.Duration
		pageSize             int
	)
	fs.StringVar(&category, "category", "", "follow this category (default: the whole log)")
	fs.StringVar(&after, "after", "", "start after this cursor (transaction_id:sequence_number); default: now")
	fs.BoolVar(&follow, "f", false, "follow: keep waiting for new events until Ctrl-C or SIGTERM")
	fs.BoolVar(&follow, "follow", false, "same as -f")
	fs.DurationVar(&interval, "interval", 500*time.Millisecond, "with -f: how often to poll when caught up")
	fs.IntVar(&pageSize, "page-size", 1000, "events fetched per query")
	fs.BoolVar(&asJSON, "json", false, "print JSON lines instead of a table")
	fs.BoolVar(&full, "full", false, "table: print whole payloads")
	if err := e.parse(fs, tailUsage, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return e.usageError(tailUsage, "tail: unexpected argument %q", fs.Arg(0))
	case interval < time.Millisecond || interval > time.Hour:
		return e.usageError(tailUsage, "tail: --interval must be between 1ms and 1h")
	case pageSize < 1 || pageSize > 100000:
		return e.usageError(tailUsage, "tail: --page-size must be between 1 and 100000")
	}
	var cursor pgevents.Cursor
	if after != "" {
		c, err := pgevents.ParseCursor(after)
		if err != nil {
			return e.usageError(tailUsage, "tail: --after: %v", err)
		}
		cursor = c
	}
	store, closeStore, err := e.openStore(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer closeStore()
	if after == "" {
		// From now: after every event of a transaction below the fence
		// (all ended, and visible now), so before every event of the
		// transactions still running and of every later one.
		lag, err := store.FenceLag(ctx)
		if err != nil {
			return err
		}
		if lag.Fence > 1 {
			cursor = pgevents.Cursor{TransactionID: lag.Fence - 1, SequenceNumber: math.MaxInt64}
		}
	}
	if follow {
		what := "the log"
		if category != "" {
			what = "category " + category
		}
		fmt.Fprintf(e.stderr, "pgevents: following %s after cursor %s (Ctrl-C to stop)\n", cell(what), cursor)
	}
	p := newEventPrinter(e.stdout, asJSON, full)
	defer func() { fmt.Fprintf(e.stderr, "pgevents: resume with --after %s\n", cursor) }()
	for {
		page, err := store.ReadEvents(ctx, &pgevents.ReadEventsParams{Category: category, After: cursor, Limit: pageSize})
		if err != nil {
			if follow && ctx.Err() != nil {
				return nil // Ctrl-C or SIGTERM: a clean stop
			}
			return err
		}
		for _, ev := range page {
			if err := p.print(ev); err != nil {
				return err
			}
			cursor = ev.Cursor()
		}
		if err := p.flush(); err != nil {
			return err
		}
		if len(page) == pageSize {
			continue
		}
		if !follow {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}
