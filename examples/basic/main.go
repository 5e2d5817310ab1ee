// Command basic runs the README's basic example (package
// examples/profile) end to end against PostgreSQL: it migrates the database
// at $DATABASE_URL, then appends, projects, saves, loads and finds a profile.
//
// Run it with `make example` (a throwaway cluster, or $DATABASE_URL when
// set). Running it twice is safe.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for pgevents.Migrate

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/examples/profile"
	"github.com/pgevents/pgevents/pgstore"
)

func main() {
	if err := run(context.Background(), os.Getenv("DATABASE_URL"), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "basic:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, databaseURL string, out io.Writer) error {
	if databaseURL == "" {
		return errors.New("DATABASE_URL is not set (`make example` starts a throwaway cluster and sets it)")
	}

	// Install or upgrade the pgevents schema.
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := pgevents.Migrate(ctx, db); err != nil {
		return err
	}

	pool, err := pgxpool.New(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	store, err := pgstore.New(pool, nil)
	if err != nil {
		return err
	}
	return profile.Run(ctx, store, pgstore.NewProjectionStore(pool), out)
}
