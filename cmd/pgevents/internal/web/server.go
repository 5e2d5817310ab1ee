// Package web is the pgevents event browser, served by "pgevents serve": a
// read-only web view of an event store (categories, streams, events, the
// live tail of the log, projection search, consumer groups) with plots of
// activity and fence lag.
//
// Everything it shows comes from the pgevents SQL read functions (the
// browse_* functions, read_event, read_stream, read_log, fence_lag,
// search_projections), through a pool whose sessions are read-only
// (PoolConfig). Connect it as a member of pgevents_reader.
//
// Pages are html/template (every value escaped) with a strict Content
// Security Policy: one embedded stylesheet and one embedded script, no
// inline script or style, nothing fetched from elsewhere. Page sizes are
// bounded, unknown URLs, ids and streams get a 404 page, and the HTTP
// server has timeouts (ListenAndServe).
//
// With a token (Config.Token), every page and API needs it: as an
// "Authorization: Bearer" header, or as a session cookie that the login
// form (/login) or a ?token= parameter on any page sets.
package web

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pgevents/pgevents/pgstore"
)

//go:embed assets
var assets embed.FS

// Defaults of Config's fields.
const (
	// DefaultFenceSampleInterval is Config.FenceSampleInterval's default.
	DefaultFenceSampleInterval = 5 * time.Second
	// DefaultMaxTails is Config.MaxTails' default.
	DefaultMaxTails = 16
	// DefaultRequestTimeout is Config.RequestTimeout's default.
	DefaultRequestTimeout = 15 * time.Second
	// DefaultTailPollInterval is Config.TailPollInterval's default.
	DefaultTailPollInterval = 500 * time.Millisecond
	// DefaultTailMaxDuration is Config.TailMaxDuration's default.
	DefaultTailMaxDuration = 30 * time.Minute
)

// Config configures a Server.
type Config struct {
	// AllowedHosts, when not empty, are the only host names (without port)
	// accepted in the Host header; other requests get 421. A server bound
	// to a loopback address should list the loopback names only, so that a
	// web page cannot reach it through DNS rebinding (the CLI does).
	// Defaults to accepting any host.
	AllowedHosts []string
	// FenceSampleInterval is how often Run samples pgevents.fence_lag() for
	// the fence lag plot. Defaults to DefaultFenceSampleInterval (5s).
	FenceSampleInterval time.Duration
	// Logger receives errors and the startup line. Defaults to discarding.
	Logger *slog.Logger
	// MaxTails bounds the live tails (server-sent event streams) open at
	// once; more get 503. Defaults to DefaultMaxTails (16).
	MaxTails int
	// Metrics, when set, is served at GET /metrics (behind the token, like
	// every page). Defaults to no /metrics.
	Metrics http.Handler
	// Pool is the database, migrated with pgevents.Migrate. Required. Build
	// it with PoolConfig, so that its sessions are read-only.
	Pool *pgxpool.Pool
	// RequestTimeout bounds the database work of one page. Defaults to
	// DefaultRequestTimeout (15s).
	RequestTimeout time.Duration
	// TailMaxDuration ends a live tail stream after this long; the browser
	// reconnects and resumes from the last event it got (Last-Event-ID), so
	// nothing is lost. Defaults to DefaultTailMaxDuration (30m).
	TailMaxDuration time.Duration
	// TailPollInterval is how often a live tail reads the log for new
	// events. Defaults to DefaultTailPollInterval (500ms).
	TailPollInterval time.Duration
	// Token, when set, is required by every page and API (see the package
	// doc). Defaults to none: anyone who reaches the address may read.
	Token string
}

// Server is the event browser. It is safe for concurrent use.
type Server struct {
	activity activityCache
	auth     *auth
	cfg      Config
	db       *database
	fence    *fenceHistory
	handler  http.Handler
	logger   *slog.Logger
	pages    map[string]*template.Template
	tails    chan struct{}
	timeouts serverTimeouts
}

// activityCache keeps the last browse_activity result for a few seconds, so
// that reloading pages costs nothing.
type activityCache struct {
	at       time.Time
	complete bool
	mu       sync.Mutex
	rows     []activityRow
}

// New returns a Server for cfg. It returns an error when cfg.Pool is nil or
// a setting is negative. It does not touch the database.
func New(cfg *Config) (*Server, error) {
	if cfg == nil || cfg.Pool == nil {
		return nil, errors.New("pgevents: web: Config.Pool is required")
	}
	c := *cfg
	for _, d := range []struct {
		name  string
		value *time.Duration
		def   time.Duration
	}{
		{"FenceSampleInterval", &c.FenceSampleInterval, DefaultFenceSampleInterval},
		{"RequestTimeout", &c.RequestTimeout, DefaultRequestTimeout},
		{"TailMaxDuration", &c.TailMaxDuration, DefaultTailMaxDuration},
		{"TailPollInterval", &c.TailPollInterval, DefaultTailPollInterval},
	} {
		if *d.value < 0 {
			return nil, fmt.Errorf("pgevents: web: Config.%s must not be negative (got %v)", d.name, *d.value)
		}
		if *d.value == 0 {
			*d.value = d.def
		}
	}
	if c.MaxTails < 0 {
		return nil, fmt.Errorf("pgevents: web: Config.MaxTails must not be negative (got %d)", c.MaxTails)
	}
	if c.MaxTails == 0 {
		c.MaxTails = DefaultMaxTails
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	store, err := pgstore.New(c.Pool, &pgstore.Config{MaxRetries: -1})
	if err != nil {
		return nil, err
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{
		auth:     newAuth(c.Token),
		cfg:      c,
		db:       &database{pool: c.Pool, store: store},
		fence:    &fenceHistory{capacity: 720},
		logger:   c.Logger,
		pages:    pages,
		tails:    make(chan struct{}, c.MaxTails),
		timeouts: defaultTimeouts,
	}
	s.handler = s.routes()
	return s, nil
}

// parsePages parses each page template with the layout and the shared
// partials.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(assets, "assets/templates/page_*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(assets,
			"assets/templates/layout.html", "assets/templates/partials.html", n)
		if err != nil {
			return nil, fmt.Errorf("pgevents: web: template %s: %w", n, err)
		}
		key := strings.TrimSuffix(strings.TrimPrefix(n, "assets/templates/page_"), ".html")
		pages[key] = t
	}
	return pages, nil
}

