package pgevents

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
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
// stdlib.OpenDBFromPool. It is MigrateWithOpts with nil options.
//
// The role running it (current_user) owns the pgevents objects; grant
// pgevents_writer or pgevents_reader to application roles. Before executing
// anything it checks that no other role controls what it would run or write
// to, and returns an *UnsafeInstallationError (ErrUnsafeInstallation) if
// one does (see MigrateWithOpts).
func Migrate(ctx context.Context, db *sql.DB) error {
	return MigrateWithOpts(ctx, db, nil)
}

// MigrateOpts are the options of MigrateWithOpts. The zero value (or nil)
// means the defaults.
type MigrateOpts struct {
	// RolesPrefix names this installation's roles: <RolesPrefix>_reader and
	// <RolesPrefix>_writer instead of pgevents_reader and pgevents_writer.
	// Roles are cluster-wide: with the default names, a member of
	// pgevents_writer may write to every database of the cluster where
	// pgevents is installed, so give each database its own prefix when
	// several share a cluster. It must match [a-z][a-z0-9_]{0,47}. It is
	// stored in the setting roles_prefix at the first migrate (or the first
	// with a prefix, on an installation with the default roles); later runs
	// may omit it, and a different one is refused (*InvalidInputError with
	// CodeInvalidInstallation) before anything is executed. Missing roles
	// are created (NOLOGIN), which needs CREATEROLE. Defaults to the
	// installed prefix, or "pgevents".
	RolesPrefix string
}

// rolesPrefixRe is the shape of MigrateOpts.RolesPrefix (apply_roles.sql
// checks the same): the longest role name, <prefix>_reader, fits in 63 bytes.
var rolesPrefixRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)

// MigrateWithOpts is Migrate with options (nil means the defaults).
//
// Before executing anything, it checks the objects a hostile role could
// have prepared for the migrating role to run: the schemas pgevents and
// pgevents_meta and every object in them (extension members aside) must be
// owned by the migrating role itself (current_user; membership in the owner
// is not enough: run as the owner, e.g. with options=-c role=<owner> in the
// connection string), no other role may have CREATE on them, the tables of
// pgevents_meta (goose's version table) must be plain tables without
// triggers, rules or row-level security, and pg_trgm, when already
// installed, must be owned by the migrating role or a superuser. Otherwise
// it returns an *UnsafeInstallationError (matching ErrUnsafeInstallation)
// naming the first offending object; nothing was executed.
//
// It returns an *InvalidInputError (CodeInvalidInstallation, ErrInvalidInput)
// for an invalid opts.RolesPrefix or one that differs from the installed
// prefix, before anything is executed.
func MigrateWithOpts(ctx context.Context, db *sql.DB, opts *MigrateOpts) error {
	if opts == nil {
		opts = &MigrateOpts{}
	}
	if opts.RolesPrefix != "" && !rolesPrefixRe.MatchString(opts.RolesPrefix) {
		return &InvalidInputError{Code: CodeInvalidInstallation, Field: "RolesPrefix",
			Reason: fmt.Sprintf("must match [a-z][a-z0-9_]{0,47} (got %q)", opts.RolesPrefix)}
	}
	if err := checkInstallation(ctx, db, opts.RolesPrefix, true); err != nil {
		return err
	}
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
	return installFunctions(ctx, db, opts.RolesPrefix)
}

// ErrUnsafeInstallation is matched (errors.Is) by every
// *UnsafeInstallationError.
var ErrUnsafeInstallation = errors.New("pgevents: unsafe installation: refusing to migrate")

// UnsafeInstallationError is returned by Migrate when an object it would
// use is controlled by another role than the migrating one: a pgevents_meta
// schema or version table someone else created (with a trigger, it would
// run their code as the migrating role, often a superuser), a pgevents
// schema owned by someone else, CREATE granted on them to others. Nothing
// was executed. Inspect the object; if it is not yours, drop it (as its
// owner or a superuser) and migrate again; if it is, migrate as its owner.
type UnsafeInstallationError struct {
	// Object names the object, e.g. "schema pgevents_meta" or
	// "table pgevents_meta.goose_db_version".
	Object string
	// Owner is the object's owner.
	Owner string
	// Reason says what is wrong with it.
	Reason string
	// Role is the migrating role (current_user).
	Role string
}

