package cli_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents/cmd/pgevents/internal/cli"
	"github.com/pgevents/pgevents/internal/pgtest"
)

// TestMigrate_RolesPrefix drives --roles-prefix: up stores it and moves the
// grants to the installation's roles; a different one is refused; sql
// prints the setting before the functions; an invalid one fails.
func TestMigrate_RolesPrefix(t *testing.T) {
	t.Parallel()
	prefix := fmt.Sprintf("pgevt_cli%08x", rand.Uint32())
	t.Cleanup(func() { // after the database's drop (registered first, runs last)
		db := openDB(t, pgtest.ServerConnString(t, "postgres"))
		for _, r := range []string{prefix + "_reader", prefix + "_writer"} {
			_, err := db.ExecContext(context.WithoutCancel(t.Context()), "DROP ROLE IF EXISTS "+r)
			require.NoError(t, err)
		}
	})
	url := pgtest.NewEmptyDatabase(t)

	r := run(t, nil, "migrate", "up", "--database-url", url, "--roles-prefix", prefix)
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	db := openDB(t, url)
	var ok bool
	require.NoError(t, db.QueryRowContext(t.Context(), fmt.Sprintf(
		"SELECT has_function_privilege('%[1]s_writer', 'pgevents.append(text,text,jsonb,jsonb,text)', 'EXECUTE')"+
			" AND NOT has_function_privilege('pgevents_writer', 'pgevents.append(text,text,jsonb,jsonb,text)', 'EXECUTE')", prefix)).Scan(&ok))
	require.True(t, ok, "the installation's writer, not pgevents_writer, may append")

	r = run(t, nil, "migrate", "up", "--database-url", url)
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	r = run(t, nil, "migrate", "up", "--database-url", url, "--roles-prefix", "other")
	require.Equal(t, cli.ExitFailure, r.code)
	require.Contains(t, r.stderr, "changing it is not supported")
	r = run(t, nil, "migrate", "up", "--database-url", url, "--roles-prefix", "Not-A-Prefix")
	require.Equal(t, cli.ExitFailure, r.code)
	require.Contains(t, r.stderr, "RolesPrefix: must match")

	r = run(t, nil, "migrate", "sql", "--roles-prefix", "shop")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "UPDATE pgevents.settings SET value = to_jsonb('shop'::text) WHERE name = 'roles_prefix';\n\n-- Functions")
	r = run(t, nil, "migrate", "sql", "--roles-prefix", "x'; DROP TABLE y; --")
	require.Equal(t, cli.ExitFailure, r.code)
	require.Contains(t, r.stderr, "--roles-prefix must match")
}

// TestMigrate_UpRefusesAForeignMetaSchema: up refuses, with exit 1 and the
// object named, a pgevents_meta schema another role created.
func TestMigrate_UpRefusesAForeignMetaSchema(t *testing.T) {
	t.Parallel()
	role := fmt.Sprintf("pgevt_cli_att%08x", rand.Uint32())
	admin := openDB(t, pgtest.ServerConnString(t, "postgres"))
	_, err := admin.ExecContext(t.Context(), "CREATE ROLE "+role+" NOLOGIN")
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := openDB(t, pgtest.ServerConnString(t, "postgres")).ExecContext(context.WithoutCancel(t.Context()), "DROP ROLE IF EXISTS "+role)
		require.NoError(t, err)
	})
	url := pgtest.NewEmptyDatabase(t)
	_, err = openDB(t, url).ExecContext(t.Context(), "CREATE SCHEMA pgevents_meta AUTHORIZATION "+role)
	require.NoError(t, err)

	r := run(t, nil, "migrate", "up", "--database-url", url)
	require.Equal(t, cli.ExitFailure, r.code)
	require.Contains(t, r.stderr, "refusing to migrate as postgres: schema pgevents_meta (owner "+role+") is not owned by the migrating role")
}
