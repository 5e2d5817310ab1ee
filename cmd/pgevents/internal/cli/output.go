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
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgstore"
)

// openPool connects a small pool to the database named by databaseURL
// (else $DATABASE_URL, else the PG* variables) and pings it. As open, it
// never prints the URL: it may hold a password.
func (e *env) openPool(ctx context.Context, databaseURL string) (*pgxpool.Pool, error) {
	source := "--database-url"
	if databaseURL == "" {
		databaseURL = e.getenv(EnvDatabaseURL)
		source = "$" + EnvDatabaseURL
	}
	if databaseURL == "" {
		source = "the PG* variables"
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("pgevents: invalid database URL (from %s): %w", source, err)
	}
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgevents: connect to the database (from %s): %w", source, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgevents: connect to the database (from %s): %w\n"+
			"hint: set --database-url, $%s or the PG* variables", source, err, EnvDatabaseURL)
	}
	return pool, nil
}

// openStore opens a pool (openPool) and returns a pgstore.Store over it, and
// a function that closes the pool.
func (e *env) openStore(ctx context.Context, databaseURL string) (*pgstore.Store, func(), error) {
	pool, err := e.openPool(ctx, databaseURL)
	if err != nil {
		return nil, nil, err
	}
	store, err := pgstore.New(pool, nil)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return store, pool.Close, nil
}

// eventJSON is an event as a JSON line (--json).
type eventJSON struct {
	Category       string          `json:"category"`
	Cursor         string          `json:"cursor"`
	ID             string          `json:"id"`
	Metadata       json.RawMessage `json:"metadata"`
	Name           string          `json:"name"`
	ObservedAt     string          `json:"observed_at"`
	OccurredAt     string          `json:"occurred_at"`
	Payload        json.RawMessage `json:"payload"`
	Position       int64           `json:"position"`
	SequenceNumber int64           `json:"sequence_number"`
	Stream         string          `json:"stream"`
	TransactionID  string          `json:"transaction_id"`
}

// timeFormat prints timestamps as PostgreSQL stores them: microseconds, UTC.
const timeFormat = "2006-01-02T15:04:05.000000Z07:00"

// rawJSON returns b as a JSON value: as it is when it is valid JSON (what
// the database stores always is), else as a JSON string of its text.
func rawJSON(b []byte) json.RawMessage {
	if json.Valid(b) {
		return b
	}
	s, _ := json.Marshal(string(b))
	return s
}

// eventPrinter prints events as an aligned table (one block per flush) or
// as JSON lines.
type eventPrinter struct {
	full   bool // table: do not shorten payloads
	json   bool
	out    io.Writer
	tw     *tabwriter.Writer
	header bool // the table header was printed
}

func newEventPrinter(out io.Writer, asJSON, full bool) *eventPrinter {
	return &eventPrinter{out: out, json: asJSON, full: full}
}

// print writes one event (buffered until flush in table mode).
func (p *eventPrinter) print(ev pgevents.Event) error {
	if p.json {
		b, err := json.Marshal(eventJSON{
			Category: ev.Category, Cursor: ev.Cursor().String(), ID: ev.ID.String(),
			Metadata: rawJSON(ev.Metadata), Name: ev.Name,
			ObservedAt: ev.ObservedAt.UTC().Format(timeFormat), OccurredAt: ev.OccurredAt.UTC().Format(timeFormat),
			Payload: rawJSON(ev.Payload), Position: ev.Position, SequenceNumber: ev.SequenceNumber,
			Stream: ev.Stream, TransactionID: strconv.FormatUint(ev.TransactionID, 10),
		})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(p.out, "%s\n", b)
		return err
	}
	if p.tw == nil {
		p.tw = tabwriter.NewWriter(p.out, 0, 0, 2, ' ', 0)
	}
	if !p.header {
		fmt.Fprintln(p.tw, "CURSOR\tCATEGORY\tSTREAM\tPOSITION\tNAME\tOBSERVED_AT\tPAYLOAD")
		p.header = true
	}
	payload := string(ev.Payload)
	if !p.full {
		payload = shorten(payload, 60)
	}
	_, err := fmt.Fprintf(p.tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", ev.Cursor(), cell(ev.Category), cell(ev.Stream),
		ev.Position, cell(ev.Name), ev.ObservedAt.UTC().Format(timeFormat), cell(payload))
	return err
}

// flush writes the buffered table rows.
func (p *eventPrinter) flush() error {
	if p.tw == nil {
		return nil
	}
	return p.tw.Flush()
}

// cell makes s safe for one table cell: control characters (tabs and
// newlines included, which would break the alignment) are escaped.
func cell(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == utf8.RuneError }) {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

// shorten cuts s to at most n runes, ending with "…" when cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
