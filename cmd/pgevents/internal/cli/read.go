package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/pgevents/pgevents"
)

const readUsage = `Usage:
  pgevents read [--category C [--stream S]] [--after CURSOR | --position N]
                [--limit N] [--page-size N] [--json] [--full] [--database-url URL]

Prints events: a stream's (--category and --stream) in position order from
--position (default 0); a category's (--category) or the whole log's (no
--category) in resumable order after --after (a cursor
"transaction_id:sequence_number" as printed in the CURSOR column or the
"cursor" field; default: from the start). Category and log reads return only
events past the snapshot fence, so resuming from the last cursor printed
never skips or repeats an event (see tail -f to follow new ones).

--limit N prints at most N events (default 100; 0 = all, read page by page
with progress on stderr). After a category or log read, stderr says how to
resume: "resume with --after CURSOR". Output is an aligned table (payloads
shortened to 60 characters unless --full) or, with --json, one JSON object
per line (cursor, sequence_number, transaction_id, id, category, stream,
position, name, payload, metadata, occurred_at, observed_at).

Reads work against a hot standby too (point --database-url at it).
Exit codes: 0 ok, 1 error, 2 usage, 130 interrupted (Ctrl-C, SIGTERM).
`

// progressEvery is how many events a long read prints between progress
// lines on stderr.
const progressEvery = 10000

func (e *env) read(ctx context.Context, databaseURL string, args []string) error {
	fs := newFlagSet("pgevents read")
	fs.StringVar(&databaseURL, "database-url", databaseURL, databaseURLUsage)
	var (
		category, stream, after string
		position                int64
		limit, pageSize         int
		asJSON, full            bool
	)
	fs.StringVar(&category, "category", "", "read this category (default: the whole log)")
	fs.StringVar(&stream, "stream", "", "read this stream of --category, in position order")
	fs.StringVar(&after, "after", "", "category or log: start after this cursor (transaction_id:sequence_number)")
	fs.Int64Var(&position, "position", 0, "stream: first position to print")
	fs.IntVar(&limit, "limit", 100, "most events to print (0 = all)")
	fs.IntVar(&pageSize, "page-size", 1000, "events fetched per query")
	fs.BoolVar(&asJSON, "json", false, "print JSON lines instead of a table")
	fs.BoolVar(&full, "full", false, "table: print whole payloads")
	if err := e.parse(fs, readUsage, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return e.usageError(readUsage, "read: unexpected argument %q", fs.Arg(0))
	case stream != "" && category == "":
		return e.usageError(readUsage, "read: --stream needs --category")
	case stream != "" && after != "":
		return e.usageError(readUsage, "read: --after is for category and log reads; a stream reads from --position")
	case stream == "" && position != 0:
		return e.usageError(readUsage, "read: --position is for stream reads (--category and --stream)")
	case limit < 0:
		return e.usageError(readUsage, "read: --limit must be 0 (all) or positive")
	case pageSize < 1 || pageSize > 100000:
		return e.usageError(readUsage, "read: --page-size must be between 1 and 100000")
	case position < 0:
		return e.usageError(readUsage, "read: --position must not be negative")
	}
	var cursor pgevents.Cursor
	if after != "" {
		c, err := pgevents.ParseCursor(after)
		if err != nil {
			return e.usageError(readUsage, "read: --after: %v", err)
		}
		cursor = c
	}
	store, closeStore, err := e.openStore(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer closeStore()
	p := newEventPrinter(e.stdout, asJSON, full)
	remaining := limit
	if limit == 0 {
		remaining = math.MaxInt
	}
	printed := 0
	start := time.Now()
	for remaining > 0 {
		n := min(pageSize, remaining)
		var page []pgevents.Event
		if stream != "" {
			page, err = store.ReadStream(ctx, &pgevents.ReadStreamParams{Category: category, Stream: stream,
				FromPosition: position, Limit: n})
		} else {
			page, err = store.ReadEvents(ctx, &pgevents.ReadEventsParams{Category: category, After: cursor, Limit: n})
		}
		if err != nil {
			_ = p.flush()
			e.resumeHint(stream, printed, cursor)
			return err
		}
		for _, ev := range page {
			if err := p.print(ev); err != nil {
				return err
			}
			cursor = ev.Cursor()
			position = ev.Position + 1
		}
		if err := p.flush(); err != nil {
			return err
		}
		before := printed
		printed += len(page)
		remaining -= len(page)
		if printed/progressEvery > before/progressEvery {
			fmt.Fprintf(e.stderr, "pgevents: read %d events in %s (at cursor %s)\n", printed,
				time.Since(start).Round(time.Millisecond), cursor)
		}
		if len(page) < n {
			break
		}
	}
	e.resumeHint(stream, printed, cursor)
	return nil
}

// resumeHint tells on stderr how to continue a category or log read.
func (e *env) resumeHint(stream string, printed int, cursor pgevents.Cursor) {
	if stream != "" {
		return
	}
	if printed == 0 && cursor.IsZero() {
		fmt.Fprintln(e.stderr, "pgevents: no events")
		return
	}
	fmt.Fprintf(e.stderr, "pgevents: %d events; resume with --after %s\n", printed, cursor)
}

const latestUsage = `Usage:
  pgevents latest [--category C [--stream S]] [--json] [--full] [--database-url URL]

Prints the latest event of a stream (--category and --stream: the highest
position), a category (--category) or the whole log (neither): the last one
in resumable order among those committed now, including events the snapshot
fence still holds back from resumable reads (so do not resume from its
cursor; use read or tail -f for that).

Exit codes: 0 printed, 1 error, 2 usage, 3 no event (the stream, category or
log is empty).
`

func (e *env) latest(ctx context.Context, databaseURL string, args []string) error {
	fs := newFlagSet("pgevents latest")
	fs.StringVar(&databaseURL, "database-url", databaseURL, databaseURLUsage)
	var (
		category, stream string
		asJSON, full     bool
	)
	fs.StringVar(&category, "category", "", "latest event of this category (default: the whole log)")
	fs.StringVar(&stream, "stream", "", "latest event of this stream of --category")
	fs.BoolVar(&asJSON, "json", false, "print a JSON line instead of a table")
	fs.BoolVar(&full, "full", false, "table: print the whole payload")
	if err := e.parse(fs, latestUsage, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return e.usageError(latestUsage, "latest: unexpected argument %q", fs.Arg(0))
	case stream != "" && category == "":
		return e.usageError(latestUsage, "latest: --stream needs --category")
	}
	store, closeStore, err := e.openStore(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer closeStore()
	ev, err := store.LatestEvent(ctx, &pgevents.LatestEventParams{Source: pgevents.Identifier{Category: category, Stream: stream}})
	if errors.Is(err, pgevents.ErrNotFound) {
		fmt.Fprintln(e.stderr, "pgevents: no event")
		return errNotFound
	}
	if err != nil {
		return err
	}
	p := newEventPrinter(e.stdout, asJSON, full)
	if err := p.print(*ev); err != nil {
		return err
	}
	return p.flush()
}

// errNotFound is returned by latest when there is no event (ExitNotFound).
var errNotFound = errors.New("not found")
