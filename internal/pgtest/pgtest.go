// Package pgtest gives tests real PostgreSQL databases.
//
// A test binary calls Main from TestMain. Main finds a server, in this order:
// the one in $DATABASE_URL when it is set; else a throwaway cluster booted
// from the local PostgreSQL binaries (PGBIN, pg_config or
// /usr/lib/postgresql/*/bin; as the `postgres` OS user when running as root,
// on a private unix socket, durability off for speed); else, when no binaries
// are found, a PostgreSQL container started with testcontainers-go where
// Docker is available (image postgres:15-alpine, or $PGTEST_IMAGE;
// PGTEST_CONTAINER=1 prefers the container to local binaries). It then builds
// a template database migrated with pgevents.Migrate. Each test then gets its own database cloned
// from the template (NewDatabase / NewPool), dropped when the test ends.
//
// When no server can be had, tests that ask for a database are skipped with
// a message, except under CI=true, where Main fails the run: nothing is
// skipped silently in CI.
//
// The snapshot fence pgevents readers use is cluster-wide: transactions in
// any database of the cluster (parallel tests, a clone in progress) hold it
// back. Tests of fence behaviour must poll with a deadline or avoid parallel
// neighbours.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for Migrate

	"github.com/pgevents/pgevents"
)

// server is the one server of this test binary, set up by Main.
var (
	setupMu   sync.Mutex
	srv       *server
	skipWhy   string
	dbCounter atomic.Int64
)

type server struct {
	base          string // connection string of the server, without a database
	cmd           *exec.Cmd
	dir           string
	stopContainer func() // set for the Docker fallback
	template      string
}

// Main runs the tests of a package with a PostgreSQL server available and
// exits. Call it from TestMain.
func Main(m *testing.M) {
	code := run(m)
	os.Exit(code)
}

func run(m *testing.M) int {
	s, err := start()
	if err != nil {
		if os.Getenv("CI") == "true" {
			fmt.Fprintf(os.Stderr, "pgtest: no PostgreSQL under CI=true: %v\n", err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "pgtest: WARNING: no PostgreSQL, database tests will be skipped: %v\n", err)
		skipWhy = err.Error()
		return m.Run()
	}
	srv = s
	defer s.stop()
	if err := s.createTemplate(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: building the template database: %v\n", err)
		return 1
	}
	return m.Run()
}

func start() (*server, error) {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		s := &server{base: u}
		if err := s.ping(); err != nil {
			return nil, fmt.Errorf("DATABASE_URL: %w", err)
		}
		return s, nil
	}
	return sources{findBin: findBin, boot: boot, container: startContainer,
		preferContainer: os.Getenv("PGTEST_CONTAINER") == "1"}.start(context.Background())
}

// sources are the ways to get a server when DATABASE_URL is unset: local
// binaries first, then a Docker container (separate functions, so the
// choice is testable without Docker).
type sources struct {
	findBin         func() (string, error)
	boot            func(bin string) (*server, error)
	container       func(ctx context.Context) (*server, error)
	preferContainer bool
}

func (src sources) start(ctx context.Context) (*server, error) {
	if src.preferContainer {
		s, err := src.container(ctx)
		if err != nil {
			return nil, fmt.Errorf("PGTEST_CONTAINER=1: %w", err)
		}
		return s, nil
	}
	bin, binErr := src.findBin()
	if binErr == nil {
		return src.boot(bin)
	}
	s, err := src.container(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w; and the Docker fallback failed: %w", binErr, err)
	}
	fmt.Fprintln(os.Stderr, "pgtest: no local PostgreSQL binaries: using a Docker container (testcontainers-go)")
	return s, nil
}

func findBin() (string, error) {
	if b := os.Getenv("PGBIN"); b != "" {
		return b, nil
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		b := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(b, "initdb")); err == nil {
			return b, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) < versionOf(dirs[j]) })
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	return "", errors.New("no PostgreSQL binaries found (set PGBIN, or DATABASE_URL to use a running server)")
}

