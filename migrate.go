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

// migrationLockKey is the session advisory lock goose holds while applying
// pgevents migrations: distinct from goose's default, so pgevents migrations
// never wait for an application's own goose migrations, or the reverse.
const migrationLockKey = 7_146_212_203_117_201_536

func provider(db *sql.DB, locked bool) (*goose.Provider, error) {
	opts := []goose.ProviderOption{goose.WithTableName(MigrationTable)}
	if locked {
		// Poll every second, for up to 5 minutes.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockKey), lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, fmt.Errorf("pgevents: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, Migrations(), opts...)
	if err != nil {
		return nil, fmt.Errorf("pgevents: migrations: %w", err)
	}
	return p, nil
}

// createMetaSchema creates the schema of goose's version table. Concurrent
// CREATE SCHEMA IF NOT EXISTS can still collide (23505 on pg_namespace), so
// it runs under a transaction-level advisory lock.
func createMetaSchema(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("pgevents: create schema pgevents_meta: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLockKey)); err != nil {
		return fmt.Errorf("pgevents: create schema pgevents_meta: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS pgevents_meta"); err != nil {
		return fmt.Errorf("pgevents: create schema pgevents_meta: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("pgevents: create schema pgevents_meta: %w", err)
	}
	return nil
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
	if err := createMetaSchema(ctx, db); err != nil {
		return err
	}
	p, err := provider(db, true)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("pgevents: migrate up: %w", err)
	}
	return installFunctions(ctx, db)
}

// MigrateStatus reports every versioned migration and whether it is applied.
// It only reads: on a database pgevents was never applied to, it reports
// every migration as pending and creates nothing.
func MigrateStatus(ctx context.Context, db *sql.DB) ([]MigrationStatus, error) {
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", MigrationTable).Scan(&exists); err != nil {
		return nil, fmt.Errorf("pgevents: migration status: %w", err)
	}
	if !exists {
		var out []MigrationStatus
		names, err := fs.Glob(Migrations(), "*.sql")
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			v, err := goose.NumericComponent(n)
			if err != nil {
				return nil, fmt.Errorf("pgevents: migration %s: %w", n, err)
			}
			out = append(out, MigrationStatus{Version: v, Name: n})
		}
		return out, nil
	}
	p, err := provider(db, false) // the version table exists: goose only reads it
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
