package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

func TestServer_Overview(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.append(t, "order", "order-1", "Placed", "Paid")
	b.append(t, "order", "order-2", "Placed")
	b.append(t, "account", "acct-1", "Opened")

	r := b.get(t, "/")
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, `<a class="category-link" href="/category?name=order">order</a>`)
	require.Contains(t, r.body, `<a class="category-link" href="/category?name=account">account</a>`)
	require.Less(t, strings.Index(r.body, ">account<"), strings.Index(r.body, ">order<"), "categories in name order")
	require.Contains(t, r.body, "<h2>Fence lag</h2>")
	require.Contains(t, r.body, `<figure class="plot" id="plot-activity">`)
	require.Contains(t, r.body, `<svg viewBox="0 0 720 220" role="img"`)
	require.Contains(t, r.body, "order <span class=\"muted\">(3 in 60 min)</span>", "the plot's legend counts the hour")
	require.Contains(t, r.body, "the latest sequence number (no statistics yet)", "no estimate before ANALYZE: labelled as an upper bound")

	// Security headers on every page.
	require.Equal(t, contentSecurityPolicy, r.header.Get("Content-Security-Policy"))
	require.Contains(t, r.header.Get("Content-Security-Policy"), "script-src 'self'")
	require.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
	require.Equal(t, "DENY", r.header.Get("X-Frame-Options"))
	require.Equal(t, "no-referrer", r.header.Get("Referrer-Policy"))
	require.NotContains(t, r.body, "onclick", "no inline event handlers")
	require.NotContains(t, r.body, "<script>", "no inline script")
	require.NotContains(t, r.body, "style=", "no inline style")

	// After ANALYZE: the estimate, labelled.
	_, err := b.admin.Exec(context.Background(), "ANALYZE pgevents.events")
	require.NoError(t, err)
	r = b.get(t, "/")
	require.Contains(t, r.body, `title="planner estimate (pg_class.reltuples scaled to the table's size)">≈ 4</p>`)
}

func TestServer_OverviewPagesCategories(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	for _, c := range []string{"a", "b", "c"} {
		b.append(t, c, "s", "E")
	}
	r := b.get(t, "/?limit=2")
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `href="/category?name=a"`)
	require.Contains(t, r.body, `href="/category?name=b"`)
	require.NotContains(t, r.body, `href="/category?name=c"`)
	require.Contains(t, r.body, `<a rel="next" href="/?after=b">Next page</a>`)
	r = b.get(t, "/?limit=2&after=b")
	require.Contains(t, r.body, `href="/category?name=c"`)
	require.NotContains(t, r.body, `href="/category?name=a"`)
	require.NotContains(t, r.body, "Next page")
	requireNotFoundPage(t, b.get(t, "/?limit=0"), "Bad limit")
	requireNotFoundPage(t, b.get(t, "/?limit=x"), "Bad limit")
	requireNotFoundPage(t, b.get(t, "/?after="+q("bad\x01name")), "Bad category name")
}

func TestServer_Category(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.append(t, "order", "order-2", "Placed")
	b.append(t, "order", "order-1", "Placed", "Paid", "Shipped")
	b.append(t, "order", "order-3", "Placed")

	r := b.get(t, "/category?name=order")
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, `<a class="stream-link" href="/stream?category=order&amp;name=order-1">order-1</a>`)
	require.Less(t, strings.Index(r.body, ">order-1<"), strings.Index(r.body, ">order-2<"), "streams in name order")
	require.Contains(t, between(r.body, ">order-1<", "</tr>"), `<td class="num">3</td>`, "event count: latest position + 1")
	require.Contains(t, between(r.body, ">order-1<", "</tr>"), ">Shipped</a>", "latest event")
	require.Contains(t, r.body, `href="/tail?category=order"`)

	// Key-set paging.
	r = b.get(t, "/category?name=order&limit=2")
	require.NotContains(t, r.body, ">order-3<")
	require.Contains(t, r.body, `<a rel="next" href="/category?after=order-2&amp;name=order">Next page</a>`)
	r = b.get(t, "/category?name=order&limit=2&after=order-2")
	require.Contains(t, r.body, ">order-3<")
	require.NotContains(t, r.body, ">order-1<")

	requireNotFoundPage(t, b.get(t, "/category?name=nothing"), "There is no category &#34;nothing&#34;")
	requireNotFoundPage(t, b.get(t, "/category"), "Bad category name")
	requireNotFoundPage(t, b.get(t, "/category?name="+q(strings.Repeat("x", 256))), "Bad category name")
	requireNotFoundPage(t, b.get(t, "/category?name="+q("a\nb")), "Bad category name")
}