// Handler returns the browser's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets/static")
	files := http.FileServerFS(static)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		if info, err := fs.Stat(static, r.URL.Path); err != nil || info.IsDir() {
			s.notFound(w, r, "No such file.")
			return
		}
		files.ServeHTTP(w, r)
	})))
	mux.HandleFunc("GET /{$}", s.page(s.overview))
	mux.HandleFunc("GET /category", s.page(s.category))
	mux.HandleFunc("GET /stream", s.page(s.stream))
	mux.HandleFunc("GET /event", s.page(s.event))
	mux.HandleFunc("GET /tail", s.page(s.tailPage))
	mux.HandleFunc("GET /api/tail", s.tailStream)
	mux.HandleFunc("GET /projections", s.page(s.projections))
	mux.HandleFunc("GET /consumers", s.page(s.consumers))
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	// The Prometheus /metrics endpoint is mounted here (Config.Metrics).
	if s.cfg.Metrics != nil {
		mux.Handle("GET /metrics", s.cfg.Metrics)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.notFound(w, r, "There is no page at this address.")
	})
	return s.securityHeaders(s.checkHost(s.requireToken(mux)))
}

// contentSecurityPolicy allows the embedded stylesheet and script only:
// no inline script, style or event handler, no other origin.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// checkHost refuses requests for other host names than AllowedHosts (DNS
// rebinding).
func (s *Server) checkHost(next http.Handler) http.Handler {
	if len(s.cfg.AllowedHosts) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		for _, a := range s.cfg.AllowedHosts {
			if subtle.ConstantTimeCompare([]byte(strings.ToLower(host)), []byte(strings.ToLower(a))) == 1 {
				next.ServeHTTP(w, r)
				return
			}
		}
		http.Error(w, "pgevents: this server does not answer for host "+host, http.StatusMisdirectedRequest)
	})
}

// Run samples the fence lag every FenceSampleInterval until ctx ends (for
// the fence lag plot). ListenAndServe runs it; call it yourself when you
// serve Handler in your own server.
func (s *Server) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.FenceSampleInterval)
	defer t.Stop()
	for {
		s.sampleFence(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Server) sampleFence(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	lag, err := s.db.store.FenceLag(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.logger.Warn("pgevents serve: fence lag sample failed", "error", err)
		}
		return
	}
	s.fence.add(fenceSample{At: time.Now(), HeldBack: lag.HeldBackEvents, Lag: lag.Lag}, time.Second)
}

// serverTimeouts are the HTTP server's limits in ListenAndServe. Live tails
// (server-sent events) lift the read deadline and extend the write deadline
// before each write.
type serverTimeouts struct {
	idle, read, readHeader, shutdown, write time.Duration
}

var defaultTimeouts = serverTimeouts{
	idle:       2 * time.Minute,
	read:       15 * time.Second,
	readHeader: 5 * time.Second,
	shutdown:   5 * time.Second,
	write:      30 * time.Second,
}

// maxHeaderBytes bounds a request's header.
const maxHeaderBytes = 64 << 10

// ListenAndServe serves the browser on l until ctx ends, then shuts down
// gracefully (live tails are ended; requests in flight get 5 seconds). It
// also runs the fence lag sampler (Run). It returns nil after a shutdown
// caused by ctx, else the server's error.
func (s *Server) ListenAndServe(ctx context.Context, l net.Listener) error {
	base, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	srv := &http.Server{
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
		Handler:           s.handler,
		IdleTimeout:       s.timeouts.idle,
		MaxHeaderBytes:    maxHeaderBytes,
		ReadHeaderTimeout: s.timeouts.readHeader,
		ReadTimeout:       s.timeouts.read,
		WriteTimeout:      s.timeouts.write,
	}
	srv.RegisterOnShutdown(cancelBase) // ends the live tails
	go s.Run(base)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeouts.shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// PoolConfig parses a connection string (URL or keyword form) into a pool
// configuration for the browser: every session is read-only
// (default_transaction_read_only), statements time out after
// statementTimeout (0 means 10s), and the sessions are named "pgevents
// serve" in pg_stat_activity.
func PoolConfig(connString string, statementTimeout time.Duration) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, err
	}
	if statementTimeout <= 0 {
		statementTimeout = 10 * time.Second
	}
	rp := cfg.ConnConfig.RuntimeParams
	rp["default_transaction_read_only"] = "on"
	rp["statement_timeout"] = fmt.Sprint(statementTimeout.Milliseconds())
	rp["idle_in_transaction_session_timeout"] = "60000"
	if rp["application_name"] == "" {
		rp["application_name"] = "pgevents serve"
	}
	return cfg, nil
}

// CanAppend reports whether the pool's role may append events. The browser
// never does; a true result means the role has more rights than it needs
// (connect as a member of pgevents_reader instead).
func (s *Server) CanAppend(ctx context.Context) (bool, error) { return s.db.canAppend(ctx) }
