package pgevents_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/pgtest"
)

// These tests attack installations as least-privileged LOGIN roles, each
// connected for real. Roles are cluster-wide, so every test names its own
// (random suffix) and drops them when it ends, after its databases.

// newRole creates a role named prefix_<random> with the given attributes
// (e.g. "LOGIN") and drops it when the test ends, after the databases the
// test creates later (cleanups run last-in first-out). It returns the name.
func newRole(t *testing.T, prefix, attributes string) string {
	t.Helper()
	name := fmt.Sprintf("%s_%08x", prefix, rand.Uint32())
	admin := openSuper(t, pgtest.ServerConnString(t, "postgres"))
	mustExec(t, admin, fmt.Sprintf("CREATE ROLE %s %s PASSWORD 'pw'", name, attributes))
	t.Cleanup(func() {
		ctx := context.WithoutCancel(t.Context())
		db, err := sql.Open("pgx", pgtest.ServerConnString(t, "postgres"))
		if err != nil {
			t.Errorf("drop role %s: %v", name, err)
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, "DROP ROLE IF EXISTS "+name); err != nil {
			t.Errorf("drop role %s: %v", name, err)
		}
	})
	return name
}

// dropRolesLater drops roles created by the code under test when the test
// ends (register it before the databases, so it runs after their drop).
func dropRolesLater(t *testing.T, names ...string) {
	t.Cleanup(func() {
		db, err := sql.Open("pgx", pgtest.ServerConnString(t, "postgres"))
		if err != nil {
			t.Errorf("drop roles: %v", err)
			return
		}
		defer db.Close()
		for _, n := range names {
			if _, err := db.ExecContext(context.WithoutCancel(t.Context()), "DROP ROLE IF EXISTS "+n); err != nil {
				t.Errorf("drop role %s: %v", n, err)
			}
		}
	})
}

// openSuper opens dsn as the test server's superuser.
func openSuper(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// openAs opens dsn logged in as role (password "pw"), with extra startup
// parameters (e.g. "options": "-c role=owner").
func openAs(t *testing.T, dsn, role string, params map[string]string) *sql.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	cfg.User, cfg.Password = role, "pw"
	for k, v := range params {
		cfg.RuntimeParams[k] = v
	}
	db := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	_, err := db.ExecContext(t.Context(), query, args...)
	require.NoError(t, err, query)
}

// requireSQLState requires err to carry SQLSTATE code.
func requireSQLState(t *testing.T, err error, code string) {
	t.Helper()
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "want SQLSTATE %s, got %v", code, err)
	require.Equal(t, code, pgErr.Code, pgErr.Message)
}

func queryBool(t *testing.T, db *sql.DB, query string, args ...any) bool {
	t.Helper()
	var b bool
	require.NoError(t, db.QueryRowContext(t.Context(), query, args...).Scan(&b), query)
	return b
}