func TestServer_Stream(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	stored := b.appendEvents(t, "order", "order-1",
		pgevents.NewEvent{Name: "Placed", Payload: json.RawMessage(`{"items":[{"sku":"a","qty":2}],"note":"<script>alert(1)</script>"}`)},
		pgevents.NewEvent{Name: "Paid", Payload: json.RawMessage(`{"amount":10}`), Metadata: json.RawMessage(`{"by":"teller"}`)},
		pgevents.NewEvent{Name: "Shipped", Payload: json.RawMessage(`{}`)},
	)

	r := b.get(t, "/stream?category=order&name=order-1")
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Less(t, strings.Index(r.body, ">Placed</a>"), strings.Index(r.body, ">Paid</a>"))
	require.Less(t, strings.Index(r.body, ">Paid</a>"), strings.Index(r.body, ">Shipped</a>"))
	require.Contains(t, r.body, "3 events (positions 0 to 2)")
	require.Contains(t, r.body, "&#34;items&#34;: [\n    {\n      &#34;qty&#34;: 2,\n      &#34;sku&#34;: &#34;a&#34;\n    }\n  ]", "payload pretty-printed")
	require.Contains(t, r.body, "&lt;script&gt;alert(1)&lt;/script&gt;", "payload HTML-escaped")
	require.NotContains(t, r.body, "<script>alert(1)")
	require.Contains(t, r.body, "{\n  &#34;by&#34;: &#34;teller&#34;\n}", "metadata pretty-printed")
	require.Contains(t, r.body, fmt.Sprintf(`<time datetime="%s"`, stored[0].ObservedAt.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")),
		"timestamps carry their instant for the viewer's zone")
	require.Contains(t, r.body, fmt.Sprintf(`href="/event?id=%s"`, stored[1].ID))

	// Paging by position.
	r = b.get(t, "/stream?category=order&name=order-1&from=1&limit=1")
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, ">Paid</a>")
	require.NotContains(t, r.body, ">Placed</a>")
	require.NotContains(t, r.body, ">Shipped</a>")
	require.Contains(t, r.body, `<a rel="next" href="/stream?category=order&amp;from=2&amp;name=order-1">Next</a>`)
	require.Contains(t, r.body, `<a rel="prev" href="/stream?category=order&amp;name=order-1">Previous</a>`)
	r = b.get(t, "/stream?category=order&name=order-1&from=9")
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, "No events from position 9: the stream ends at 2.")

	requireNotFoundPage(t, b.get(t, "/stream?category=order&name=order-9"), "There is no stream &#34;order-9&#34; in category &#34;order&#34;")
	requireNotFoundPage(t, b.get(t, "/stream?category=nothing&name=order-1"), "There is no stream")
	requireNotFoundPage(t, b.get(t, "/stream?category=order"), "Bad category or stream name")
	requireNotFoundPage(t, b.get(t, "/stream?category=order&name=order-1&from=-1"), "Bad from")
	requireNotFoundPage(t, b.get(t, "/stream?category=order&name=order-1&from=abc"), "Bad from")
}

