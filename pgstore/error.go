package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgevents/pgevents"
)

// interpretError maps a PostgreSQL error to pgevents' typed errors: our
// SQLSTATEs (sql/errcodes.md) to *pgevents.ConditionError and
// *pgevents.InvalidInputError, retryable conflicts to *pgevents.RetryableError,
// pgx.ErrNoRows to pgevents.ErrNotFound. Anything else is wrapped with op.
// It is the only place pgstore interprets errors.
func interpretError(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("pgevents: %s: %w", op, pgevents.ErrNotFound)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("pgevents: %s: %w", op, err)
		}
		return fmt.Errorf("pgevents: %s: %w", op, err)
	}
	switch code := pgErr.Code; {
	case code == pgevents.CodeSerializationFailure || code == "40P01" ||
		(code == "23505" && (pgErr.ConstraintName == "events_stream_position_key" || pgErr.ConstraintName == "events_id_key")):
		return &pgevents.RetryableError{Code: code, Err: err}
	case code == "22021":
		// A NUL byte or invalid UTF-8 in a text argument: PostgreSQL rejects
		// it before any pgevents function runs. The text arguments are names
		// (pgstore checks its own before sending; this is the fallback).
		return &pgevents.InvalidInputError{Code: pgevents.CodeInvalidName, Field: "name",
			Reason: "must be UTF-8 without NUL bytes (" + pgErr.Message + ")"}
	case code == "22P05":
		// \u0000 in a JSON argument, which jsonb cannot store. Event
		// payloads and metadata are where it can appear (pgstore checks
		// them before sending; this is the fallback).
		return &pgevents.InvalidInputError{Code: pgevents.CodeInvalidEvents, Field: "events",
			Reason: "JSON must not contain \\u0000 (" + pgErr.Message + ")"}
	case code == "22P02" && pgErr.Message == "invalid input syntax for type json" && strings.HasPrefix(op, "append"):
		// JSON that jsonb's input refuses (a lone surrogate escape) in the
		// events argument: pgstore checks events before sending
		// (internal/pgjson); this is the fallback.
		return &pgevents.InvalidInputError{Code: pgevents.CodeInvalidEvents, Field: "events",
			Reason: "is not JSON that jsonb accepts (" + pgErr.Message + ": " + pgErr.Detail + ")"}
	case code >= "PE001" && code <= "PE005":
		return conditionError(pgErr)
	case code == codeAmbiguousProjection:
		// Before the PE1 invalid-input class: an ambiguous lookup is not bad input.
		return fmt.Errorf("pgevents: %s: %w", op, pgevents.ErrAmbiguous)
	case strings.HasPrefix(code, "PE1"):
		var d struct {
			Field  string `json:"field"`
			Reason string `json:"reason"`
			ID     string `json:"id"`
		}
		_ = json.Unmarshal([]byte(pgErr.Detail), &d)
		if d.Reason == "" {
			d.Reason = pgErr.Message
		}
		if d.ID != "" {
			d.Reason = fmt.Sprintf("%s: %s", d.ID, d.Reason)
		}
		return &pgevents.InvalidInputError{Code: code, Field: d.Field, Reason: d.Reason}
	}
	return fmt.Errorf("pgevents: %s: %w", op, err)
}

type conditionDetail struct {
	Category  string             `json:"category"`
	Code      string             `json:"code"`
	Condition pgevents.Condition `json:"condition"`
	Failures  []conditionDetail  `json:"failures"`
	Position  *int64             `json:"position"`
	Stream    string             `json:"stream"`
}

func (d conditionDetail) toError(category, stream string, position *int64) pgevents.ConditionError {
	e := pgevents.ConditionError{Category: category, Stream: stream, Code: d.Code, Condition: d.Condition, Position: position}
	for _, f := range d.Failures {
		e.Failures = append(e.Failures, f.toError(category, stream, position))
	}
	return e
}

func conditionError(pgErr *pgconn.PgError) error {
	var d conditionDetail
	if err := json.Unmarshal([]byte(pgErr.Detail), &d); err != nil {
		return &pgevents.ConditionError{Code: pgErr.Code}
	}
	d.Code = pgErr.Code
	e := d.toError(d.Category, d.Stream, d.Position)
	return &e
}