// TestMigrate_RefusesObjectsAnotherRoleControls: a role with CREATE on the
// database prepares objects that would run its code as whoever migrates
// (here a superuser): a pgevents_meta schema and goose version table with a
// trigger that makes the attacker a superuser, and variants. Migrate refuses
// with an *UnsafeInstallationError before executing anything: the trigger
// never fires, nothing is created. (Before the check, Migrate ran the
// trigger as the superuser.)
func TestMigrate_RefusesObjectsAnotherRoleControls(t *testing.T) {
	t.Parallel()

	// prepare creates the attacker (a LOGIN role with CREATE on a fresh
	// database only), the goose table in schema meta owned as set up by
	// setup, with a trigger that escalates and logs when it fires as
	// anyone else.
	type bundle struct {
		attacker string
		db       *sql.DB // superuser
		dsn      string
	}
	setup := func(t *testing.T) bundle {
		t.Helper()
		attacker := newRole(t, "pgevt_attacker", "LOGIN")
		dsn := pgtest.NewEmptyDatabase(t)
		db := openSuper(t, dsn)
		var dbName string
		require.NoError(t, db.QueryRowContext(t.Context(), "SELECT current_database()").Scan(&dbName))
		mustExec(t, db, fmt.Sprintf("GRANT CREATE ON DATABASE %s TO %s", dbName, attacker))
		return bundle{attacker: attacker, db: db, dsn: dsn}
	}
	// plant creates, as the attacker, its own schema with a log table and
	// an escalating trigger function (SECURITY INVOKER: it runs as whoever
	// fires it).
	plant := func(t *testing.T, b bundle) *sql.DB {
		t.Helper()
		att := openAs(t, b.dsn, b.attacker, nil)
		mustExec(t, att, "CREATE SCHEMA attack")
		mustExec(t, att, "CREATE TABLE attack.fired (by name)")
		mustExec(t, att, "GRANT USAGE ON SCHEMA attack TO PUBLIC")
		mustExec(t, att, "GRANT INSERT ON attack.fired TO PUBLIC")
		mustExec(t, att, fmt.Sprintf(`CREATE FUNCTION attack.pwn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_user <> %[1]q THEN
    INSERT INTO attack.fired VALUES (current_user);
    EXECUTE 'ALTER ROLE %[1]s SUPERUSER';
  END IF;
  RETURN NEW;
END $$`, b.attacker))
		mustExec(t, att, "GRANT EXECUTE ON FUNCTION attack.pwn() TO PUBLIC")
		return att
	}
	// gooseTable creates goose's version table (with its version 0 row, as
	// goose leaves it) as db's role.
	gooseTable := func(t *testing.T, db *sql.DB) {
		t.Helper()
		mustExec(t, db, `CREATE TABLE pgevents_meta.goose_db_version (id serial PRIMARY KEY,
			version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp DEFAULT now())`)
		mustExec(t, db, "INSERT INTO pgevents_meta.goose_db_version (version_id, is_applied) VALUES (0, true)")
	}
	// requireRefused runs Migrate as the superuser and requires the refusal
	// naming object and reason, then that nothing ran.
	requireRefused := func(t *testing.T, b bundle, object, owner, reason string) {
		t.Helper()
		err := pgevents.Migrate(t.Context(), b.db)
		require.ErrorIs(t, err, pgevents.ErrUnsafeInstallation)
		var ue *pgevents.UnsafeInstallationError
		require.ErrorAs(t, err, &ue)
		require.Equal(t, pgevents.UnsafeInstallationError{Object: object, Owner: owner, Reason: reason, Role: "postgres"}, *ue)
		require.Contains(t, err.Error(), "nothing was executed")
		require.False(t, queryBool(t, b.db, "SELECT rolsuper FROM pg_roles WHERE rolname = $1", b.attacker),
			"the attacker must not become a superuser")
		if queryBool(t, b.db, "SELECT to_regclass('attack.fired') IS NOT NULL") {
			require.False(t, queryBool(t, b.db, "SELECT EXISTS (SELECT 1 FROM attack.fired)"), "the trigger fired")
		}
		require.False(t, queryBool(t, b.db, "SELECT to_regclass('pgevents.events') IS NOT NULL"), "nothing migrated")
	}

	t.Run("MetaSchemaAndVersionTableOfTheAttacker", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		att := plant(t, b)
		mustExec(t, att, "CREATE SCHEMA pgevents_meta")
		gooseTable(t, att)
		mustExec(t, att, "CREATE TRIGGER pwn BEFORE INSERT ON pgevents_meta.goose_db_version FOR EACH ROW EXECUTE FUNCTION attack.pwn()")
		mustExec(t, att, "GRANT ALL ON SCHEMA pgevents_meta TO PUBLIC")
		mustExec(t, att, "GRANT ALL ON ALL TABLES IN SCHEMA pgevents_meta TO PUBLIC")
		mustExec(t, att, "GRANT ALL ON ALL SEQUENCES IN SCHEMA pgevents_meta TO PUBLIC")
		requireRefused(t, b, "schema pgevents_meta", b.attacker, "is not owned by the migrating role")
		var rows int
		require.NoError(t, b.db.QueryRowContext(t.Context(), "SELECT count(*) FROM pgevents_meta.goose_db_version").Scan(&rows))
		require.Equal(t, 1, rows, "goose's table untouched")
	})
	t.Run("VersionTableOfTheAttackerInOurMetaSchema", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		att := plant(t, b)
		mustExec(t, b.db, "CREATE SCHEMA pgevents_meta")
		mustExec(t, b.db, "GRANT CREATE, USAGE ON SCHEMA pgevents_meta TO "+b.attacker)
		gooseTable(t, att)
		mustExec(t, att, "CREATE TRIGGER pwn BEFORE INSERT ON pgevents_meta.goose_db_version FOR EACH ROW EXECUTE FUNCTION attack.pwn()")
		requireRefused(t, b, "schema pgevents_meta", "postgres", "grants CREATE to "+b.attacker)
		mustExec(t, b.db, "REVOKE CREATE ON SCHEMA pgevents_meta FROM "+b.attacker)
		requireRefused(t, b, "relation pgevents_meta.goose_db_version", b.attacker, "is not owned by the migrating role")
	})
	t.Run("TriggerOnOurVersionTable", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		plant(t, b)
		mustExec(t, b.db, "CREATE SCHEMA pgevents_meta")
		gooseTable(t, b.db)
		// A trigger the owner added (or a role granted TRIGGER on it).
		mustExec(t, b.db, "CREATE TRIGGER pwn BEFORE INSERT ON pgevents_meta.goose_db_version FOR EACH ROW EXECUTE FUNCTION attack.pwn()")
		requireRefused(t, b, "table pgevents_meta.goose_db_version", "postgres", "has trigger pwn")
	})
	t.Run("RuleOnOurVersionTable", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		plant(t, b)
		mustExec(t, b.db, "CREATE SCHEMA pgevents_meta")
		gooseTable(t, b.db)
		mustExec(t, b.db, "CREATE RULE pwn AS ON INSERT TO pgevents_meta.goose_db_version DO ALSO INSERT INTO attack.fired VALUES (current_user)")
		requireRefused(t, b, "table pgevents_meta.goose_db_version", "postgres", "has rule pwn")
	})
	t.Run("PoliciesOnOurVersionTable", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		mustExec(t, b.db, "CREATE SCHEMA pgevents_meta")
		gooseTable(t, b.db)
		mustExec(t, b.db, "ALTER TABLE pgevents_meta.goose_db_version ENABLE ROW LEVEL SECURITY")
		requireRefused(t, b, "table pgevents_meta.goose_db_version", "postgres", "has row-level security or policies")
	})
	t.Run("EventsSchemaOfTheAttacker", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		att := plant(t, b)
		mustExec(t, att, "CREATE SCHEMA pgevents")
		requireRefused(t, b, "schema pgevents", b.attacker, "is not owned by the migrating role")
	})
	t.Run("TrigramExtensionOfTheAttacker", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		att := plant(t, b)
		// pg_trgm is trusted: any role with CREATE on the database installs
		// it, and owns it (so it could swap similarity() for its own).
		mustExec(t, att, "CREATE EXTENSION pg_trgm WITH SCHEMA attack")
		requireRefused(t, b, "extension pg_trgm (schema attack)", b.attacker,
			"is owned by a role that is neither the migrating role nor a superuser")
	})
	t.Run("CleanDatabaseMigrates", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		plant(t, b) // objects elsewhere do not matter
		require.NoError(t, pgevents.Migrate(t.Context(), b.db))
		require.NoError(t, pgevents.Migrate(t.Context(), b.db), "and again")
	})
}

