package projection

import (
	"context"
	"encoding/json"
	"time"

	"github.com/pgevents/pgevents"
)

// Stored is a projection as a store keeps it: state and metadata as JSON.
type Stored struct {
	// CreatedAt is when the projection was first saved.
	CreatedAt time.Time
	// ID identifies the projection within its name.
	ID string
	// Metadata is the projection's JSON metadata.
	Metadata json.RawMessage
	// Name is the projection's name (its projector's name).
	Name string
	// Source is what was projected: the log, a category or a stream. The
	// source of the first save is kept.
	Source pgevents.Identifier
	// State is the projection's JSON state.
	State json.RawMessage
	// UpdatedAt is when the projection was last saved.
	UpdatedAt time.Time
}

// Store keeps projections. pgstore (PostgreSQL, JSONB) and memstore
// implement it; both pass the contract suite in package storetest.
// Methods are safe for concurrent use.
type Store interface {
	// SaveProjection upserts by (Name, ID) and returns the stored row. On
	// update the first save's Source and CreatedAt are kept.
	SaveProjection(ctx context.Context, p *Stored) (*Stored, error)
	// LoadProjection returns the projection (name, id), or pgevents.ErrNotFound.
	LoadProjection(ctx context.Context, name, id string) (*Stored, error)
	// LocateProjection returns the projection of name whose source is
	// source, or pgevents.ErrNotFound (pgevents.ErrAmbiguous if several).
	LocateProjection(ctx context.Context, name string, source pgevents.Identifier) (*Stored, error)
	// SearchProjections runs a query (docs/query-language.md) and returns
	// the page of matches in sort order.
	SearchProjections(ctx context.Context, query json.RawMessage) ([]Stored, error)
	// CountProjections counts the matches of a query's filters (its sort and
	// page are ignored).
	CountProjections(ctx context.Context, query json.RawMessage) (int64, error)
}
