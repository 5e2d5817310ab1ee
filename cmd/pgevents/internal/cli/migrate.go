package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/pgevents/pgevents"
)

const migrateUsage = `Usage:
  pgevents migrate up       [--database-url URL] [--roles-prefix PREFIX]
  pgevents migrate status   [--database-url URL]
  pgevents migrate validate [--database-url URL]
  pgevents migrate sql      [--after VERSION] [--functions=false] [--roles-prefix PREFIX]

up        applies every pending versioned migration (goose, recorded in
          ` + pgevents.MigrationTable + `), then installs the current
          version of every pgevents function in one transaction. Both steps
          hold advisory locks, so running it again, or from several processes
          at once, is safe. The connected role (current_user) owns what it
          creates; before executing anything, up refuses (exit 1) a database
          where pgevents or pgevents_meta, or an object in them, belongs to
          another role, or goose's table has triggers, rules or row-level
          security: such objects would run another role's code as yours. To
          migrate as a NOLOGIN owner role, add options=-c role=OWNER to the
          connection string (URL: ?options=-c%20role%3DOWNER).
          --roles-prefix P gives this installation its own roles, P_reader
          and P_writer (created if missing: needs CREATEROLE), instead of
          pgevents_reader and pgevents_writer, which are shared by every
          database of the cluster. Set it at the first migrate (or on an
          installation with the default roles); it is remembered, and a
          different one is refused.
status    lists the versioned migrations and whether each is applied.
validate  exits 1 (listing them on stderr) when migrations are pending, 0
          when the database is up to date.
sql       prints the Up SQL of the versioned migrations, then every function
          definition, for users of other migration tools. It needs no
          database. Apply the migrations once each, in order; re-apply the
          functions section after every upgrade (it is repeatable). With
          --roles-prefix, an UPDATE of the setting roles_prefix comes before
          the functions section (print it at the first install only).

status and validate only read: on a database pgevents was never applied to
they report every migration as pending and create nothing. Only up changes
the database.
`

func (e *env) migrate(ctx context.Context, databaseURL string, args []string) error {
	fs := newFlagSet("pgevents migrate")
	fs.StringVar(&databaseURL, "database-url", databaseURL, databaseURLUsage)
	if err := e.parse(fs, migrateUsage, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return e.usageError(migrateUsage, "migrate: missing subcommand (up, status, validate or sql)")
	}
	sub, args := fs.Arg(0), fs.Args()[1:]
	fs = newFlagSet("pgevents migrate " + sub)
	var (
		after       int64
		functions   bool
		rolesPrefix string
		prefixUsage = "this installation's roles are PREFIX_reader and PREFIX_writer (default: the installed prefix, else pgevents)"
	)
	switch sub {
	case "up":
		fs.StringVar(&databaseURL, "database-url", databaseURL, databaseURLUsage)
		fs.StringVar(&rolesPrefix, "roles-prefix", "", prefixUsage)
	case "status", "validate":
		fs.StringVar(&databaseURL, "database-url", databaseURL, databaseURLUsage)
	case "sql":
		fs.Int64Var(&after, "after", 0, "print only the migrations with a version above this one (an upgrade from it)")
		fs.BoolVar(&functions, "functions", true, "print the function definitions after the migrations")
		fs.StringVar(&rolesPrefix, "roles-prefix", "", prefixUsage)
	default:
		return e.usageError(migrateUsage, "migrate: unknown subcommand %q", sub)
	}
	if err := e.parse(fs, migrateUsage, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usageError(migrateUsage, "migrate %s: unexpected argument %q", sub, fs.Arg(0))
	}
	if sub == "sql" {
		return e.migrateSQL(after, functions, rolesPrefix)
	}

	db, err := e.open(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "up":
		return e.migrateUp(ctx, db, rolesPrefix)
	case "status":
		return e.migrateStatus(ctx, db)
	default:
		return e.migrateValidate(ctx, db)
	}
}

// open connects to the database named by databaseURL, else $DATABASE_URL,
// else the PG* variables (read by pgx when the string is empty). The URL is
// never printed: it may hold a password.
func (e *env) open(ctx context.Context, databaseURL string) (*sql.DB, error) {
	source := "--database-url"
	if databaseURL == "" {
		databaseURL = e.getenv(EnvDatabaseURL)
		source = "$" + EnvDatabaseURL
	}
	if databaseURL == "" {
		source = "the PG* variables"
	}
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("pgevents: invalid database URL (from %s): %w", source, err)
	}
	db := stdlib.OpenDB(*cfg)
	// One connection holds goose's session lock, another runs the migration.
	db.SetMaxOpenConns(4)
	pingCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("pgevents: connect to the database (from %s): %w\n"+
			"hint: set --database-url, $%s or the PG* variables", source, err, EnvDatabaseURL)
	}
	return db, nil
}

