package projection_test

import (
	"encoding/json"
	"fmt"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/projection"
)

// Profile is the state of the profile projection.
type Profile struct {
	Name        string `json:"name"`
	Email       string `json:"email"`
	DateOfBirth string `json:"dob,omitempty"`
}

// ProfileCreated and DateOfBirthSet are event payloads.
type ProfileCreated struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type DateOfBirthSet struct {
	DateOfBirth string `json:"dob"`
}

// Example demonstrates the README's basic flow: a profile is created, its
// date of birth set, and projecting the stream gives {name, email, dob}.
// The events come from a slice here; a pgevents.Client's Stream.Events
// (or ProjectStream) projects a stored stream the same way.
func Example() {
	profiles, err := projection.New(&projection.Config[Profile, struct{}]{
		Handlers: map[string]projection.Handler[Profile]{
			"profile-created": projection.PayloadHandler(func(p Profile, e ProfileCreated) (Profile, error) {
				p.Name, p.Email = e.Name, e.Email
				return p, nil
			}),
			"date-of-birth-set": projection.PayloadHandler(func(p Profile, e DateOfBirthSet) (Profile, error) {
				p.DateOfBirth = e.DateOfBirth
				return p, nil
			}),
		},
	})
	if err != nil {
		panic(err)
	}

	events := []pgevents.Event{
		{Category: "profile", Stream: "ada", Position: 0, Name: "ProfileCreated",
			Payload: json.RawMessage(`{"name": "Ada Lovelace", "email": "ada@example.com"}`)},
		{Category: "profile", Stream: "ada", Position: 1, Name: "date_of_birth_set",
			Payload: json.RawMessage(`{"dob": "1815-12-10"}`)},
	}
	p, err := profiles.ProjectEvents(pgevents.StreamID("profile", "ada"), events)
	if err != nil {
		panic(err)
	}
	state, _ := json.Marshal(p.State)
	fmt.Println(p.Name, p.ID, p.Source)
	fmt.Println(string(state))
	// Output:
	// profile ada stream profile/ada
	// {"name":"Ada Lovelace","email":"ada@example.com","dob":"1815-12-10"}
}
