package pgstore

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

// TestInterpretError checks the mapping of errors that real calls rarely
// produce on demand; the common ones are covered against PostgreSQL in
// store_test.go.
func TestInterpretError(t *testing.T) {
	t.Parallel()

	require.NoError(t, interpretError("op", nil))
	require.ErrorIs(t, interpretError("op", pgx.ErrNoRows), pgevents.ErrNotFound)

	for _, tc := range []struct {
		err       *pgconn.PgError
		retryable bool
	}{
		{&pgconn.PgError{Code: "40001"}, true},
		{&pgconn.PgError{Code: "40P01"}, true},
		{&pgconn.PgError{Code: "23505", ConstraintName: "events_stream_position_key"}, true},
		{&pgconn.PgError{Code: "23505", ConstraintName: "events_id_key"}, true},
		{&pgconn.PgError{Code: "23505", ConstraintName: "accounts_pkey"}, false},
	} {
		err := interpretError("op", tc.err)
		require.Equal(t, tc.retryable, errors.Is(err, pgevents.ErrRetryable), tc.err.Code)
		var pgErr *pgconn.PgError
		require.ErrorAs(t, err, &pgErr, "the PostgreSQL error stays reachable")
	}

	err := interpretError("op", &pgconn.PgError{Code: "22021", Message: "invalid byte sequence"})
	var ie *pgevents.InvalidInputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, pgevents.CodeInvalidName, ie.Code)
	err = interpretError("op", &pgconn.PgError{Code: "22P05", Message: "unsupported Unicode escape sequence"})
	require.ErrorAs(t, err, &ie)
	require.Equal(t, pgevents.CodeInvalidEvents, ie.Code)

	// A JSON input error in an append's argument (the client-side checks
	// miss nothing known; this is the fallback) is PE102; elsewhere it stays
	// PostgreSQL's.
	jsonErr := &pgconn.PgError{Code: "22P02", Message: "invalid input syntax for type json",
		Detail: "Unicode low surrogate must follow a high surrogate."}
	err = interpretError("append events", jsonErr)
	require.ErrorAs(t, err, &ie)
	require.Equal(t, pgevents.CodeInvalidEvents, ie.Code)
	require.Equal(t, "events", ie.Field)
	err = interpretError("read events", jsonErr)
	require.NotErrorIs(t, err, pgevents.ErrInvalidInput)

	err = interpretError("op", &pgconn.PgError{Code: "PE005", Detail: `{"code": "PE005", "category": "c", "stream": "s", "position": 3,
		"condition": {"type": "or", "conditions": [{"type": "stream_is_empty"}]},
		"failures": [{"code": "PE002", "condition": {"type": "stream_is_empty"}}]}`})
	var ce *pgevents.ConditionError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, pgevents.CodeNoAlternativeMet, ce.Code)
	require.Equal(t, int64(3), *ce.Position)
	require.Len(t, ce.Failures, 1)
	require.Equal(t, pgevents.CodeStreamNotEmpty, ce.Failures[0].Code)
	require.Equal(t, "c", ce.Failures[0].Category)

	err = interpretError("op", errors.New("boom"))
	require.EqualError(t, err, "pgevents: op: boom")
}
