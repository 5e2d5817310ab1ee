package pgtest

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"
)

// defaultImage is the PostgreSQL image of the Docker fallback; PGTEST_IMAGE
// overrides it.
const defaultImage = "postgres:15-alpine"

// startContainer runs PostgreSQL in a Docker container with testcontainers-go:
// the fallback when DATABASE_URL is unset and no local binaries are found (or
// when PGTEST_CONTAINER=1 asks for it). Durability is off, as in boot. The
// container is removed by server.stop (and by testcontainers' reaper if the
// test binary dies).
func startContainer(ctx context.Context) (s *server, err error) {
	img := os.Getenv("PGTEST_IMAGE")
	if img == "" {
		img = defaultImage
	}
	defer func() {
		// testcontainers-go panics on some paths when it finds no Docker host.
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("testcontainers-go: %v", r)
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute) // a first run pulls the image
	defer cancel()
	c, err := tcpostgres.Run(ctx, img,
		tcpostgres.WithUsername("postgres"),
		tcpostgres.WithPassword("pgtest"),
		tcpostgres.WithDatabase("postgres"),
		tcpostgres.BasicWaitStrategies(),
		testcontainers.WithCmd("postgres", "-c", "fsync=off", "-c", "synchronous_commit=off",
			"-c", "full_page_writes=off", "-c", "max_connections=300"),
	)
	if err != nil {
		if c != nil {
			_ = testcontainers.TerminateContainer(c)
		}
		return nil, fmt.Errorf("testcontainers-go (image %s): %w", img, err)
	}
	u, err := c.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		_ = testcontainers.TerminateContainer(c)
		return nil, fmt.Errorf("testcontainers-go: connection string: %w", err)
	}
	s = &server{base: u, stopContainer: func() { _ = testcontainers.TerminateContainer(c) }}
	if err := s.ping(); err != nil {
		s.stop()
		return nil, fmt.Errorf("testcontainers-go: %w", err)
	}
	return s, nil
}
