package pgevents

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// The versioned migrations, the repeatable function files and the readable
// current schema, embedded so a binary can migrate any database.
//
//go:embed migrations/*.sql sql/functions/*.sql sql/schema/*.sql
var sqlFiles embed.FS

// MigrationTable is the goose version table pgevents uses. It lives in its
// own schema, so it never collides with an application's own goose table.
const MigrationTable = "pgevents_meta.goose_db_version"

// functionsLockKey serialises concurrent function installs (an arbitrary
// constant, documented here so operators can recognise it in pg_locks).
const functionsLockKey = 7_146_212_203_117_201_537

// Migrations returns the embedded versioned migrations (goose SQL files).
func Migrations() fs.FS {
	sub, err := fs.Sub(sqlFiles, "migrations")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// FunctionsSQL returns the repeatable function files in the order Migrate
// applies them, concatenated: the SQL to install or refresh every pgevents
// function for users of other migration tools.
func FunctionsSQL() (string, error) {
	names, err := fs.Glob(sqlFiles, "sql/functions/*.sql")
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	var out string
	for _, n := range names {
		b, err := sqlFiles.ReadFile(n)
		if err != nil {
			return "", err
		}
		out += "-- " + path.Base(n) + "\n" + string(b) + "\n"
	}
	return out, nil
}

// MigrationStatus is the state of one versioned migration.
type MigrationStatus struct {
	// Applied reports whether the migration has been applied.
	Applied bool
	// Name is the migration's file name.
	Name string
	// Version is the migration's version number.
	Version int64
}

func provider(ctx context.Context, db *sql.DB) (*goose.Provider, error) {
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS pgevents_meta"); err != nil {
		return nil, fmt.Errorf("pgevents: create schema pgevents_meta: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, fmt.Errorf("pgevents: migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, Migrations(),
		goose.WithTableName(MigrationTable), goose.WithSessionLocker(locker))
	if err != nil {
		return nil, fmt.Errorf("pgevents: migrations: %w", err)
	}
	return p, nil
}

// Migrate brings the pgevents schema of the database behind db up to date:
// it applies every pending versioned migration (goose, under a session
// advisory lock), then installs the current version of every function in one
// transaction under an advisory lock. It is safe to run again, and from
// several processes at once. With pgx, get a *sql.DB from a pool with
// stdlib.OpenDBFromPool.
//
// The role running it owns the pgevents objects; grant pgevents_writer or
// pgevents_reader to application roles.
func Migrate(ctx context.Context, db *sql.DB) error {
	p, err := provider(ctx, db)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("pgevents: migrate up: %w", err)
	}
	return installFunctions(ctx, db)
}

// MigrateStatus reports every versioned migration and whether it is applied.
func MigrateStatus(ctx context.Context, db *sql.DB) ([]MigrationStatus, error) {
	p, err := provider(ctx, db)
	if err != nil {
		return nil, err
	}
	res, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgevents: migration status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(res))
	for _, r := range res {
		out = append(out, MigrationStatus{Version: r.Source.Version, Name: path.Base(r.Source.Path),
			Applied: r.State == goose.StateApplied})
	}
	return out, nil
}

func installFunctions(ctx context.Context, db *sql.DB) error {
	names, err := fs.Glob(sqlFiles, "sql/functions/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("pgevents: install functions: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(functionsLockKey)); err != nil {
		return fmt.Errorf("pgevents: install functions: lock: %w", err)
	}
	for _, n := range names {
		b, err := sqlFiles.ReadFile(n)
		if err != nil {
			return err
		}
		// No arguments: the simple protocol, so a file may hold several statements.
		if _, err := tx.ExecContext(ctx, string(b)); err != nil {
			return fmt.Errorf("pgevents: install %s: %w", path.Base(n), err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("pgevents: install functions: %w", err)
	}
	return nil
}
