package projection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pgevents/pgevents"
)

// Repository is a typed view of the projections of one name in a Store. It
// is safe for concurrent use when the store is.
type Repository[S, M any] struct {
	name  string
	store Store
}

// NewRepository returns the repository of the projections named name in
// store. Projector.Repository is the usual way to get one.
func NewRepository[S, M any](store Store, name string) *Repository[S, M] {
	return &Repository[S, M]{name: name, store: store}
}

// Name returns the projection name the repository reads and writes.
func (r *Repository[S, M]) Name() string { return r.name }

// Save upserts p by (name, id) and returns it as stored. An empty p.Name is
// the repository's name; another name is an *pgevents.InvalidInputError.
// On update the store keeps the first save's source (see Store). It also
// returns the store's errors and encoding errors.
func (r *Repository[S, M]) Save(ctx context.Context, p *Projection[S, M]) (*Projection[S, M], error) {
	cp := *p
	if cp.Name == "" {
		cp.Name = r.name
	}
	if cp.Name != r.name {
		return nil, fmt.Errorf("pgevents: the repository of %q cannot save a projection named %q: %w",
			r.name, cp.Name, pgevents.ErrInvalidInput)
	}
	s, err := cp.ToStored()
	if err != nil {
		return nil, err
	}
	saved, err := r.store.SaveProjection(ctx, s)
	if err != nil {
		return nil, err
	}
	return FromStored[S, M](saved)
}

// Load returns the projection id, or an error matching pgevents.ErrNotFound.
func (r *Repository[S, M]) Load(ctx context.Context, id string) (*Projection[S, M], error) {
	s, err := r.store.LoadProjection(ctx, r.name, id)
	if err != nil {
		return nil, err
	}
	return FromStored[S, M](s)
}

// Locate returns the projection of source, or an error matching
// pgevents.ErrNotFound, or pgevents.ErrAmbiguous when several have it.
func (r *Repository[S, M]) Locate(ctx context.Context, source pgevents.Identifier) (*Projection[S, M], error) {
	s, err := r.store.LocateProjection(ctx, r.name, source)
	if err != nil {
		return nil, err
	}
	return FromStored[S, M](s)
}

// Search runs q, with its name set to the repository's, and returns the page
// of matches in sort order. A malformed query fails with a
// *pgevents.InvalidInputError (CodeInvalidQuery). A projection of the page
// whose state or metadata does not decode into S or M is left out and
// reported in the error (a *DecodeError for each, joined; errors.Is
// ErrDecode), while the others are still returned: one bad projection
// never hides a page.
func (r *Repository[S, M]) Search(ctx context.Context, q Query) ([]Projection[S, M], error) {
	raw, err := r.query(q)
	if err != nil {
		return nil, err
	}
	rows, err := r.store.SearchProjections(ctx, raw)
	if err != nil {
		return nil, err
	}
	out := make([]Projection[S, M], 0, len(rows))
	var errs []error
	for i := range rows {
		p, err := FromStored[S, M](&rows[i])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, *p)
	}
	return out, errors.Join(errs...)
}

// Count returns the number of projections matching q's filters, with its
// name set to the repository's.
func (r *Repository[S, M]) Count(ctx context.Context, q Query) (int64, error) {
	raw, err := r.query(q)
	if err != nil {
		return 0, err
	}
	return r.store.CountProjections(ctx, raw)
}

// Lookup runs q and returns its only match: pgevents.ErrNotFound when there
// is none and pgevents.ErrAmbiguous when there are several. q's page is
// replaced by one of two items.
func (r *Repository[S, M]) Lookup(ctx context.Context, q Query) (*Projection[S, M], error) {
	q.Page = Page{Limit: 2}
	found, err := r.Search(ctx, q)
	switch {
	case err != nil:
		return nil, err // a match that does not decode is still a match
	case len(found) == 0:
		return nil, fmt.Errorf("pgevents: lookup %s projection: %w", r.name, pgevents.ErrNotFound)
	case len(found) > 1:
		return nil, fmt.Errorf("pgevents: lookup %s projection: %w", r.name, pgevents.ErrAmbiguous)
	}
	return &found[0], nil
}

func (r *Repository[S, M]) query(q Query) (json.RawMessage, error) {
	q.Name = r.name
	return q.Build()
}