// Error implements error.
func (e *UnsafeInstallationError) Error() string {
	return fmt.Sprintf("pgevents: refusing to migrate as %s: %s (owner %s) %s; nothing was executed\n"+
		"hint: if it is not yours, inspect and drop it; if it is, migrate as its owner (connection option options=-c role=%s)",
		e.Role, e.Object, e.Owner, e.Reason, e.Owner)
}

// Is matches ErrUnsafeInstallation.
func (e *UnsafeInstallationError) Is(target error) bool { return target == ErrUnsafeInstallation }

// installationCheck lists, in order, what makes an installation unsafe to
// migrate as current_user: object, owner, reason. It only reads catalogs.
// With $1 false, only what would run code on a read of goose's table (a
// relation that is not a plain table, rules, row-level security): what
// MigrateStatus needs, whoever runs it.
const installationCheck = `
WITH me AS (SELECT r.oid, r.rolname FROM pg_catalog.pg_roles r WHERE r.rolname = current_user),
schemas AS (
  SELECT n.oid, n.nspname, n.nspowner, n.nspacl FROM pg_catalog.pg_namespace n
   WHERE n.nspname IN ('pgevents', 'pgevents_meta')
),
problems AS (
  SELECT 1 AS ord, 'schema ' || s.nspname AS object, s.nspowner AS owner,
         'is not owned by the migrating role' AS reason
    FROM schemas s, me WHERE $1 AND s.nspowner <> me.oid
  UNION ALL
  SELECT 2, 'schema ' || s.nspname, s.nspowner,
         'grants CREATE to ' || pg_catalog.quote_ident(COALESCE(g.rolname, 'PUBLIC'))
    FROM schemas s CROSS JOIN LATERAL pg_catalog.aclexplode(s.nspacl) a
    LEFT JOIN pg_catalog.pg_roles g ON g.oid = a.grantee
   WHERE $1 AND a.privilege_type = 'CREATE' AND a.grantee <> s.nspowner
  UNION ALL
  SELECT 3, 'relation ' || c.oid::regclass::text, c.relowner, 'is not owned by the migrating role'
    FROM pg_catalog.pg_class c JOIN schemas s ON s.oid = c.relnamespace, me
   WHERE $1 AND c.relowner <> me.oid
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  UNION ALL
  SELECT 4, 'routine ' || p.oid::regprocedure::text, p.proowner, 'is not owned by the migrating role'
    FROM pg_catalog.pg_proc p JOIN schemas s ON s.oid = p.pronamespace, me
   WHERE $1 AND p.proowner <> me.oid
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  UNION ALL
  SELECT 5, 'type ' || t.oid::regtype::text, t.typowner, 'is not owned by the migrating role'
    FROM pg_catalog.pg_type t JOIN schemas s ON s.oid = t.typnamespace, me
   WHERE $1 AND t.typowner <> me.oid AND t.typrelid = 0
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid) -- an array type: its element is checked
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
  UNION ALL
  SELECT 6, 'relation ' || c.oid::regclass::text, c.relowner, 'is not a plain table (relkind ' || c.relkind::text || ')'
    FROM pg_catalog.pg_class c JOIN schemas s ON s.oid = c.relnamespace
   WHERE s.nspname = 'pgevents_meta' AND c.relkind NOT IN ('r', 'i', 'S')
  UNION ALL
  SELECT 7, 'table ' || c.oid::regclass::text, c.relowner, 'has trigger ' || pg_catalog.quote_ident(t.tgname)
    FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN schemas s ON s.oid = c.relnamespace
   WHERE s.nspname = 'pgevents_meta'
  UNION ALL
  SELECT 8, 'table ' || c.oid::regclass::text, c.relowner, 'has rule ' || pg_catalog.quote_ident(r.rulename)
    FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class JOIN schemas s ON s.oid = c.relnamespace
   WHERE s.nspname = 'pgevents_meta'
  UNION ALL
  SELECT 9, 'table ' || c.oid::regclass::text, c.relowner, 'has row-level security or policies'
    FROM pg_catalog.pg_class c JOIN schemas s ON s.oid = c.relnamespace
   WHERE s.nspname = 'pgevents_meta'
     AND (c.relrowsecurity OR EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid))
  UNION ALL
  SELECT 10, 'extension ' || e.extname || ' (schema ' || n.nspname || ')', e.extowner,
         'is owned by a role that is neither the migrating role nor a superuser'
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
    JOIN pg_catalog.pg_roles o ON o.oid = e.extowner, me
   WHERE $1 AND e.extname = 'pg_trgm' AND e.extowner <> me.oid AND NOT o.rolsuper
)
SELECT me.rolname, p.object, COALESCE(pg_catalog.pg_get_userbyid(p.owner), ''), p.reason
  FROM me LEFT JOIN LATERAL (SELECT * FROM problems ORDER BY ord, object LIMIT 1) p ON true`

