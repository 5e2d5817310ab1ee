// Package cli implements the pgevents command: it migrates a database to the
// current pgevents schema, reports and validates its migration state,
// prints the schema SQL for users of other migration tools, and reads,
// follows and summarises the store (read, tail, latest, stats).
//
// The package is internal to the command. Run takes its arguments, output
// writers and environment from a [Config], so tests drive it with
// bytes.Buffers against a real database.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes returned by Run.
const (
	// ExitOK means the command succeeded.
	ExitOK = 0
	// ExitFailure means the command failed, or that "migrate validate" found
	// pending migrations.
	ExitFailure = 1
	// ExitUsage means the command line was invalid (unknown command or flag).
	ExitUsage = 2
	// ExitNotFound means "latest" found no event.
	ExitNotFound = 3
	// ExitInterrupted means Ctrl-C or SIGTERM stopped a command before it
	// finished (128 + SIGINT, as shells report it). "tail -f" is meant to
	// be stopped that way and exits with ExitOK instead.
	ExitInterrupted = 130
)

// EnvDatabaseURL is the environment variable read for the database URL when
// --database-url is not given.
const EnvDatabaseURL = "DATABASE_URL"

// Config is what Run reads and writes besides its arguments.
type Config struct {
	// Getenv looks up an environment variable. Defaults to a function that
	// finds nothing. (When neither --database-url nor DATABASE_URL is set, the
	// driver itself reads the PG* variables from the process environment.)
	Getenv func(string) string
	// Stderr receives errors and failure reports. Defaults to io.Discard.
	Stderr io.Writer
	// Stdout receives the command's output. Defaults to io.Discard.
	Stdout io.Writer
}

// errUsage marks a command-line mistake (exit code ExitUsage). The usage text
// has already been printed when it is returned.
var errUsage = errors.New("usage")

// errPending is returned by "migrate validate" when migrations are pending.
var errPending = errors.New("migrations pending")

// env holds the resolved Config for one Run.
type env struct {
	getenv func(string) string
	stderr io.Writer
	stdout io.Writer
}

const usageText = `pgevents: PostgreSQL-native event store kit

Usage:
  pgevents [--database-url URL] <command> [flags]

Commands:
  migrate up        apply pending migrations, then (re)install every function;
                    safe to run again and from several processes at once
  migrate status    list the versioned migrations and whether each is applied
  migrate validate  exit 1 when migrations are pending, 0 when up to date
  migrate sql       print the migrations' SQL and the function definitions,
                    for users of other migration tools (no database needed)
  read              print events of a stream, a category or the log, from a
                    position or cursor
  tail [-f]         print a category's or the log's new events as they pass
                    the fence (-f: keep following); resumable from the cursor
                    it prints when it stops
  latest            print the latest event of a stream, a category or the log
  stats             events, streams, categories, event names, rates over the
                    last minute and hour, fence lag (estimates marked ~)
  consumers         consumer groups: partitions, owners, leases, checkpoints, lag
  parked            parked events of a consumer group: list, replay, drop
  projections       live projections: version, state, cursor, lag, progress;
                    rebuild NAME (request a blue/green rebuild, its progress);
                    drop NAME
  serve             serve the read-only event browser (default 127.0.0.1:8080)
  version           print the pgevents version and its schema version
  help              print this help

The database URL comes from --database-url, else from $DATABASE_URL, else
from the standard PG* variables (PGHOST, PGPORT, PGUSER, PGDATABASE, ...).
It accepts URLs (postgres://user@host/db) and keyword strings (host=/tmp dbname=x).
read, tail, latest and stats only read: a role with pgevents_reader is enough,
and a hot standby serves them.

Exit codes: 0 ok (and tail -f stopped by Ctrl-C or SIGTERM); 1 error (and
migrate validate with pending migrations); 2 usage; 3 latest found no event;
130 interrupted by Ctrl-C or SIGTERM. Table output is for people; --json
prints JSON lines for tools such as jq. Progress goes to stderr.

Run "pgevents <command> --help" for a command's flags.
`

// Run executes the command line args (without the program name) and returns
// the process exit code: ExitOK, ExitFailure or ExitUsage. ctx bounds every
// database operation. A nil cfg means all defaults.
func Run(ctx context.Context, args []string, cfg *Config) int {
	e := &env{getenv: func(string) string { return "" }, stderr: io.Discard, stdout: io.Discard}
	if cfg != nil {
		if cfg.Getenv != nil {
			e.getenv = cfg.Getenv
		}
		if cfg.Stderr != nil {
			e.stderr = cfg.Stderr
		}
		if cfg.Stdout != nil {
			e.stdout = cfg.Stdout
		}
	}
	err := e.run(ctx, args)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.Is(err, errUsage):
		return ExitUsage
	case errors.Is(err, errPending):
		return ExitFailure
	case errors.Is(err, errNotFound):
		return ExitNotFound
	case ctx.Err() != nil:
		fmt.Fprintln(e.stderr, "pgevents: interrupted:", err)
		return ExitInterrupted
	default:
		fmt.Fprintln(e.stderr, err)
		return ExitFailure
	}
}

func (e *env) run(ctx context.Context, args []string) error {
	global := newFlagSet("pgevents")
	var databaseURL string
	global.StringVar(&databaseURL, "database-url", "", databaseURLUsage)
	if err := e.parse(global, usageText, args); err != nil {
		return err
	}
	rest := global.Args()
	if len(rest) == 0 {
		fmt.Fprint(e.stderr, usageText)
		return errUsage
	}
	switch rest[0] {
	case "help":
		fmt.Fprint(e.stdout, usageText)
		return nil
	case "version":
		return e.version(rest[1:])
	case "migrate":
		return e.migrate(ctx, databaseURL, rest[1:])
	case "read":
		return e.read(ctx, databaseURL, rest[1:])
	case "tail":
		return e.tail(ctx, databaseURL, rest[1:])
	case "latest":
		return e.latest(ctx, databaseURL, rest[1:])
	case "stats":
		return e.stats(ctx, databaseURL, rest[1:])
	case "consumers":
		return e.consumers(ctx, databaseURL, rest[1:])
	case "parked":
		return e.parked(ctx, databaseURL, rest[1:])
	case "projections":
		return e.projections(ctx, databaseURL, rest[1:])
	case "serve":
		return e.serve(ctx, databaseURL, rest[1:])
	default:
		return e.usageError(usageText, "unknown command %q", rest[0])
	}
}

const databaseURLUsage = "database URL (default $DATABASE_URL, then the PG* variables)"

// newFlagSet returns a silent flag set: parse prints help and errors itself.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args with fs: --help prints usage and the flags to stdout and
// returns flag.ErrHelp; a bad flag prints the error and usage to stderr and
// returns errUsage.
func (e *env) parse(fs *flag.FlagSet, usage string, args []string) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(e.stdout, usage)
		printDefaults(e.stdout, fs)
		return err
	default:
		return e.usageError(usage, "%v", err)
	}
}

// usageError prints "pgevents: <msg>" and the usage text to stderr and
// returns errUsage.
func (e *env) usageError(usage, format string, args ...any) error {
	fmt.Fprintf(e.stderr, "pgevents: "+format+"\n\n", args...)
	fmt.Fprint(e.stderr, usage)
	return errUsage
}

func printDefaults(w io.Writer, fs *flag.FlagSet) {
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	if b.Len() > 0 {
		fmt.Fprint(w, "\nFlags:\n", b.String())
	}
}
