package cli_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents/cmd/pgevents/internal/cli"
	"github.com/pgevents/pgevents/internal/pgtest"
)

func TestMain(m *testing.M) {
	pgtest.Main(m)
}

// result is one Run: its exit code and what it wrote.
type result struct {
	code   int
	stderr string
	stdout string
}

// run runs the command line with env as the whole environment.
func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), args, &cli.Config{
		Getenv: func(k string) string { return env[k] },
		Stderr: &stderr,
		Stdout: &stdout,
	})
	return result{code: code, stderr: stderr.String(), stdout: stdout.String()}
}

func openDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// schemaFingerprint lists the pgevents schema's relations, columns,
// functions (with a hash of each body) and triggers, one per line.
func schemaFingerprint(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `
		SELECT 'relation ' || c.relname || ' ' || c.relkind::text
		  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = 'pgevents'
		UNION ALL
		SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
		  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = 'pgevents' AND a.attnum > 0 AND NOT a.attisdropped
		UNION ALL
		SELECT 'function ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc) || ' ' || coalesce(array_to_string(p.proacl, ','), '')
		  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		 WHERE n.nspname = 'pgevents'
		UNION ALL
		SELECT 'trigger ' || t.tgname
		  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = 'pgevents' AND NOT t.tgisinternal
		ORDER BY 1`)
	require.NoError(t, err)
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		lines = append(lines, s)
	}
	require.NoError(t, rows.Err())
	return strings.Join(lines, "\n")
}

func TestRun_Usage(t *testing.T) {
	t.Parallel()

	t.Run("NoArguments", func(t *testing.T) {
		t.Parallel()
		r := run(t, nil)
		require.Equal(t, cli.ExitUsage, r.code)
		require.Contains(t, r.stderr, "Usage:")
		require.Empty(t, r.stdout)
	})

	t.Run("Help", func(t *testing.T) {
		t.Parallel()
		for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
			r := run(t, nil, args...)
			require.Equal(t, cli.ExitOK, r.code, args)
			require.Contains(t, r.stdout, "migrate validate", args)
		}
	})

	t.Run("MigrateHelp", func(t *testing.T) {
		t.Parallel()
		r := run(t, nil, "migrate", "up", "--help")
		require.Equal(t, cli.ExitOK, r.code)
		require.Contains(t, r.stdout, "-database-url")
	})

	t.Run("UnknownCommand", func(t *testing.T) {
		t.Parallel()
		r := run(t, nil, "frobnicate")
		require.Equal(t, cli.ExitUsage, r.code)
		require.Contains(t, r.stderr, `unknown command "frobnicate"`)
	})

	t.Run("UnknownFlag", func(t *testing.T) {
		t.Parallel()
		r := run(t, nil, "migrate", "up", "--nope")
		require.Equal(t, cli.ExitUsage, r.code)
		require.Contains(t, r.stderr, "nope")
	})

	t.Run("MissingSubcommand", func(t *testing.T) {
		t.Parallel()
		r := run(t, nil, "migrate")
		require.Equal(t, cli.ExitUsage, r.code)
		require.Contains(t, r.stderr, "missing subcommand")
	})

	t.Run("UnknownSubcommand", func(t *testing.T) {
		t.Parallel()
		r := run(t, nil, "migrate", "sideways")
		require.Equal(t, cli.ExitUsage, r.code)
		require.Contains(t, r.stderr, `unknown subcommand "sideways"`)
	})

	t.Run("ExtraArgument", func(t *testing.T) {
		t.Parallel()
		r := run(t, nil, "migrate", "status", "extra")
		require.Equal(t, cli.ExitUsage, r.code)
		require.Contains(t, r.stderr, `unexpected argument "extra"`)
	})
}

// latestVersion is the schema version the binary migrates to, as "pgevents
// version" reports it.
func latestVersion(t *testing.T) int64 {
	t.Helper()
	r := run(t, nil, "version")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	m := regexp.MustCompile(`(?m)^schema version: ([0-9]+) `).FindStringSubmatch(r.stdout)
	require.NotNil(t, m, r.stdout)
	v, err := strconv.ParseInt(m[1], 10, 64)
	require.NoError(t, err)
	return v
}

func TestRun_Version(t *testing.T) {
	t.Parallel()

	r := run(t, nil, "version")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Regexp(t, `(?m)^pgevents \S+`, r.stdout)
	require.Regexp(t, `(?m)^schema version: [1-9][0-9]* \([0-9]+ migrations\)$`, r.stdout)
	require.Contains(t, r.stdout, "go: go")
}

func TestMigrate_Lifecycle(t *testing.T) {
	t.Parallel()

	url := pgtest.NewEmptyDatabase(t)
	env := map[string]string{cli.EnvDatabaseURL: url}

	r := run(t, env, "migrate", "status")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Regexp(t, `(?m)^1\s+00001_init\.sql\s+pending$`, r.stdout)
	require.Regexp(t, `(?m)^current version: 0, pending: [1-9]`, r.stdout)

	r = run(t, env, "migrate", "validate")
	require.Equal(t, cli.ExitFailure, r.code)
	require.Contains(t, r.stderr, "pending: 00001_init.sql")
	require.Contains(t, r.stderr, "pgevents migrate up")

	r = run(t, env, "migrate", "up")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Regexp(t, `^pgevents: migrated to version [1-9][0-9]* \([0-9]+ pending before: 00001_init\.sql`, r.stdout)

	r = run(t, env, "migrate", "up")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "schema already at version")

	r = run(t, env, "migrate", "validate")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "schema up to date at version")

	r = run(t, env, "migrate", "status")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Regexp(t, `(?m)^1\s+00001_init\.sql\s+applied$`, r.stdout)
	require.Regexp(t, `(?m)^current version: [1-9][0-9]*, pending: 0$`, r.stdout)

	// The CLI's result is exactly what pgevents.Migrate builds.
	require.Equal(t, schemaFingerprint(t, openDB(t, pgtest.NewDatabase(t))), schemaFingerprint(t, openDB(t, url)))
}

