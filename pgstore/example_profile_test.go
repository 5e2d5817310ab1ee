package pgstore_test

import (
	"context"
	"os"

	"github.com/pgevents/pgevents/examples/profile"
	"github.com/pgevents/pgevents/pgstore"
)

// Example_profile demonstrates the README's basic example on PostgreSQL:
// append a profile's events, project the stream, save, load and find the
// projection (package examples/profile holds the code).
func Example_profile() {
	ctx := context.Background()
	pool, done := examplePool()
	defer done()
	store, err := pgstore.New(pool, nil)
	if err != nil {
		panic(err)
	}
	if err := profile.Run(ctx, store, pgstore.NewProjectionStore(pool), os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// projection profile/ada of stream profile/ada
	// {"name":"Ada Lovelace","email":"ada@example.com","dob":"1815-12-10"}
	// found by email: ada
}
