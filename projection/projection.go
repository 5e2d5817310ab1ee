package projection

import (
	"encoding/json"
	"fmt"

	"github.com/pgevents/pgevents"
)

// Projection is a projector's result: typed state and metadata, the name of
// the projector, the source projected and the id derived from them.
type Projection[S, M any] struct {
	// ID identifies the projection within its name.
	ID string
	// Metadata is the projection's metadata.
	Metadata M
	// Name is the projection name (its projector's name).
	Name string
	// Source is what was projected: the log, a category or a stream.
	Source pgevents.Identifier
	// State is the projection's state.
	State S
}

// ToStored encodes the projection for a Store. It fails when state or
// metadata do not marshal to JSON.
func (p *Projection[S, M]) ToStored() (*Stored, error) {
	state, err := json.Marshal(p.State)
	if err != nil {
		return nil, fmt.Errorf("pgevents: projection %s/%s: encode state: %w", p.Name, p.ID, err)
	}
	metadata, err := json.Marshal(p.Metadata)
	if err != nil {
		return nil, fmt.Errorf("pgevents: projection %s/%s: encode metadata: %w", p.Name, p.ID, err)
	}
	return &Stored{ID: p.ID, Metadata: metadata, Name: p.Name, Source: p.Source, State: state}, nil
}

// FromStored decodes a stored projection into typed state and metadata. It
// fails when they do not unmarshal into S and M. JSON null (or nothing)
// leaves the zero value.
func FromStored[S, M any](s *Stored) (*Projection[S, M], error) {
	p := &Projection[S, M]{ID: s.ID, Name: s.Name, Source: s.Source}
	if len(s.State) > 0 {
		if err := json.Unmarshal(s.State, &p.State); err != nil {
			return nil, &DecodeError{Err: err, ID: s.ID, Name: s.Name, Part: "state"}
		}
	}
	if len(s.Metadata) > 0 {
		if err := json.Unmarshal(s.Metadata, &p.Metadata); err != nil {
			return nil, &DecodeError{Err: err, ID: s.ID, Name: s.Name, Part: "metadata"}
		}
	}
	return p, nil
}