func TestMigrate_UpConcurrent(t *testing.T) {
	t.Parallel()

	url := pgtest.NewEmptyDatabase(t)
	const n = 4
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i] = run(t, nil, "migrate", "up", "--database-url", url) })
	}
	wg.Wait()
	for i, r := range results {
		require.Equal(t, cli.ExitOK, r.code, "run %d: %s", i, r.stderr)
	}

	r := run(t, nil, "--database-url", url, "migrate", "validate")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Equal(t, schemaFingerprint(t, openDB(t, pgtest.NewDatabase(t))), schemaFingerprint(t, openDB(t, url)))
}

func TestMigrate_DatabaseURL(t *testing.T) {
	t.Parallel()

	t.Run("FlagOverridesEnv", func(t *testing.T) {
		t.Parallel()
		url := pgtest.NewDatabase(t)
		env := map[string]string{cli.EnvDatabaseURL: "postgres://nobody:secret@[bad"}
		r := run(t, env, "migrate", "validate", "--database-url", url)
		require.Equal(t, cli.ExitOK, r.code, r.stderr)
	})

	t.Run("GlobalFlag", func(t *testing.T) {
		t.Parallel()
		r := run(t, nil, "--database-url", pgtest.NewDatabase(t), "migrate", "validate")
		require.Equal(t, cli.ExitOK, r.code, r.stderr)
	})

	t.Run("InvalidURLHidesPassword", func(t *testing.T) {
		t.Parallel()
		env := map[string]string{cli.EnvDatabaseURL: "postgres://nobody:s3cr3t@[bad"}
		r := run(t, env, "migrate", "status")
		require.Equal(t, cli.ExitFailure, r.code)
		require.Contains(t, r.stderr, "invalid database URL (from $DATABASE_URL)")
		require.NotContains(t, r.stderr, "s3cr3t")
	})

	t.Run("ConnectFailure", func(t *testing.T) {
		t.Parallel()
		url := pgtest.NewDatabase(t) + " user=no_such_role"
		r := run(t, nil, "migrate", "up", "--database-url", url)
		require.Equal(t, cli.ExitFailure, r.code)
		require.Contains(t, r.stderr, "connect to the database (from --database-url)")
		require.Contains(t, r.stderr, "no_such_role")
	})
}

func TestMigrate_SQL(t *testing.T) {
	t.Parallel()

	t.Run("BuildsTheSameSchema", func(t *testing.T) {
		t.Parallel()
		r := run(t, nil, "migrate", "sql")
		require.Equal(t, cli.ExitOK, r.code, r.stderr)
		require.NotContains(t, r.stdout, "+goose")
		require.Contains(t, r.stdout, "-- Migration 00001_init.sql (version 1)")
		require.Contains(t, r.stdout, "CREATE OR REPLACE FUNCTION pgevents.append(")
		require.NotContains(t, r.stdout, "DROP SCHEMA pgevents CASCADE", "Down sections are not printed")

		// Applied as one script (the simple protocol allows several
		// statements), it builds what pgevents.Migrate builds.
		db := openDB(t, pgtest.NewEmptyDatabase(t))
		_, err := db.ExecContext(context.Background(), r.stdout)
		require.NoError(t, err)
		require.Equal(t, schemaFingerprint(t, openDB(t, pgtest.NewDatabase(t))), schemaFingerprint(t, db))
	})

	t.Run("After", func(t *testing.T) {
		t.Parallel()
		latest := latestVersion(t)

		r := run(t, nil, "migrate", "sql", "--after", strconv.FormatInt(latest, 10), "--functions=false")
		require.Equal(t, cli.ExitOK, r.code, r.stderr)
		require.NotContains(t, r.stdout, "-- Migration ")
		require.NotContains(t, r.stdout, "CREATE")
		require.Contains(t, r.stdout, fmt.Sprintf("No migration has a version above %d", latest))

		r = run(t, nil, "migrate", "sql", "--after", "1")
		require.Equal(t, cli.ExitOK, r.code, r.stderr)
		require.NotContains(t, r.stdout, "00001_init.sql")
		require.Contains(t, r.stdout, "CREATE OR REPLACE FUNCTION pgevents.append(")
		if latest > 1 {
			require.Contains(t, r.stdout, fmt.Sprintf("(version %d)", latest))
		}
	})

	t.Run("NegativeAfter", func(t *testing.T) {
		t.Parallel()
		r := run(t, nil, "migrate", "sql", "--after", "-1")
		require.Equal(t, cli.ExitFailure, r.code)
		require.Contains(t, r.stderr, "--after must not be negative")
	})
}
