// Package profile is the README's basic example: a profile is created, its
// date of birth set, the stream projected into a typed Profile, saved, loaded
// back and found by email.
//
// Run works on any adapter: examples/basic runs it against PostgreSQL
// (`make example`), and Example functions in pgstore and memstore run it as
// tests against both.
package profile

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/pgevents/pgevents"
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

// Run appends the profile's events (unless the stream already has them),
// projects the stream, saves the projection, loads it back, finds it by
// email and prints it to out. Running it twice on the same stores is safe.
func Run(ctx context.Context, events pgevents.Store, projections projection.Store, out io.Writer) error {
	client := pgevents.NewClient(events)

	// Append the profile's events, only if the stream is still empty.
	stream := client.Stream("profile", "ada")
	_, err := stream.Append(ctx, []pgevents.NewEvent{
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
	repo := profiles.Repository(projections)
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
