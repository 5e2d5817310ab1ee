package metrics_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/cmd/pgevents/internal/metrics"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/pgstore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func setup(t *testing.T) (*pgxpool.Pool, *pgstore.Store) {
	t.Helper()
	pool := pgtest.NewPool(t)
	store, err := pgstore.New(pool, nil)
	require.NoError(t, err)
	for _, s := range []struct{ category, stream string }{{"order", "o-1"}, {"order", "o-2"}, {`we"ird\cat`, "w-1"}} {
		_, err := store.AppendEvents(context.Background(), &pgevents.AppendParams{Category: s.category, Stream: s.stream,
			Events: []pgevents.NewEvent{{Name: "E", Payload: json.RawMessage(`{}`)}}})
		require.NoError(t, err)
	}
	return pool, store
}

func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, metrics.ContentType, resp.Header.Get("Content-Type"))
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}

// checkFormat checks every line is a comment or a valid sample, and every
// metric is prefixed pgevents_ with a HELP and a TYPE.
func checkFormat(t *testing.T, body string) {
	t.Helper()
	sampleRE := regexp.MustCompile(`^(pgevents_[a-z_]+)(\{([a-z_]+="([^"\\\n]|\\.)*",?)*\})? -?[0-9.e+-]+$`)
	typed := map[string]bool{}
	for _, l := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "# TYPE "):
			f := strings.Fields(l)
			require.Equal(t, "gauge", f[3], l)
			typed[f[2]] = true
		case strings.HasPrefix(l, "#"):
		default:
			m := sampleRE.FindStringSubmatch(l)
			require.NotNil(t, m, "not a sample: %q", l)
			require.True(t, typed[m[1]], "no TYPE before %q", l)
		}
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	pool, store := setup(t)
	body := scrape(t, metrics.NewHandler(metrics.Config{Store: store, DB: pool, CacheFor: -1}))
	checkFormat(t, body)
	require.Contains(t, body, "pgevents_up 1\n")
	require.Contains(t, body, "pgevents_events{exact=\"true\"} 3\n")
	require.Contains(t, body, "pgevents_categories{exact=\"true\"} 2\n")
	require.Contains(t, body, "pgevents_category_events{category=\"order\",exact=\"true\"} 2\n")
	require.Contains(t, body, "pgevents_category_streams{category=\"order\",exact=\"true\"} 2\n")
	require.Contains(t, body, `pgevents_category_events{category="we\"ird\\cat",exact="true"} 1`+"\n")
	require.Regexp(t, `(?m)^pgevents_fence_lag_seconds [0-9.e+-]+$`, body)
	require.Regexp(t, `(?m)^pgevents_fence_held_back_events [0-9]+$`, body)
	require.Regexp(t, `(?m)^pgevents_category_latest_event_timestamp_seconds\{category="order"\} 1[0-9.e+]+$`, body)
	require.Contains(t, body, "pgevents_categories_truncated 0\n")
	// Consumers installed, no group: no consumer samples, no error.
	require.NotRegexp(t, `(?m)^pgevents_consumer_`, body)
	require.NotContains(t, body, "skipped")

	// Estimates only: labelled.
	zero := 0
	body = scrape(t, metrics.NewHandler(metrics.Config{Store: store, CountBudget: &zero, MaxCategories: 1, CacheFor: -1}))
	checkFormat(t, body)
	require.Contains(t, body, "pgevents_category_events{category=\"order\",exact=\"false\"}")
	require.NotContains(t, body, `we\"ird`)
	require.Contains(t, body, "pgevents_categories_truncated 1\n")
}

func TestHandler_Consumers(t *testing.T) {
	t.Parallel()
	pool, store := setup(t)
	ctx := context.Background()
	h := metrics.NewHandler(metrics.Config{Store: store, DB: pool, CacheFor: -1})

	// A real group over "order" (2 streams, one event each), nothing handled
	// yet: every partition has a series, and their lags add up to 2.
	_, err := pool.Exec(ctx, `SELECT pgevents.create_consumer_group('billing', '{"type": "category", "category": "order"}', 2)`)
	require.NoError(t, err)
	body := scrape(t, h)
	checkFormat(t, body)
	require.NotContains(t, body, "skipped")
	lag := regexp.MustCompile(`(?m)^pgevents_consumer_lag_events\{group="billing",partition="([01])"\} ([0-9]+)$`).FindAllStringSubmatch(body, -1)
	require.Len(t, lag, 2, body)
	total := 0
	for _, m := range lag {
		n, err := strconv.Atoi(m[2])
		require.NoError(t, err)
		total += n
	}
	require.Equal(t, 2, total, body)
	require.Regexp(t, `(?m)^pgevents_consumer_parked_events\{group="billing",partition="0"\} 0$`, body)
	require.Regexp(t, `(?m)^pgevents_consumer_lag_seconds\{group="billing",partition="0"\} [0-9.e+-]+$`, body)

	// A consumer_status() of another shape (an older or foreign install):
	// skipped, the rest served.
	_, err = pool.Exec(ctx, `DROP FUNCTION pgevents.consumer_status(text);
		CREATE FUNCTION pgevents.consumer_status(p_group text DEFAULT NULL)
		RETURNS TABLE (name text) LANGUAGE sql AS $$ SELECT 'x' $$`)
	require.NoError(t, err)
	body = scrape(t, h)
	checkFormat(t, body)
	require.Contains(t, body, "# pgevents: consumer metrics skipped:")
	require.Contains(t, body, "pgevents_up 1\n")
	require.NotRegexp(t, `(?m)^pgevents_consumer_lag`, body)
}

func TestHandler_CacheAndErrors(t *testing.T) {
	t.Parallel()
	pool, store := setup(t)
	h := metrics.NewHandler(metrics.Config{Store: store, DB: pool, CacheFor: time.Hour})
	first := scrape(t, h)
	_, err := store.AppendEvents(context.Background(), &pgevents.AppendParams{Category: "order", Stream: "o-9",
		Events: []pgevents.NewEvent{{Name: "E", Payload: json.RawMessage(`{}`)}}})
	require.NoError(t, err)
	require.Equal(t, first, scrape(t, h), "cached")

	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Post(srv.URL, "text/plain", nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	// The database gone: still an answer, with pgevents_up 0.
	closed := pgtest.NewPool(t)
	closedStore, err := pgstore.New(closed, nil)
	require.NoError(t, err)
	closed.Close()
	body := scrape(t, metrics.NewHandler(metrics.Config{Store: closedStore, CacheFor: -1}))
	checkFormat(t, body)
	require.Contains(t, body, "pgevents_up 0\n")
	require.Contains(t, body, "# pgevents: stats failed:")
}
