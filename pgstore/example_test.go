package pgstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/pgstore"
)

// Example_appendInAppTransaction demonstrates appending events atomically
// with an application's own writes: both commit together, or neither does.
func Example_appendInAppTransaction() {
	ctx := context.Background()
	pool, done := examplePool()
	defer done()
	if _, err := pool.Exec(ctx, "CREATE TABLE accounts (id text PRIMARY KEY, owner text NOT NULL)"); err != nil {
		panic(err)
	}

	store, err := pgstore.New(pool, nil)
	if err != nil {
		panic(err)
	}
	open := func(id, owner string) error {
		tx, err := pool.Begin(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(ctx) }() // a no-op after Commit
		// Append first: see pgstore.Store.WithTx.
		_, err = store.AppendEventsTx(ctx, tx, &pgevents.AppendParams{
			Category:  "account",
			Stream:    id,
			Condition: pgevents.StreamIsEmpty(),
			Events:    []pgevents.NewEvent{{Name: "opened", Payload: json.RawMessage(fmt.Sprintf(`{"owner": %q}`, owner))}},
		})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO accounts (id, owner) VALUES ($1, $2)", id, owner); err != nil {
			return err
		}
		return tx.Commit(ctx)
	}

	fmt.Println("open 42:", open("42", "ada"))
	err = open("42", "bob")
	fmt.Println("open 42 again:", errors.Is(err, pgevents.ErrStreamNotEmpty))

	events, err := pgevents.NewClient(store).Stream("account", "42").Read(ctx, nil)
	if err != nil {
		panic(err)
	}
	var owner string
	if err := pool.QueryRow(ctx, "SELECT owner FROM accounts WHERE id = '42'").Scan(&owner); err != nil {
		panic(err)
	}
	fmt.Println("events:", len(events), events[0].Name, string(events[0].Payload), "- row owner:", owner)
	// Output:
	// open 42: <nil>
	// open 42 again: true
	// events: 1 opened {"owner": "ada"} - row owner: ada
}

// examplePool returns a pool on a fresh migrated database, and the function
// that closes and drops it.
func examplePool() (*pgxpool.Pool, func()) { return pgtest.ExamplePool() }