// checkInstallation returns an *UnsafeInstallationError for the first
// object (installationCheck) another role controls, and an
// *InvalidInputError when prefix differs from the installed roles prefix.
// With forWrite false (MigrateStatus), it checks only what a read of
// goose's table could run. It only reads.
func checkInstallation(ctx context.Context, db *sql.DB, prefix string, forWrite bool) error {
	var role string
	var object, owner, reason sql.NullString
	if err := db.QueryRowContext(ctx, installationCheck, forWrite).Scan(&role, &object, &owner, &reason); err != nil {
		return fmt.Errorf("pgevents: check the installation: %w", err)
	}
	if object.Valid {
		return &UnsafeInstallationError{Object: object.String, Owner: owner.String, Reason: reason.String, Role: role}
	}
	if prefix == "" || !forWrite {
		return nil
	}
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT pg_catalog.to_regclass('pgevents.settings') IS NOT NULL").Scan(&exists); err != nil {
		return fmt.Errorf("pgevents: read the installed roles prefix: %w", err)
	}
	if !exists {
		return nil // before migration 00003: no settings, the default roles
	}
	var installed sql.NullString
	err := db.QueryRowContext(ctx, "SELECT s.value #>> '{}' FROM pgevents.settings s WHERE s.name = 'roles_prefix'").Scan(&installed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // before migration 00005: the default roles
	}
	if err != nil {
		return fmt.Errorf("pgevents: read the installed roles prefix: %w", err)
	}
	if installed.Valid && installed.String != prefix && installed.String != "pgevents" {
		return &InvalidInputError{Code: CodeInvalidInstallation, Field: "RolesPrefix",
			Reason: fmt.Sprintf("this installation's roles prefix is %q; changing it is not supported (got %q)", installed.String, prefix)}
	}
	return nil
}

// MigrateStatus reports every versioned migration and whether it is applied.
// It only reads: on a database pgevents was never applied to, it reports
// every migration as pending and creates nothing. It returns an
// *UnsafeInstallationError, before reading goose's table, when that table is
// not a plain table or has triggers, rules or row-level security (reading it
// could run another role's code as the caller).
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
	// Reading goose's table must not run another role's code (row-level
	// security policies, rules): refused like Migrate refuses them.
	if err := checkInstallation(ctx, db, "", false); err != nil {
		return nil, err
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

// installFunctions applies every function file in one transaction under an
// advisory lock; a non-empty prefix is stored in the setting roles_prefix
// first, so the last file (zzz_roles.sql) moves the grants to its roles.
func installFunctions(ctx context.Context, db *sql.DB, prefix string) error {
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
	if prefix != "" {
		if _, err := tx.ExecContext(ctx, "UPDATE pgevents.settings SET value = pg_catalog.to_jsonb($1::text) WHERE name = 'roles_prefix'", prefix); err != nil {
			return fmt.Errorf("pgevents: install functions: roles prefix: %w", err)
		}
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