func versionOf(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

// boot starts a private cluster as a child process.
func boot(bin string) (*server, error) {
	dir, err := os.MkdirTemp("", "pgt") // short: unix socket paths are limited to 107 bytes
	if err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 { // initdb and postgres refuse to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs the postgres OS user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	pg := exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"), "-k", dir,
		"-c", "listen_addresses=", "-p", "5432", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=300", "-c", "shared_buffers=128MB")
	pg.Stdout, pg.Stderr = logf, logf
	pg.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := pg.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	s := &server{base: fmt.Sprintf("host=%s port=5432 user=postgres sslmode=disable", dir), cmd: pg, dir: dir}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := s.ping(); err == nil {
			return s, nil
		} else if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("postgres did not accept connections: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *server) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.connString("postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

func (s *server) stop() {
	if s.stopContainer != nil {
		s.stopContainer()
	}
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
		_ = s.cmd.Wait()
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}

// connString returns the server's connection string for database db.
func (s *server) connString(db string) string {
	if strings.HasPrefix(s.base, "postgres://") || strings.HasPrefix(s.base, "postgresql://") {
		u, err := url.Parse(s.base)
		if err == nil {
			u.Path = "/" + db
			return u.String()
		}
	}
	return s.base + " dbname=" + db
}

func (s *server) admin(ctx context.Context, sqls ...string) error {
	conn, err := pgx.Connect(ctx, s.connString(adminDB(s)))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, q := range sqls {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// adminDB is the database admin statements run in: the one named in
// DATABASE_URL, else "postgres".
func adminDB(s *server) string {
	if s.cmd == nil {
		if cfg, err := pgx.ParseConfig(s.base); err == nil && cfg.Database != "" {
			return cfg.Database
		}
	}
	return "postgres"
}

func (s *server) createTemplate() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s.template = fmt.Sprintf("pgevents_tpl_%d", os.Getpid())
	if err := s.admin(ctx,
		fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", s.template),
		fmt.Sprintf("CREATE DATABASE %s", s.template)); err != nil {
		return err
	}
	db, err := sql.Open("pgx", s.connString(s.template))
	if err != nil {
		return err
	}
	if err := pgevents.Migrate(ctx, db); err != nil {
		_ = db.Close()
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	// A template must have no connections while it is cloned.
	return s.admin(ctx, fmt.Sprintf("ALTER DATABASE %s WITH is_template = true ALLOW_CONNECTIONS = false", s.template))
}

func (s *server) newDatabase(t testing.TB, template string) string {
	t.Helper()
	name := fmt.Sprintf("pgevents_t_%d_%d", os.Getpid(), dbCounter.Add(1))
	ctx := context.Background()
	if err := s.admin(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, template)); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := s.admin(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
			t.Errorf("pgtest: drop database: %v", err)
		}
	})
	return s.connString(name)
}

func currentServer(t testing.TB) *server {
	t.Helper()
	setupMu.Lock()
	defer setupMu.Unlock()
	if srv == nil {
		if skipWhy != "" {
			t.Skipf("pgtest: no PostgreSQL: %s", skipWhy)
		}
		t.Fatal("pgtest: no server: call pgtest.Main from TestMain")
	}
	return srv
}

// NewDatabase creates a database migrated with pgevents.Migrate for this
// test, dropped when the test ends, and returns its connection string.
func NewDatabase(t testing.TB) string {
	t.Helper()
	s := currentServer(t)
	return s.newDatabase(t, s.template)
}

// NewEmptyDatabase creates an empty database (nothing migrated) for this
// test, dropped when the test ends, and returns its connection string.
func NewEmptyDatabase(t testing.TB) string {
	t.Helper()
	return currentServer(t).newDatabase(t, "template0")
}

// NewPool returns a pool on a fresh migrated database (NewDatabase), closed
// when the test ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return poolFor(t, NewDatabase(t))
}

// poolFor opens a pool on connection string conn, closed when the test ends.
func poolFor(t testing.TB, conn string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(conn)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	cfg.MaxConns = 40
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close) // runs before the database drop (cleanups run last-in first-out)
	return pool
}

// ServerConnString returns the connection string of database db on the
// test server (for example "postgres", for admin statements).
func ServerConnString(t testing.TB, db string) string {
	t.Helper()
	return currentServer(t).connString(db)
}
