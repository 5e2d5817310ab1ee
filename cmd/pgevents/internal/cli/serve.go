package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pgevents/pgevents/cmd/pgevents/internal/metrics"
	"github.com/pgevents/pgevents/cmd/pgevents/internal/web"
	"github.com/pgevents/pgevents/pgstore"
)

// EnvToken is the environment variable read for the event browser's access
// token when --token is not given.
const EnvToken = "PGEVENTS_TOKEN"

// defaultServeAddr is where "pgevents serve" listens unless --addr says
// otherwise: loopback only.
const defaultServeAddr = "127.0.0.1:8080"

const serveUsage = `Usage:
  pgevents serve [--addr HOST:PORT] [--database-url URL] [--token TOKEN]

Serves the read-only event browser: categories with counts and rates, the
fence lag, streams, events, a live tail of the log (server-sent events),
projection search and consumer groups, with plots of events per minute and
of the fence lag. Everything is embedded in the binary; nothing is fetched
from the network.

It only reads: every session is read-only (default_transaction_read_only)
and it calls only pgevents' read functions. Connect as a role that is a
member of pgevents_reader (or your --roles-prefix reader role) and nothing
else; serve warns when the role could append.

--addr      the address to listen on (default ` + defaultServeAddr + `). On a loopback
            address only the loopback host names are answered (localhost,
            127.0.0.1, [::1]), so that other web sites cannot reach it through
            DNS rebinding.
--token     require this token on every page and API (default $` + EnvToken + `;
            prefer the variable: a flag shows in the process list). Scripts send
            "Authorization: Bearer TOKEN"; people log in with the form at
            /login, or open any page with ?token=TOKEN once: either sets a
            session cookie (HttpOnly, SameSite=Strict). Use a long random token
            (e.g. openssl rand -hex 32), and put TLS in front of any address
            that is not loopback.

Stop it with Ctrl-C (SIGINT) or SIGTERM: it shuts down cleanly (exit 0).
`

func (e *env) serve(ctx context.Context, databaseURL string, args []string) error {
	fs := newFlagSet("pgevents serve")
	addr := fs.String("addr", defaultServeAddr, "address to listen on, HOST:PORT")
	fs.StringVar(&databaseURL, "database-url", databaseURL, databaseURLUsage)
	token := fs.String("token", "", "access token required by every page and API (default $"+EnvToken+")")
	if err := e.parse(fs, serveUsage, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usageError(serveUsage, "serve: unexpected argument %q", fs.Arg(0))
	}
	if *token == "" {
		*token = e.getenv(EnvToken)
	}
	source := "--database-url"
	if databaseURL == "" {
		databaseURL = e.getenv(EnvDatabaseURL)
		source = "$" + EnvDatabaseURL
	}
	if databaseURL == "" {
		source = "the PG* variables"
	}
	cfg, err := web.PoolConfig(databaseURL, 0)
	if err != nil {
		return fmt.Errorf("pgevents: invalid database URL (from %s): %w", source, err)
	}
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("pgevents: connect to the database (from %s): %w", source, err)
	}
	defer pool.Close()
	pingCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var migrated bool
	if err := pool.QueryRow(pingCtx, `SELECT pg_catalog.to_regprocedure('pgevents.browse_summary()') IS NOT NULL`).Scan(&migrated); err != nil {
		return fmt.Errorf("pgevents: connect to the database (from %s): %w\n"+
			"hint: set --database-url, $%s or the PG* variables", source, err, EnvDatabaseURL)
	}
	if !migrated {
		return fmt.Errorf("pgevents: serve: the database has no current pgevents schema (pgevents.browse_summary() is missing)\n" +
			"hint: run pgevents migrate up (as the schema owner), then serve as a reader")
	}

	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("pgevents: serve: listen on %s: %w", *addr, err)
	}
	loopback := isLoopback(l.Addr())
	var allowed []string
	if loopback {
		allowed = []string{"localhost", "127.0.0.1", "::1"}
	}
	metricsH, err := metricsHandler(pool)
	if err != nil {
		_ = l.Close()
		return fmt.Errorf("pgevents: serve: metrics: %w", err)
	}
	srv, err := web.New(&web.Config{
		AllowedHosts: allowed,
		Logger:       logger,
		Metrics:      metricsH,
		Pool:         pool,
		Token:        *token,
	})
	if err != nil {
		_ = l.Close()
		return err
	}
	if can, err := srv.CanAppend(pingCtx); err == nil && can {
		logger.Warn("pgevents serve: the connected role may append events; the browser only reads: connect as a member of pgevents_reader only")
	}
	if *token == "" && !loopback {
		logger.Warn("pgevents serve: no token on a non-loopback address: anyone who reaches it can read every event (set $" + EnvToken + ")")
	}
	fmt.Fprintf(e.stdout, "pgevents serve: event browser on http://%s/\n", l.Addr())
	return srv.ListenAndServe(ctx, l)
}

// metricsHandler returns the handler served at GET /metrics, or nil for
// none.
//
// Prometheus metrics (package metrics: pgevents_* gauges from the database:
// fence lag, events per category, consumer lag). It gets the browser's
// read-only pool and is served behind the same token as every page.
func metricsHandler(pool *pgxpool.Pool) (http.Handler, error) {
	store, err := pgstore.New(pool, nil)
	if err != nil {
		return nil, err
	}
	return metrics.NewHandler(metrics.Config{Store: store, DB: pool}), nil
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