func (e *env) migrateUp(ctx context.Context, db *sql.DB, rolesPrefix string) error {
	before, err := pgevents.MigrateStatus(ctx, db)
	if err != nil {
		return err
	}
	if err := pgevents.MigrateWithOpts(ctx, db, &pgevents.MigrateOpts{RolesPrefix: rolesPrefix}); err != nil {
		return err
	}
	// Migrate applied everything it knows, so the version is the newest one.
	var (
		pending []string
		version int64
	)
	for _, s := range before {
		version = max(version, s.Version)
		if !s.Applied {
			pending = append(pending, s.Name)
		}
	}
	if len(pending) == 0 {
		fmt.Fprintf(e.stdout, "pgevents: schema already at version %d; functions reinstalled\n", version)
		return nil
	}
	// Another process may have applied some of these concurrently: "pending
	// before", not "applied by us".
	fmt.Fprintf(e.stdout, "pgevents: migrated to version %d (%d pending before: %s); functions installed\n",
		version, len(pending), strings.Join(pending, ", "))
	return nil
}

// rolesPrefixRe is the shape of --roles-prefix (pgevents.MigrateOpts.RolesPrefix).
var rolesPrefixRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)

func (e *env) migrateStatus(ctx context.Context, db *sql.DB) error {
	status, err := pgevents.MigrateStatus(ctx, db)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tNAME\tSTATE")
	for _, s := range status {
		state := "pending"
		if s.Applied {
			state = "applied"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", s.Version, s.Name, state)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	version, pending := current(status)
	fmt.Fprintf(e.stdout, "current version: %d, pending: %d\n", version, pending)
	return nil
}

func (e *env) migrateValidate(ctx context.Context, db *sql.DB) error {
	status, err := pgevents.MigrateStatus(ctx, db)
	if err != nil {
		return err
	}
	version, pending := current(status)
	if pending == 0 {
		fmt.Fprintf(e.stdout, "pgevents: schema up to date at version %d\n", version)
		return nil
	}
	var names []string
	for _, s := range status {
		if !s.Applied {
			names = append(names, s.Name)
		}
	}
	fmt.Fprintf(e.stderr, "pgevents: %d migration(s) pending: %s\nhint: run pgevents migrate up\n",
		pending, strings.Join(names, ", "))
	return errPending
}

// current returns the highest applied version (0 if none) and the number of
// pending migrations.
func current(status []pgevents.MigrationStatus) (version int64, pending int) {
	for _, s := range status {
		if s.Applied {
			version = max(version, s.Version)
		} else {
			pending++
		}
	}
	return version, pending
}

func (e *env) migrateSQL(after int64, functions bool, rolesPrefix string) error {
	migrations, err := listMigrations()
	if err != nil {
		return err
	}
	if after < 0 {
		return errors.New("pgevents: migrate sql: --after must not be negative")
	}
	if rolesPrefix != "" && !rolesPrefixRe.MatchString(rolesPrefix) {
		return fmt.Errorf("pgevents: migrate sql: --roles-prefix must match [a-z][a-z0-9_]{0,47} (got %q)", rolesPrefix)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- pgevents schema SQL (%s), printed by `pgevents migrate sql`.\n", buildVersion())
	b.WriteString("-- Apply each migration once, in order, each in its own transaction; then apply\n")
	b.WriteString("-- the functions section (repeatable: re-apply it after every upgrade).\n")
	n := 0
	for _, m := range migrations {
		if m.version <= after {
			continue
		}
		n++
		fmt.Fprintf(&b, "\n-- Migration %s (version %d)\n", m.name, m.version)
		if m.noTransaction {
			b.WriteString("-- Run this migration outside a transaction block.\n")
		}
		b.WriteString(m.up)
	}
	if n == 0 {
		fmt.Fprintf(&b, "\n-- No migration has a version above %d.\n", after)
	}
	if rolesPrefix != "" {
		fmt.Fprintf(&b, "\n-- This installation's roles: %[1]s_reader and %[1]s_writer (the functions section moves the grants to them).\n"+
			"UPDATE pgevents.settings SET value = to_jsonb('%[1]s'::text) WHERE name = 'roles_prefix';\n", rolesPrefix)
	}
	if functions {
		sqlText, err := pgevents.FunctionsSQL()
		if err != nil {
			return fmt.Errorf("pgevents: migrate sql: %w", err)
		}
		b.WriteString("\n-- Functions (repeatable; apply after the migrations, in one transaction)\n")
		b.WriteString(sqlText)
	}
	_, err = fmt.Fprint(e.stdout, b.String())
	return err
}
