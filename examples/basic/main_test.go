package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestRun runs the program `make example` runs, twice, on an empty database
// (it migrates it itself) and checks what it prints.
func TestRun(t *testing.T) {
	url := pgtest.NewEmptyDatabase(t)
	want := "projection profile/ada of stream profile/ada\n" +
		`{"name":"Ada Lovelace","email":"ada@example.com","dob":"1815-12-10"}` + "\n" +
		"found by email: ada\n"
	for range 2 {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), url, &out))
		require.Equal(t, want, out.String())
	}
	require.ErrorContains(t, run(context.Background(), "", &bytes.Buffer{}), "DATABASE_URL is not set")
}