// TestMigrateStatus_RefusesCodeOnRead: MigrateStatus only reads goose's
// table, but reading runs row-level security policies as the reader (a
// monitoring login here, not a superuser: superusers bypass them). A
// version table another role prepared with a policy is refused before it is
// read: the policy's function never runs.
func TestMigrateStatus_RefusesCodeOnRead(t *testing.T) {
	t.Parallel()
	attacker := newRole(t, "pgevt_attacker", "LOGIN")
	monitor := newRole(t, "pgevt_monitor", "LOGIN")
	dsn := pgtest.NewEmptyDatabase(t)
	super := openSuper(t, dsn)
	var dbName string
	require.NoError(t, super.QueryRowContext(t.Context(), "SELECT current_database()").Scan(&dbName))
	mustExec(t, super, fmt.Sprintf("GRANT CREATE ON DATABASE %s TO %s", dbName, attacker))
	att := openAs(t, dsn, attacker, nil)
	for _, q := range []string{
		"CREATE SCHEMA pgevents_meta",
		"CREATE TABLE pgevents_meta.fired (by name)",
		"CREATE FUNCTION pgevents_meta.pwn() RETURNS boolean LANGUAGE sql AS $$ INSERT INTO pgevents_meta.fired VALUES (current_user) RETURNING true $$",
		`CREATE TABLE pgevents_meta.goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL,
			is_applied boolean NOT NULL, tstamp timestamp DEFAULT now())`,
		"INSERT INTO pgevents_meta.goose_db_version (version_id, is_applied) VALUES (0, true)",
		"ALTER TABLE pgevents_meta.goose_db_version ENABLE ROW LEVEL SECURITY",
		"CREATE POLICY pwn ON pgevents_meta.goose_db_version USING (pgevents_meta.pwn())",
		"GRANT USAGE ON SCHEMA pgevents_meta TO PUBLIC",
		"GRANT SELECT ON pgevents_meta.goose_db_version TO PUBLIC",
		"GRANT INSERT ON pgevents_meta.fired TO PUBLIC",
	} {
		mustExec(t, att, q)
	}
	_, err := pgevents.MigrateStatus(t.Context(), openAs(t, dsn, monitor, nil))
	var ue *pgevents.UnsafeInstallationError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, "table pgevents_meta.goose_db_version", ue.Object)
	require.Equal(t, "has row-level security or policies", ue.Reason)
	require.False(t, queryBool(t, super, "SELECT EXISTS (SELECT 1 FROM pgevents_meta.fired)"), "the policy ran")
}

