// Command basic is the README's basic example, end to end against
// PostgreSQL: it migrates the database at $DATABASE_URL, appends a profile's
// events to a stream, projects the stream into a typed Profile, saves the
// projection, loads it back, finds it with a query, and prints it.
//
// Run it with `make example` (a throwaway cluster, or $DATABASE_URL when
// set). Running it twice is safe: the events are only appended to an empty
// stream.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for pgevents.Migrate

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgstore"
	"github.com/pgevents/pgevents/projection"
)

// Profile is the projection's state.
type Profile struct {
	Name        string `json:"name"`
	Email       string `json:"email"`
	DateOfBirth string `json:"dob"`
}

// ProfileCreated is the payload of a profile-created event.
type ProfileCreated struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// DateOfBirthSet is the payload of a date-of-birth-set event.
type DateOfBirthSet struct {
	DateOfBirth string `json:"dob"`
}

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
	client := pgevents.NewClient(store)

	// Append the profile's events, unless the stream already has them.
	stream := client.Stream("profile", "ada")
	_, err = stream.Append(ctx, []pgevents.NewEvent{
		{Name: "profile-created", Payload: json.RawMessage(`{"name": "Ada Lovelace", "email": "ada@example.com"}`)},
		{Name: "date-of-birth-set", Payload: json.RawMessage(`{"dob": "1815-12-10"}`)},
	}, &pgevents.AppendOpts{Condition: pgevents.StreamIsEmpty()})
	if err := pgevents.IgnoreConditionFailed(err); err != nil {
		return err
	}

	// Project the stream. Handler names match event names in any case or
	// separator style.
	profiles, err := projection.New(&projection.Config[Profile, struct{}]{
		Handlers: map[string]projection.Handler[Profile]{
			"ProfileCreated": projection.PayloadHandler(func(p Profile, e ProfileCreated) (Profile, error) {
				p.Name, p.Email = e.Name, e.Email
				return p, nil
			}),
			"DateOfBirthSet": projection.PayloadHandler(func(p Profile, e DateOfBirthSet) (Profile, error) {
				p.DateOfBirth = e.DateOfBirth
				return p, nil
			}),
		},
	})
	if err != nil {
		return err
	}
	projected, err := profiles.ProjectStream(ctx, stream)
	if err != nil {
		return err
	}

	// Save it, load it back, and find it by email.
	repo := profiles.Repository(pgstore.NewProjectionStore(pool))
	if _, err := repo.Save(ctx, projected); err != nil {
		return err
	}
	loaded, err := repo.Load(ctx, projected.ID)
	if err != nil {
		return err
	}
	found, err := repo.Lookup(ctx, projection.NewQuery(profiles.Name()).
		Where(projection.StatePath("email").Equal("ada@example.com")))
	if err != nil {
		return err
	}

	state, err := json.Marshal(loaded.State)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "projection %s/%s of %s\n", loaded.Name, loaded.ID, loaded.Source)
	fmt.Fprintln(out, string(state))
	fmt.Fprintf(out, "found by email: %s\n", found.ID)
	return nil
}
