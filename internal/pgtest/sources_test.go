package pgtest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
)

// fakeSources records which way start took.
func fakeSources(binErr, containerErr error, prefer bool) (sources, *[]string) {
	var calls []string
	return sources{
		findBin: func() (string, error) {
			calls = append(calls, "findBin")
			return "/pg/bin", binErr
		},
		boot: func(bin string) (*server, error) {
			calls = append(calls, "boot "+bin)
			return &server{base: "booted"}, nil
		},
		container: func(context.Context) (*server, error) {
			calls = append(calls, "container")
			if containerErr != nil {
				return nil, containerErr
			}
			return &server{base: "container"}, nil
		},
		preferContainer: prefer,
	}, &calls
}

func TestSources_LocalBinariesFirst(t *testing.T) {
	src, calls := fakeSources(nil, nil, false)
	s, err := src.start(context.Background())
	require.NoError(t, err)
	require.Equal(t, "booted", s.base)
	require.Equal(t, []string{"findBin", "boot /pg/bin"}, *calls, "Docker is not touched when binaries exist")
}

func TestSources_DockerWhenNoBinaries(t *testing.T) {
	src, calls := fakeSources(errors.New("no PostgreSQL binaries found"), nil, false)
	s, err := src.start(context.Background())
	require.NoError(t, err)
	require.Equal(t, "container", s.base)
	require.Equal(t, []string{"findBin", "container"}, *calls)
}

func TestSources_NeitherSaysWhyForBoth(t *testing.T) {
	noBin, noDocker := errors.New("no PostgreSQL binaries found"), errors.New("Cannot connect to the Docker daemon")
	src, _ := fakeSources(noBin, noDocker, false)
	_, err := src.start(context.Background())
	require.ErrorIs(t, err, noBin)
	require.ErrorIs(t, err, noDocker)
	require.ErrorContains(t, err, "Docker fallback failed")
}

func TestSources_PreferContainer(t *testing.T) {
	src, calls := fakeSources(nil, nil, true)
	s, err := src.start(context.Background())
	require.NoError(t, err)
	require.Equal(t, "container", s.base)
	require.Equal(t, []string{"container"}, *calls, "PGTEST_CONTAINER=1 skips the local binaries")

	noDocker := errors.New("Cannot connect to the Docker daemon")
	src, _ = fakeSources(nil, noDocker, true)
	_, err = src.start(context.Background())
	require.ErrorIs(t, err, noDocker, "a preferred container that fails is an error, not a silent fallback")
}

// TestStartContainer boots the real Docker fallback, migrates a database in
// it and appends an event. It needs a Docker engine: without one it is
// skipped, saying so (Docker is optional here; local binaries are the
// primary path, and CI uses them).
func TestStartContainer(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not pulling a PostgreSQL image")
	}
	testcontainers.SkipIfProviderIsNotHealthy(t)
	ctx := context.Background()
	s, err := startContainer(ctx)
	require.NoError(t, err)
	t.Cleanup(s.stop)
	require.NoError(t, s.createTemplate())
	db := s.newDatabase(t, s.template)
	pool := poolFor(t, s.connString(db))
	_, err = pool.Exec(ctx, `SELECT pgevents.append('c', 's', '[{"name": "E", "payload": 1}]')`)
	require.NoError(t, err)
}