// TestMigrate_OwnerMustBeTheMigratingRole: an installation owned by another
// role is refused even for a superuser (membership is not ownership); run
// as the owner instead.
func TestMigrate_OwnerMustBeTheMigratingRole(t *testing.T) {
	t.Parallel()
	owner := newRole(t, "pgevt_owner", "NOLOGIN")
	dsn := pgtest.NewEmptyDatabase(t)
	db := openSuper(t, dsn)
	var dbName string
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT current_database()").Scan(&dbName))
	mustExec(t, db, fmt.Sprintf("GRANT CREATE ON DATABASE %s TO %s", dbName, owner))
	asOwner := openAs(t, dsn, "postgres", map[string]string{"options": "-c role=" + owner})
	require.NoError(t, pgevents.Migrate(t.Context(), asOwner))

	err := pgevents.Migrate(t.Context(), db)
	var ue *pgevents.UnsafeInstallationError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, "schema pgevents", ue.Object)
	require.Equal(t, owner, ue.Owner)
	require.NoError(t, pgevents.Migrate(t.Context(), asOwner), "as the owner it migrates")
}

// TestMigrateWithOpts_RolesPrefix: roles are cluster-wide; with its own
// roles prefix, an installation's writers and readers cannot reach another
// database's pgevents, and the default roles keep nothing in it.
func TestMigrateWithOpts_RolesPrefix(t *testing.T) {
	t.Parallel()
	prefixA := fmt.Sprintf("pgevt_a%08x", rand.Uint32())
	prefixB := fmt.Sprintf("pgevt_b%08x", rand.Uint32())
	dropRolesLater(t, prefixA+"_reader", prefixA+"_writer", prefixB+"_reader", prefixB+"_writer")
	writerA := newRole(t, "pgevt_writer_a", "LOGIN")
	readerA := newRole(t, "pgevt_reader_a", "LOGIN")
	defaultWriter := newRole(t, "pgevt_writer_default", "LOGIN")
	dsnA, dsnB, dsnC := pgtest.NewEmptyDatabase(t), pgtest.NewEmptyDatabase(t), pgtest.NewEmptyDatabase(t)
	superA, superB, superC := openSuper(t, dsnA), openSuper(t, dsnB), openSuper(t, dsnC)
	ctx := t.Context()

	// A: its own roles at the first migrate. B: default roles first, then
	// its own (the grants move). C: the default roles.
	require.NoError(t, pgevents.MigrateWithOpts(ctx, superA, &pgevents.MigrateOpts{RolesPrefix: prefixA}))
	require.NoError(t, pgevents.Migrate(ctx, superB))
	require.NoError(t, pgevents.MigrateWithOpts(ctx, superB, &pgevents.MigrateOpts{RolesPrefix: prefixB}))
	require.NoError(t, pgevents.Migrate(ctx, superC))
	mustExec(t, superA, fmt.Sprintf("GRANT %s_writer TO %s", prefixA, writerA))
	mustExec(t, superA, fmt.Sprintf("GRANT %s_reader TO %s", prefixA, readerA))
	mustExec(t, superA, "GRANT pgevents_writer TO "+defaultWriter)

	for _, super := range []*sql.DB{superA, superB} {
		var prefix string
		require.NoError(t, super.QueryRowContext(ctx, "SELECT value #>> '{}' FROM pgevents.settings WHERE name = 'roles_prefix'").Scan(&prefix))
		require.True(t, prefix == prefixA || prefix == prefixB, prefix)
		require.False(t, queryBool(t, super, `SELECT EXISTS (
			SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = 'pgevents' AND a.grantee::regrole::text IN ('pgevents_reader', 'pgevents_writer')
			UNION ALL SELECT 1 FROM pg_class c, aclexplode(c.relacl) a WHERE c.relnamespace = 'pgevents'::regnamespace AND a.grantee::regrole::text IN ('pgevents_reader', 'pgevents_writer')
			UNION ALL SELECT 1 FROM pg_proc p, aclexplode(p.proacl) a WHERE p.pronamespace = 'pgevents'::regnamespace AND a.grantee::regrole::text IN ('pgevents_reader', 'pgevents_writer'))`),
			"the default roles keep no privilege in an installation with its own roles")
		require.True(t, queryBool(t, super, fmt.Sprintf(
			"SELECT has_function_privilege('%[1]s_writer', 'pgevents.append(text,text,jsonb,jsonb,text)', 'EXECUTE') AND has_table_privilege('%[1]s_reader', 'pgevents.events', 'SELECT')"+
				" AND NOT has_function_privilege('%[1]s_reader', 'pgevents.append(text,text,jsonb,jsonb,text)', 'EXECUTE')", prefix)),
			"the installation's roles have the default roles' privileges")
	}

	appendOne := func(db *sql.DB) error {
		_, err := db.ExecContext(ctx, `SELECT * FROM pgevents.append('isolation', 's', '[{"name": "A", "payload": 1}]')`)
		return err
	}
	require.NoError(t, appendOne(openAs(t, dsnA, writerA, nil)), "A's writer writes to A")
	requireSQLState(t, appendOne(openAs(t, dsnB, writerA, nil)), "42501")
	requireSQLState(t, appendOne(openAs(t, dsnC, writerA, nil)), "42501")
	requireSQLState(t, appendOne(openAs(t, dsnA, readerA, nil)), "42501")
	_, err := openAs(t, dsnB, readerA, nil).ExecContext(ctx, "SELECT * FROM pgevents.read_log()")
	requireSQLState(t, err, "42501")
	// A member of the default pgevents_writer: C (default roles) accepts it,
	// A and B (their own roles) do not.
	require.NoError(t, appendOne(openAs(t, dsnC, defaultWriter, nil)), "the default roles are shared by every default installation")
	requireSQLState(t, appendOne(openAs(t, dsnA, defaultWriter, nil)), "42501")
	requireSQLState(t, appendOne(openAs(t, dsnB, defaultWriter, nil)), "42501")
	var events int
	require.NoError(t, superB.QueryRowContext(ctx, "SELECT count(*) FROM pgevents.events").Scan(&events))
	require.Zero(t, events, "B is untouched")

	// The prefix is kept by later migrates; a different one, or an invalid
	// one, is refused before anything runs.
	require.NoError(t, pgevents.Migrate(ctx, superA))
	require.NoError(t, pgevents.MigrateWithOpts(ctx, superA, &pgevents.MigrateOpts{RolesPrefix: prefixA}))
	require.NoError(t, appendOne(openAs(t, dsnA, writerA, nil)), "still A's writer after migrating again")
	err = pgevents.MigrateWithOpts(ctx, superA, &pgevents.MigrateOpts{RolesPrefix: prefixB})
	var ie *pgevents.InvalidInputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, pgevents.CodeInvalidInstallation, ie.Code)
	require.Equal(t, "RolesPrefix", ie.Field)
	require.ErrorIs(t, pgevents.MigrateWithOpts(ctx, superA, &pgevents.MigrateOpts{RolesPrefix: "pgevents"}), pgevents.ErrInvalidInput)
	empty := openSuper(t, pgtest.NewEmptyDatabase(t))
	for _, bad := range []string{"Shop", "1shop", "shop-a", "shop a", fmt.Sprintf("a%048d", 0)} {
		err := pgevents.MigrateWithOpts(ctx, empty, &pgevents.MigrateOpts{RolesPrefix: bad})
		require.ErrorAs(t, err, &ie, bad)
		require.Equal(t, pgevents.CodeInvalidInstallation, ie.Code, bad)
	}
	require.False(t, queryBool(t, empty, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname IN ('pgevents', 'pgevents_meta'))"),
		"an invalid prefix executes nothing")
}