func TestServer_HostileNames(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	category := `<b>x</b>"'&`
	stream := "../a/b?c=d#e"
	e := b.append(t, category, stream, `<img src=x onerror=alert(1)>`)[0]

	for _, path := range []string{"/", "/category?name=" + q(category), streamURL(category, stream, 0), eventURL(e.ID)} {
		r := b.get(t, path)
		require.Equal(t, http.StatusOK, r.status, "%s: %s", path, r.body)
		require.NotContains(t, r.body, "<b>x</b>", path)
		require.NotContains(t, r.body, "<img src=x", path)
	}
	r := b.get(t, "/category?name="+q(category))
	require.Contains(t, r.body, "&lt;b&gt;x&lt;/b&gt;&#34;&#39;&amp;")
	require.Contains(t, r.body, `href="/stream?category=%3Cb%3Ex%3C%2Fb%3E%22%27%26&amp;name=..%2Fa%2Fb%3Fc%3Dd%23e"`, "names survive in the query string")
	r = b.get(t, streamURL(category, stream, 0))
	require.Contains(t, r.body, "&lt;img src=x onerror=alert(1)&gt;")
}

func TestServer_Event(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	e := b.append(t, "order", "order-1", "Placed", "Paid")[1]

	r := b.get(t, eventURL(e.ID))
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, "<h1>Event <span class=\"name\">Paid</span></h1>")
	require.Contains(t, r.body, `<a href="/stream?category=order&amp;from=1&amp;name=order-1">order-1</a>, position 1`)
	require.Contains(t, r.body, "<code>"+e.Cursor().String()+"</code>")
	require.Contains(t, r.body, "{\n  &#34;i&#34;: 1\n}")

	requireNotFoundPage(t, b.get(t, eventURL(uuid.New())), "There is no event with id")
	requireNotFoundPage(t, b.get(t, "/event?id=not-a-uuid"), "is not an event id")
	requireNotFoundPage(t, b.get(t, "/event?id="+strings.ReplaceAll(e.ID.String(), "-", "")), "is not an event id")
	requireNotFoundPage(t, b.get(t, "/event"), "is not an event id")
}

func TestServer_NotFound(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	for _, path := range []string{"/nope", "/category/order", "/static/", "/static/nope.css", "/api/nope", "/event/x", "/%2e%2e/etc/passwd"} {
		requireNotFoundPage(t, b.get(t, path), "")
	}
	r := b.do(t, http.MethodPost, "/stream", nil)
	require.Equal(t, http.StatusNotFound, r.status)
	r = b.get(t, "/static/style.css")
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "text/css; charset=utf-8", r.header.Get("Content-Type"))
	r = b.get(t, "/static/app.js")
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.header.Get("Content-Type"), "javascript")
}

func TestServer_Projections(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	for _, p := range []struct{ id, state string }{{"u1", `{"email":"ada@example.com","age":36}`}, {"u2", `{"email":"bob@example.com","age":17}`}, {"u3", `{"age":50}`}} {
		_, err := b.admin.Exec(context.Background(), `SELECT * FROM pgevents.save_projection('profile', $1, '{"type":"log"}', $2, '{}')`, p.id, p.state)
		require.NoError(t, err)
	}

	r := b.get(t, "/projections")
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, ">profile</a>", "projection names listed")
	require.Contains(t, r.body, "<textarea")

	query := `{"name": "profile", "filters": [{"path": ["state", "age"], "op": "greater_than_or_equal", "value": 18}], "sort": [{"path": ["state", "age"], "order": "desc"}]}`
	r = b.get(t, projectionsURL(query))
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, "<h2>2 results</h2>")
	require.Less(t, strings.Index(r.body, "<code>u3</code>"), strings.Index(r.body, "<code>u1</code>"), "sorted by age desc")
	require.NotContains(t, r.body, "<code>u2</code>")
	require.Contains(t, r.body, "&#34;email&#34;: &#34;ada@example.com&#34;", "state pretty-printed")

	// Key-set paging: one per page.
	r = b.get(t, projectionsURL(`{"name": "profile", "page": {"limit": 1}}`))
	require.Contains(t, r.body, "<h2>1 result</h2>")
	next := between(r.body, `<a rel="next" href="`, `"`)
	require.NotEmpty(t, next)
	next = html.UnescapeString(next)
	r = b.get(t, next)
	require.Contains(t, r.body, "<code>u2</code>")
	require.NotContains(t, r.body, "<code>u1</code>")

	// PE110, shown with its field and reason.
	r = b.get(t, projectionsURL(`{"name": "profile", "filters": [{"path": ["state", "age"], "op": "bigger", "value": 1}]}`))
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.body, "<strong>Invalid query</strong> (PE110): <code>filters[0].op</code>")
	r = b.get(t, projectionsURL(`{"name": "profile", "page": {"limit": 0}}`))
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.body, "(PE110): <code>page.limit</code>", "a query the browser does not rewrite keeps the server's error")
	r = b.get(t, projectionsURL(`{"name": `))
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.body, "<code>query</code> is not valid JSON")
	r = b.get(t, projectionsURL(`{"name": "`+strings.Repeat("x", maxQueryBytes)+`"}`))
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.body, "the browser accepts at most 65536")
}

