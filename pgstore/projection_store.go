package pgstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/jsondepth"
	"github.com/pgevents/pgevents/pgeventsdb"
	"github.com/pgevents/pgevents/projection"
)

// codeAmbiguousProjection is the SQLSTATE pgevents.locate_projection raises
// when several projections of a name have the source (sql/errcodes.md).
const codeAmbiguousProjection = "PE111"

// ProjectionStore is the PostgreSQL projection.Store: projections as JSONB
// rows of pgevents.projections, written and queried through the SQL
// functions save_projection, load_projection, locate_projection,
// search_projections and count_projections (via package pgeventsdb).
//
// Queries (docs/query-language.md) are validated and compiled to SQL inside
// PostgreSQL; values are always bind parameters. Containment filters on
// state use the GIN index over state; add expression indexes for the paths a
// deployment filters or sorts on with pgevents.add_projection_index (see
// docs/query-language.md, "Indexes").
//
// A ProjectionStore is safe for concurrent use. Each method is one statement:
// a save commits on its own (or with the caller's transaction, see WithTx).
type ProjectionStore struct {
	db      pgeventsdb.DBTX
	queries *pgeventsdb.Queries
}

// NewProjectionStore returns a ProjectionStore over pool, whose database was
// migrated with pgevents.Migrate. It panics when pool is nil (a programmer
// error).
func NewProjectionStore(pool *pgxpool.Pool) *ProjectionStore {
	if pool == nil {
		panic("pgevents: pgstore: NewProjectionStore needs a *pgxpool.Pool (got nil)")
	}
	return &ProjectionStore{db: pool, queries: pgeventsdb.New()}
}

// WithTx returns a ProjectionStore whose methods run in tx, so a projection
// is saved atomically with the caller's other writes (and sees them). The
// caller commits or rolls back tx; the returned store must not be used
// after that.
func (s *ProjectionStore) WithTx(tx pgx.Tx) *ProjectionStore {
	return &ProjectionStore{db: tx, queries: s.queries}
}

var _ projection.Store = (*ProjectionStore)(nil)

// SaveProjection upserts p by (Name, ID) and returns the stored row. On
// update the first save's Source and CreatedAt are kept; p's CreatedAt and
// UpdatedAt are ignored (the server's clock sets them). Nil State or
// Metadata are stored as JSON null.
//
// Errors: an *pgevents.InvalidInputError with CodeInvalidName for an invalid
// name or id (empty, over 255 characters, control characters), with
// CodeInvalidIdentifier for an invalid source, with
// projection.CodeInvalidQuery (field "state" or "metadata") for JSON that is
// invalid or holds \u0000, which jsonb cannot store, and with
// projection.CodeProjectionTooLarge (same fields) for a state or metadata
// over the installation's limits (settings projection_max_json_bytes,
// default 1 MiB of jsonb text, and projection_max_json_depth, default 256
// levels). Nothing is saved when it fails.
func (s *ProjectionStore) SaveProjection(ctx context.Context, p *projection.Stored) (*projection.Stored, error) {
	params, err := saveProjectionParamsToInternal(p)
	if err != nil {
		return nil, err
	}
	row, err := s.queries.SaveProjection(ctx, s.db, params)
	if err != nil {
		return nil, interpretError("save projection", err)
	}
	return projectionFromInternal(row)
}

// LoadProjection returns the projection (name, id), or an error matching
// pgevents.ErrNotFound. An invalid name or id is an
// *pgevents.InvalidInputError (CodeInvalidName).
func (s *ProjectionStore) LoadProjection(ctx context.Context, name, id string) (*projection.Stored, error) {
	if err := checkProjectionKey(name, id); err != nil {
		return nil, err
	}
	row, err := s.queries.LoadProjection(ctx, s.db, &pgeventsdb.LoadProjectionParams{Name: name, ID: id})
	if err != nil {
		return nil, interpretError(fmt.Sprintf("load projection %q/%q", name, id), err)
	}
	return projectionFromInternal(row)
}