// TestMigrate_DedicatedOwner is the recommended set-up (README, security):
// a NOLOGIN owner, an installer login that is its member for the install
// only. It checks what the owner's role protects: a function added to the
// schema later is not executable by PUBLIC (the owner's default privileges:
// the owner is no superuser), and once the installer's membership is
// revoked, no login but a superuser can disable the immutability trigger or
// delete events.
func TestMigrate_DedicatedOwner(t *testing.T) {
	t.Parallel()
	owner := newRole(t, "pgevt_owner", "NOLOGIN")
	installer := newRole(t, "pgevt_installer", "LOGIN")
	writer := newRole(t, "pgevt_writer", "LOGIN")
	reader := newRole(t, "pgevt_reader", "LOGIN")
	dsn := pgtest.NewEmptyDatabase(t)
	super := openSuper(t, dsn)
	ctx := t.Context()
	var dbName string
	require.NoError(t, super.QueryRowContext(ctx, "SELECT current_database()").Scan(&dbName))
	mustExec(t, super, fmt.Sprintf("GRANT CREATE ON DATABASE %s TO %s", dbName, owner))
	mustExec(t, super, fmt.Sprintf("GRANT %s TO %s", owner, installer))
	mustExec(t, super, "GRANT pgevents_writer TO "+writer)
	mustExec(t, super, "GRANT pgevents_reader TO "+reader)

	// The installer migrates as the owner (the roles pgevents_reader and
	// pgevents_writer exist already: no CREATEROLE needed).
	inst := openAs(t, dsn, installer, map[string]string{"options": "-c role=" + owner})
	require.NoError(t, pgevents.Migrate(ctx, inst))
	require.True(t, queryBool(t, super, "SELECT nspowner::regrole::text = $1 FROM pg_namespace WHERE nspname = 'pgevents'", owner))
	require.True(t, queryBool(t, super, "SELECT relowner::regrole::text = $1 FROM pg_class WHERE oid = 'pgevents.events'::regclass", owner))

	// Item 14: a function the owner adds later is not executable by PUBLIC.
	mustExec(t, inst, "CREATE FUNCTION pgevents.added_later() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'")
	require.False(t, queryBool(t, super, "SELECT has_function_privilege('public', 'pgevents.added_later()', 'EXECUTE')"))
	_, err := openAs(t, dsn, reader, nil).ExecContext(ctx, "SELECT pgevents.added_later()")
	requireSQLState(t, err, "42501")

	// Item 16: the install is over; nobody logs in as the owner.
	mustExec(t, super, fmt.Sprintf("REVOKE %s FROM %s", owner, installer))
	mustExec(t, openAs(t, dsn, writer, nil), `SELECT * FROM pgevents.append('owner', 's', '[{"name": "A", "payload": 1}]')`)
	for _, login := range []string{installer, writer, reader} {
		db := openAs(t, dsn, login, nil)
		for _, attack := range []string{
			"ALTER TABLE pgevents.events DISABLE TRIGGER events_immutable",
			"ALTER TABLE pgevents.events DISABLE TRIGGER ALL",
			"DROP TRIGGER events_immutable ON pgevents.events",
			"DELETE FROM pgevents.events",
			"TRUNCATE pgevents.events",
			"SET session_replication_role = replica",
			"SET ROLE " + owner,
		} {
			_, err := db.ExecContext(ctx, attack)
			requireSQLState(t, err, "42501")
		}
	}
	var events int
	require.NoError(t, super.QueryRowContext(ctx, "SELECT count(*) FROM pgevents.events").Scan(&events))
	require.Equal(t, 1, events, "the event is still there")
}
