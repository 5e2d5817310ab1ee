package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Standby is a hot standby (a streaming replica) of the test server, on
// its own unix socket.
type Standby struct {
	base string // connection string without a database
	cmd  *exec.Cmd
	dir  string
}

// StartStandby starts a hot standby of this test binary's server: a base
// backup (pg_basebackup -R, streaming its WAL) started as a second cluster
// that follows the primary, stopped and removed when the test ends. Every
// database of the primary, including ones created later, appears on it
// once replayed. It skips the test unless the server is a cluster this
// binary booted from local binaries (not $DATABASE_URL, not a container).
func StartStandby(t testing.TB) *Standby {
	t.Helper()
	s := currentServer(t)
	if s.cmd == nil || s.dir == "" {
		t.Skip("pgtest: a standby needs a locally booted cluster (not DATABASE_URL or a container)")
	}
	bin, err := findBin()
	if err != nil {
		t.Skipf("pgtest: %v", err)
	}
	cred, uid, gid, err := postgresCredential()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	dir, err := os.MkdirTemp("", "pgs") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	sb := &Standby{dir: dir, base: fmt.Sprintf("host=%s port=5432 user=postgres sslmode=disable", dir)}
	t.Cleanup(sb.stop)

	backup := exec.Command(filepath.Join(bin, "pg_basebackup"), "-h", s.dir, "-p", "5432", "-U", "postgres",
		"-D", filepath.Join(dir, "data"), "-R", "-X", "stream", "-c", "fast", "--no-sync")
	backup.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := backup.CombinedOutput(); err != nil {
		t.Fatalf("pgtest: pg_basebackup: %v: %s", err, out)
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	pg := exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"), "-k", dir,
		"-c", "listen_addresses=", "-p", "5432", "-c", "hot_standby=on", "-c", "fsync=off",
		"-c", "full_page_writes=off", "-c", "max_connections=300", "-c", "shared_buffers=128MB")
	pg.Stdout, pg.Stderr = logf, logf
	pg.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := pg.Start(); err != nil {
		t.Fatalf("pgtest: start standby: %v", err)
	}
	sb.cmd = pg
	deadline := time.Now().Add(30 * time.Second)
	for {
		inRecovery, err := sb.inRecovery()
		if err == nil && inRecovery {
			return sb
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			t.Fatalf("pgtest: the standby did not start (in recovery: %v, err: %v): %s", inRecovery, err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ConnString returns the standby's connection string for database db.
func (sb *Standby) ConnString(db string) string { return sb.base + " dbname=" + db }

func (sb *Standby) inRecovery() (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, sb.ConnString("postgres"))
	if err != nil {
		return false, err
	}
	defer conn.Close(ctx)
	var r bool
	err = conn.QueryRow(ctx, "SELECT pg_catalog.pg_is_in_recovery()").Scan(&r)
	return r, err
}

func (sb *Standby) stop() {
	if sb.cmd != nil && sb.cmd.Process != nil {
		_ = sb.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
		_ = sb.cmd.Wait()
	}
	_ = os.RemoveAll(sb.dir)
}

// postgresCredential returns the credential to run PostgreSQL's binaries
// with: nil when not root, else the postgres OS user's (initdb, postgres
// and pg_basebackup refuse root or must own the data directory).
func postgresCredential() (cred *syscall.Credential, uid, gid int, err error) {
	if os.Geteuid() != 0 {
		return nil, -1, -1, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, 0, 0, fmt.Errorf("running as root needs the postgres OS user: %w", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid, gid, nil
}
