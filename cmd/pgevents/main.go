// Command pgevents migrates a PostgreSQL database to the current pgevents
// schema, prints the SQL for users of other migration tools, and reads,
// follows and summarises the store.
//
//	pgevents migrate up|status|validate|sql [--database-url URL]
//	pgevents read|tail [-f]|latest|stats [--database-url URL] [--json]
//	pgevents version
//
// Run "pgevents help" for details. The logic lives in internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/pgevents/pgevents/cmd/pgevents/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], &cli.Config{Getenv: os.Getenv, Stderr: os.Stderr, Stdout: os.Stdout})
	stop()
	os.Exit(code)
}
