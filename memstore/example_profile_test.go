package memstore_test

import (
	"context"
	"os"

	"github.com/pgevents/pgevents/examples/profile"
	"github.com/pgevents/pgevents/memstore"
)

// Example_profile demonstrates the README's basic example in memory: the
// same code as on PostgreSQL (package examples/profile), with memstore's
// event and projection stores.
func Example_profile() {
	err := profile.Run(context.Background(), memstore.New(nil), memstore.NewProjectionStore(), os.Stdout)
	if err != nil {
		panic(err)
	}
	// Output:
	// projection profile/ada of stream profile/ada
	// {"name":"Ada Lovelace","email":"ada@example.com","dob":"1815-12-10"}
	// found by email: ada
}
