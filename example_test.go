package pgevents_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/memstore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Example demonstrates appending to a stream and reading it back. The
// examples here use the in-memory adapter; with PostgreSQL, pass
// pgstore.New(pool, nil) to NewClient instead.
func Example() {
	ctx := context.Background()
	client := pgevents.NewClient(memstore.New(nil))

	account := client.Stream("account", "acct-1")
	stored, err := account.Append(ctx, []pgevents.NewEvent{
		{Name: "Opened", Payload: json.RawMessage(`{"owner": "ada"}`)},
		{Name: "Deposited", Payload: json.RawMessage(`{"amount": 100}`), Metadata: json.RawMessage(`{"by": "teller-7"}`)},
	}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("appended at positions", stored[0].Position, stored[1].Position)

	events, err := account.Read(ctx, nil)
	if err != nil {
		panic(err)
	}
	for _, e := range events {
		fmt.Println(e.Position, e.Name, string(e.Payload), string(e.Metadata))
	}
	// Output:
	// appended at positions 0 1
	// 0 Opened {"owner": "ada"} null
	// 1 Deposited {"amount": 100} {"by": "teller-7"}
}

// ExampleStream_Append_conditions demonstrates optimistic concurrency: an
// append that expects a position fails, writing nothing, when another
// writer got there first, and the error says which condition failed.
func ExampleStream_Append_conditions() {
	ctx := context.Background()
	client := pgevents.NewClient(memstore.New(nil))
	account := client.Stream("account", "acct-1")

	deposit := []pgevents.NewEvent{{Name: "Deposited", Payload: json.RawMessage(`{"amount": 5}`)}}
	_, err := account.Append(ctx, deposit, &pgevents.AppendOpts{Condition: pgevents.StreamIsEmpty()})
	fmt.Println("first append:", err)

	pos, _ := account.Position(ctx) // 0
	_, err = account.Append(ctx, deposit, &pgevents.AppendOpts{Condition: pgevents.ExpectedPosition(pos)})
	fmt.Println("at the expected position:", err)

	// A writer that still believes the latest position is 0.
	_, err = account.Append(ctx, deposit, &pgevents.AppendOpts{Condition: pgevents.PositionIs(0)})
	var ce *pgevents.ConditionError
	if errors.As(err, &ce) {
		fmt.Println("stale writer:", errors.Is(err, pgevents.ErrUnexpectedPosition), ce.Code, ce.Condition, "latest:", *ce.Position)
	}

	// Conditions combine; "or" fails only when no alternative holds.
	_, err = account.Append(ctx, deposit, &pgevents.AppendOpts{
		Condition: pgevents.Or(pgevents.StreamIsEmpty(), pgevents.PositionIs(7)),
	})
	fmt.Println("or:", errors.Is(err, pgevents.ErrConditionFailed), errors.As(err, &ce), ce.Code, len(ce.Failures))
	// Output:
	// first append: <nil>
	// at the expected position: <nil>
	// stale writer: true PE001 {"type":"position_is","position":0} latest: 1
	// or: true true PE005 2
}

// ExampleRetryOnConditionFailed demonstrates the read-decide-append loop:
// when a concurrent writer moves the stream, the whole decision runs again
// on fresh state.
func ExampleRetryOnConditionFailed() {
	ctx := context.Background()
	client := pgevents.NewClient(memstore.New(nil))
	counter := client.Stream("counter", "visits")

	attempts := 0
	err := pgevents.RetryOnConditionFailed(ctx, 3, func(ctx context.Context) error {
		attempts++
		pos, err := counter.Position(ctx)
		if err != nil {
			return err
		}
		if attempts == 1 { // simulate a concurrent writer sneaking in
			if _, err := counter.Append(ctx, []pgevents.NewEvent{{Name: "Visited"}}, nil); err != nil {
				return err
			}
		}
		_, err = counter.Append(ctx, []pgevents.NewEvent{{Name: "Visited"}},
			&pgevents.AppendOpts{Condition: pgevents.ExpectedPosition(pos)})
		return err
	})
	latest, _ := counter.Position(ctx)
	fmt.Println(err, "attempts:", attempts, "latest position:", *latest)
	// Output:
	// <nil> attempts: 2 latest position: 1
}

// ExampleCategory_Scan demonstrates a resumable reader: it scans a category,
// remembers the cursor of the last event it handled (for example in its own
// table), and later resumes exactly there — never skipping or repeating an
// event, however writers interleave.
func ExampleCategory_Scan() {
	ctx := context.Background()
	client := pgevents.NewClient(memstore.New(nil))
	orders := client.Category("order")
	place := func(stream, name string) {
		if _, err := orders.Stream(stream).Append(ctx, []pgevents.NewEvent{{Name: name}}, nil); err != nil {
			panic(err)
		}
	}
	place("o-1", "Placed")
	place("o-2", "Placed")

	var checkpoint pgevents.Cursor
	for e, err := range orders.Scan(ctx, &pgevents.ScanOpts{PageSize: 100}) {
		if err != nil {
			panic(err)
		}
		fmt.Println("handled", e.Stream, e.Name)
		checkpoint = e.Cursor()
	}
	saved := checkpoint.String() // store it as text

	place("o-1", "Shipped")
	resume, err := pgevents.ParseCursor(saved)
	if err != nil {
		panic(err)
	}
	for e, err := range orders.Scan(ctx, &pgevents.ScanOpts{After: resume}) {
		if err != nil {
			panic(err)
		}
		fmt.Println("resumed:", e.Stream, e.Name)
	}
	// Output:
	// handled o-1 Placed
	// handled o-2 Placed
	// resumed: o-1 Shipped
}

// ExampleMigrate demonstrates installing pgevents into an existing
// PostgreSQL database. Migrating again, or from several processes at once,
// is safe.
func ExampleMigrate() {
	ctx := context.Background()
	databaseURL, done := pgtest.ExampleEmptyDatabase()
	defer done()

	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		panic(err)
	}
	defer db.Close()
	for range 2 {
		if err := pgevents.Migrate(ctx, db); err != nil {
			panic(err)
		}
	}
	status, err := pgevents.MigrateStatus(ctx, db)
	if err != nil {
		panic(err)
	}
	for _, s := range status {
		fmt.Println(s.Version, s.Name, s.Applied)
	}
	// Output:
	// 1 00001_init.sql true
	// 2 00002_projections.sql true
	// 3 00003_hardening.sql true
	// 4 00004_hardening_writes.sql true
}
