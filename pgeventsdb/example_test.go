package pgeventsdb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/pgevents/pgevents/internal/pgtest"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgevents/pgevents/pgeventsdb"
)

// Example demonstrates the generated client: an append under a condition,
// the stream's position, a failed condition's SQLSTATE, and a stream read.
func Example() {
	ctx := context.Background()
	pool, done := pgtest.ExamplePool()
	defer done()

	q := pgeventsdb.New()
	params := &pgeventsdb.AppendEventsParams{
		Category:  "account",
		Stream:    "42",
		Events:    json.RawMessage(`[{"name": "opened", "payload": {"owner": "ada"}}, {"name": "deposited", "payload": {"amount": 10}}]`),
		Condition: json.RawMessage(`{"type": "stream_is_empty"}`),
		Scope:     "stream",
	}
	appended, err := q.AppendEvents(ctx, pool, params)
	if err != nil {
		panic(err)
	}
	for _, e := range appended {
		fmt.Println("appended:", e.Position, e.Name, string(e.Payload))
	}

	position, err := q.StreamPosition(ctx, pool, &pgeventsdb.StreamPositionParams{Category: "account", Stream: "42"})
	if err != nil {
		panic(err)
	}
	fmt.Println("position:", *position)

	// The stream is no longer empty: SQLSTATE PE002 (see sql/errcodes.md).
	_, err = q.AppendEvents(ctx, pool, params)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		fmt.Println("second append:", pgErr.Code)
	}

	events, err := q.ReadStream(ctx, pool, &pgeventsdb.ReadStreamParams{Category: "account", Stream: "42", FromPosition: 1, Limit: -1})
	if err != nil {
		panic(err)
	}
	for _, e := range events {
		fmt.Println("read:", e.Position, e.Name, string(e.Payload))
	}
	// Output:
	// appended: 0 opened {"owner": "ada"}
	// appended: 1 deposited {"amount": 10}
	// position: 1
	// second append: PE002
	// read: 1 deposited {"amount": 10}
}