func TestServer_Consumers(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	r := b.get(t, "/consumers")
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, "No consumer groups yet.")

	// A real group: one row per partition, with its lag.
	b.append(t, "order", "order-1", "Placed")
	_, err := b.admin.Exec(context.Background(),
		`SELECT pgevents.create_consumer_group('billing', '{"type": "category", "category": "order"}', 2)`)
	require.NoError(t, err)
	r = b.get(t, "/consumers")
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, "<th scope=\"col\">group_name</th>")
	require.Equal(t, 2, strings.Count(r.body, "<td>billing</td>"), r.body)

	// Consumers are optional: a status function the reader may not call
	// is treated as absent.
	_, err = b.admin.Exec(context.Background(), `REVOKE EXECUTE ON FUNCTION pgevents.consumer_status(text) FROM pgevents_reader`)
	require.NoError(t, err)
	r = b.get(t, "/consumers")
	require.Contains(t, r.body, "No consumers: this installation has no <code>pgevents.consumer_status()</code>")
}

func TestServer_Auth(t *testing.T) {
	t.Parallel()
	const token = "s3cret-token-0123456789"
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "pgevents_up 1") })
	b := setup(t, &setupOpts{config: func(c *Config) { c.Token = token; c.Metrics = metrics }})
	b.append(t, "order", "order-1", "Placed")

	// Pages redirect to the login form, APIs answer 401.
	r := b.get(t, "/category?name=order")
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Equal(t, "/login?next=%2Fcategory%3Fname%3Dorder", r.header.Get("Location"))
	for _, path := range []string{"/api/tail", "/metrics"} {
		r = b.get(t, path)
		require.Equal(t, http.StatusUnauthorized, r.status, path)
		require.Equal(t, `Bearer realm="pgevents"`, r.header.Get("WWW-Authenticate"))
	}
	require.Equal(t, http.StatusUnauthorized, b.do(t, http.MethodPost, "/stream", nil).status)
	r = b.get(t, "/", "Authorization", "Bearer wrong")
	require.Equal(t, http.StatusUnauthorized, r.status, "a wrong bearer token is refused")
	r = b.get(t, "/", "Authorization", "Basic "+token)
	require.Equal(t, http.StatusUnauthorized, r.status)

	// The bearer token opens everything.
	for _, path := range []string{"/", "/category?name=order", "/metrics", "/consumers", "/projections", "/tail"} {
		r = b.get(t, path, "Authorization", "Bearer "+token)
		require.Equal(t, http.StatusOK, r.status, path)
	}
	require.Equal(t, "pgevents_up 1\n", b.get(t, "/metrics", "Authorization", "Bearer "+token).body, "Config.Metrics is mounted at /metrics")
	requireNotFoundPage(t, b.get(t, "/nope", "Authorization", "Bearer "+token), "There is no page")

	// Static assets and the login form need no token.
	require.Equal(t, http.StatusOK, b.get(t, "/static/style.css").status)
	r = b.get(t, "/login?next="+q("/category?name=order"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `<input type="hidden" name="next" value="/category?name=order">`)
	require.Contains(t, r.body, `type="password"`)

	// The login form sets the session cookie and goes back where it came from.
	form := func(tok, next string) response {
		return b.do(t, http.MethodPost, "/login", strings.NewReader(url.Values{"token": {tok}, "next": {next}}.Encode()),
			"Content-Type", "application/x-www-form-urlencoded")
	}
	r = form("wrong", "/")
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Contains(t, r.body, "That token is not valid.")
	require.Empty(t, r.header.Get("Set-Cookie"))
	r = form(token, "/category?name=order")
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Equal(t, "/category?name=order", r.header.Get("Location"))
	cookie := r.header.Get("Set-Cookie")
	require.Contains(t, cookie, sessionCookie+"=")
	require.Contains(t, cookie, "HttpOnly")
	require.Contains(t, cookie, "SameSite=Strict")
	require.NotContains(t, cookie, token, "the cookie is derived from the token, not the token")
	session := strings.Split(cookie, ";")[0]
	r = b.get(t, "/category?name=order", "Cookie", session)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `<form class="logout" action="/logout" method="post">`)
	r = b.get(t, "/api/tail", "Cookie", session, "Last-Event-ID", "bad")
	require.Equal(t, http.StatusBadRequest, r.status, "the session cookie opens the API too (EventSource sends cookies)")
	r = b.get(t, "/", "Cookie", sessionCookie+"=forged")
	require.Equal(t, http.StatusSeeOther, r.status)

	// Open redirects are refused.
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		r = form(token, next)
		require.Equal(t, "/", r.header.Get("Location"), next)
	}

	// ?token= sets the cookie and drops the token from the address.
	r = b.get(t, "/category?name=order&token="+q(token))
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Equal(t, "/category?name=order", r.header.Get("Location"))
	require.Contains(t, r.header.Get("Set-Cookie"), sessionCookie+"=")
	r = b.get(t, "//evil.example/x?token="+q(token))
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Equal(t, "/", r.header.Get("Location"), "never a redirect to another host")
	r = b.get(t, "/category?name=order&token=wrong")
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Contains(t, r.body, "That token is not valid.")

	// Logout expires the cookie.
	r = b.do(t, http.MethodPost, "/logout", nil, "Cookie", session)
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Contains(t, r.header.Get("Set-Cookie"), "Max-Age=0")
}