// LocateProjection returns the projection of name whose source is source,
// or an error matching pgevents.ErrNotFound, or pgevents.ErrAmbiguous when
// several projections of name have that source. An invalid name or source is
// an *pgevents.InvalidInputError.
func (s *ProjectionStore) LocateProjection(ctx context.Context, name string, source pgevents.Identifier) (*projection.Stored, error) {
	if err := checkText(pgevents.CodeInvalidName, "name", name); err != nil {
		return nil, err
	}
	src, err := json.Marshal(source)
	if err != nil {
		return nil, unwrapJSONError(err)
	}
	row, err := s.queries.LocateProjection(ctx, s.db, &pgeventsdb.LocateProjectionParams{Name: name, Source: src})
	if err != nil {
		return nil, interpretError(fmt.Sprintf("locate projection %q of %s", name, source), err)
	}
	return projectionFromInternal(row)
}

// SearchProjections runs a query (docs/query-language.md) and returns the
// page of matches in sort order (an empty, non-nil slice when none). A
// malformed query, or one beyond the query language's limits, fails with an
// *pgevents.InvalidInputError (projection.CodeInvalidQuery) naming the
// offending field. Key-set paging
// from an id that no projection of the name has returns no results.
func (s *ProjectionStore) SearchProjections(ctx context.Context, query json.RawMessage) ([]projection.Stored, error) {
	if err := checkQuery(query); err != nil {
		return nil, err
	}
	rows, err := s.queries.SearchProjections(ctx, s.db, query)
	if err != nil {
		return nil, interpretError("search projections", err)
	}
	out := make([]projection.Stored, 0, len(rows))
	for _, r := range rows {
		p, err := projectionFromInternal(r)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, nil
}

// CountProjections counts the projections matching a query's name and
// filters; its sort and page are validated but ignored. Errors as
// SearchProjections.
func (s *ProjectionStore) CountProjections(ctx context.Context, query json.RawMessage) (int64, error) {
	if err := checkQuery(query); err != nil {
		return 0, err
	}
	n, err := s.queries.CountProjections(ctx, s.db, query)
	if err != nil {
		return 0, interpretError("count projections", err)
	}
	return n, nil
}

func checkProjectionKey(name, id string) error {
	if err := checkText(pgevents.CodeInvalidName, "name", name); err != nil {
		return err
	}
	return checkText(pgevents.CodeInvalidName, "id", id)
}

func saveProjectionParamsToInternal(p *projection.Stored) (*pgeventsdb.SaveProjectionParams, error) {
	if p == nil {
		return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidName, Field: "projection", Reason: "is required"}
	}
	if err := checkProjectionKey(p.Name, p.ID); err != nil {
		return nil, err
	}
	src, err := json.Marshal(p.Source)
	if err != nil {
		return nil, unwrapJSONError(err)
	}
	params := &pgeventsdb.SaveProjectionParams{Name: p.Name, ID: p.ID, Source: src}
	if params.State, err = jsonArgument("state", p.State); err != nil {
		return nil, err
	}
	if params.Metadata, err = jsonArgument("metadata", p.Metadata); err != nil {
		return nil, err
	}
	return params, nil
}

// maxJSONDepth is the deepest state or metadata pgstore sends: deeper JSON
// could not be decoded again by encoding/json, and PostgreSQL's jsonb input
// fails somewhere beyond it with an internal error (54001). The server's
// own limit (setting projection_max_json_depth, default 256) is lower.
const maxJSONDepth = 10000

// jsonArgument returns raw for a jsonb argument (nil, SQL NULL, for empty),
// or an *pgevents.InvalidInputError naming field when PostgreSQL could not
// take it (see jsonbProblem; CodeProjectionTooLarge when it nests deeper
// than maxJSONDepth).
func jsonArgument(field string, raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	if jsondepth.Exceeds(raw, maxJSONDepth) {
		return nil, &pgevents.InvalidInputError{Code: projection.CodeProjectionTooLarge, Field: field,
			Reason: fmt.Sprintf("must be nested at most %d levels deep", maxJSONDepth)}
	}
	if reason := jsonbProblem(raw); reason != "" {
		return nil, &pgevents.InvalidInputError{Code: projection.CodeInvalidQuery, Field: field, Reason: reason}
	}
	return raw, nil
}

