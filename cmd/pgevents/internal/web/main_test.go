package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/pgstore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testBundle is a browser on a fresh database: admin writes events as the
// superuser, the browser reads as a LOGIN role that is only a member of
// pgevents_reader, through a read-only pool (PoolConfig).
type testBundle struct {
	admin  *pgxpool.Pool
	conn   string // the database's connection string (superuser)
	reader string // the reader role's name
	server *Server
	store  *pgstore.Store
	url    string // the httptest server's base URL
}

// setupOpts adjusts setup.
type setupOpts struct {
	config func(*Config)
}

func setup(t *testing.T, opts *setupOpts) *testBundle {
	t.Helper()
	ctx := context.Background()
	reader := fmt.Sprintf("pgevt_browser_%08x", rand.Uint32())
	superConn := pgtest.ServerConnString(t, "postgres")
	execOn(t, superConn, fmt.Sprintf("CREATE ROLE %s LOGIN; GRANT pgevents_reader TO %s", reader, reader))
	t.Cleanup(func() { execOn(t, superConn, "DROP ROLE IF EXISTS "+reader) }) // after the database's drop (LIFO)
	conn := pgtest.NewDatabase(t)
	admin := newPool(t, conn)
	store, err := pgstore.New(admin, nil)
	require.NoError(t, err)

	cfg, err := PoolConfig(conn, 0)
	require.NoError(t, err)
	cfg.ConnConfig.User = reader
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)

	c := &Config{Pool: pool, TailPollInterval: 50 * time.Millisecond}
	if opts != nil && opts.config != nil {
		opts.config(c)
	}
	srv, err := New(c)
	require.NoError(t, err)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &testBundle{admin: admin, conn: conn, reader: reader, server: srv, store: store, url: hs.URL}
}

func newPool(t *testing.T, conn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), conn)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

func execOn(t *testing.T, conn, sql string) {
	t.Helper()
	c, err := pgx.Connect(context.Background(), conn)
	require.NoError(t, err)
	defer c.Close(context.Background())
	_, err = c.Exec(context.Background(), sql)
	require.NoError(t, err)
}

// append appends events named names (payload {"i": n}) to a stream and
// returns them as stored.
func (b *testBundle) append(t *testing.T, category, stream string, names ...string) []pgevents.Event {
	t.Helper()
	var events []pgevents.NewEvent
	for i, n := range names {
		events = append(events, pgevents.NewEvent{Name: n, Payload: json.RawMessage(fmt.Sprintf(`{"i": %d}`, i)),
			Metadata: json.RawMessage(`{"by": "test"}`)})
	}
	return b.appendEvents(t, category, stream, events...)
}

func (b *testBundle) appendEvents(t *testing.T, category, stream string, events ...pgevents.NewEvent) []pgevents.Event {
	t.Helper()
	res, err := b.store.AppendEvents(context.Background(), &pgevents.AppendParams{Category: category, Stream: stream, Events: events})
	require.NoError(t, err)
	return res.Events
}

// response is one HTTP exchange.
type response struct {
	body   string
	header http.Header
	status int
}

// get fetches path with the given request headers (pairs), without
// following redirects.
func (b *testBundle) get(t *testing.T, path string, headers ...string) response {
	t.Helper()
	return b.do(t, http.MethodGet, path, nil, headers...)
}

func (b *testBundle) do(t *testing.T, method, path string, body io.Reader, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, b.url+path, body)
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{body: string(raw), header: res.Header, status: res.StatusCode}
}

func q(s string) string { return url.QueryEscape(s) }

// requireNotFoundPage asserts the 404 page.
func requireNotFoundPage(t *testing.T, r response, why string) {
	t.Helper()
	require.Equal(t, http.StatusNotFound, r.status, r.body)
	require.Contains(t, r.body, "<h1>Not found</h1>")
	require.Contains(t, r.body, why)
	require.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"))
}

// between returns the text of s between the first from and the next to.
func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	before, _, _ := strings.Cut(after, to)
	return before
}

func newPoolFromConfig(t *testing.T, cfg *pgxpool.Config) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}