func TestServer_AllowedHosts(t *testing.T) {
	t.Parallel()
	b := setup(t, &setupOpts{config: func(c *Config) { c.AllowedHosts = []string{"localhost", "127.0.0.1", "::1"} }})
	require.Equal(t, http.StatusOK, b.get(t, "/").status, "127.0.0.1:port")
	r := b.do(t, http.MethodGet, "/", nil, "Host", "localhost:8080")
	require.Equal(t, http.StatusOK, r.status)
	r = b.get(t, "/", "Host", "rebind.evil.example:8080")
	require.Equal(t, http.StatusMisdirectedRequest, r.status, "DNS rebinding: another host name is refused")
}

func TestPoolConfig_ReadOnly(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	// Even a role that may append (here the superuser) cannot write
	// through the browser's pool.
	cfg, err := PoolConfig(b.conn, 0)
	require.NoError(t, err)
	require.Equal(t, "on", cfg.ConnConfig.RuntimeParams["default_transaction_read_only"])
	require.Equal(t, "10000", cfg.ConnConfig.RuntimeParams["statement_timeout"])
	pool := newPoolFromConfig(t, cfg)
	_, err = pool.Exec(context.Background(), `SELECT * FROM pgevents.append('order', 'order-1', '[{"name": "X", "payload": 1}]')`)
	require.ErrorContains(t, err, "25006", "read_only_sql_transaction")
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM pgevents.events`).Scan(&n))
	require.Zero(t, n)

	can, err := b.server.CanAppend(context.Background())
	require.NoError(t, err)
	require.False(t, can, "the test's browser role is a reader")
}

func TestNew_Validates(t *testing.T) {
	t.Parallel()
	_, err := New(nil)
	require.ErrorContains(t, err, "Config.Pool is required")
	_, err = New(&Config{})
	require.ErrorContains(t, err, "Config.Pool is required")
}