// checkQuery refuses, before PostgreSQL sees it, a query document that the
// cast to jsonb would reject with a data exception or a stack overflow
// rather than PE110: nested deeper than projection.MaxQueryDepth (as the
// SQL compiler would refuse it too), or see jsonbProblem. Everything else,
// the limits included, is validated by the SQL compiler.
func checkQuery(query json.RawMessage) error {
	if err := projection.CheckQueryDocument(query); err != nil {
		return err
	}
	if reason := jsonbProblem(query); reason != "" {
		return &pgevents.InvalidInputError{Code: projection.CodeInvalidQuery, Field: "query", Reason: reason}
	}
	return nil
}

// PostgreSQL numeric's limits (numeric.c): at most 131072 digits before the
// decimal point and 16383 after it.
const (
	numericMaxIntegerDigits  = 131072
	numericMaxFractionDigits = 16383
)

// jsonbProblem says why PostgreSQL's jsonb input would refuse raw, or "":
// invalid JSON or UTF-8, a string or key holding \u0000, or a number outside
// numeric's range.
func jsonbProblem(raw json.RawMessage) string {
	if !json.Valid(raw) {
		return "must be valid JSON"
	}
	if !utf8.Valid(raw) {
		return "must be valid UTF-8"
	}
	if !bytes.Contains(raw, []byte(`\u0000`)) && !bytes.ContainsAny(raw, "eE0123456789") {
		return ""
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return ""
		}
		if err != nil {
			return "must be valid JSON"
		}
		switch v := tok.(type) {
		case string:
			if strings.IndexByte(v, 0) >= 0 {
				return `must not contain \u0000 (PostgreSQL's jsonb cannot store it)`
			}
		case json.Number:
			if !numericFits(string(v)) {
				return fmt.Sprintf("number %.40s is outside the range PostgreSQL's numeric can store", v)
			}
		}
	}
}

// numericFits reports whether PostgreSQL's numeric input accepts the JSON
// number n (already valid JSON syntax).
func numericFits(n string) bool {
	n = strings.TrimPrefix(n, "-")
	mantissa, exp := n, int64(0)
	if i := strings.IndexAny(n, "eE"); i >= 0 {
		mantissa = n[:i]
		e, err := strconv.ParseInt(strings.TrimPrefix(n[i+1:], "+"), 10, 64)
		if err != nil {
			return false // beyond int64: far beyond numeric either way
		}
		exp = e
	}
	intPart, fracPart, _ := strings.Cut(mantissa, ".")
	if int64(len(fracPart))-exp > numericMaxFractionDigits {
		return false
	}
	digits := intPart + fracPart
	first := strings.IndexFunc(digits, func(r rune) bool { return r != '0' })
	if first < 0 {
		return true // zero
	}
	return int64(len(intPart))+exp-int64(first) <= numericMaxIntegerDigits
}

// unwrapJSONError returns the *pgevents.InvalidInputError an Identifier's
// MarshalJSON reports, which encoding/json wraps in a *json.MarshalerError.
func unwrapJSONError(err error) error {
	var invalid *pgevents.InvalidInputError
	if errors.As(err, &invalid) {
		return invalid
	}
	return fmt.Errorf("pgevents: projection source: %w", err)
}

func projectionFromInternal(r *pgeventsdb.Projection) (*projection.Stored, error) {
	p := &projection.Stored{
		CreatedAt: r.CreatedAt,
		ID:        r.ID,
		Metadata:  r.Metadata,
		Name:      r.Name,
		State:     r.State,
		UpdatedAt: r.UpdatedAt,
	}
	if err := json.Unmarshal(r.Source, &p.Source); err != nil {
		return nil, fmt.Errorf("pgevents: projection %q/%q: stored source %s: %w", r.Name, r.ID, r.Source, err)
	}
	return p, nil
}
