package web

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

// The browser test drives the event browser in a real headless Chromium
// (Debian's chromium package) through the DevTools protocol (chromedp).
//
// Chromium is found as $PGEVENTS_CHROMIUM, else chromium, chromium-browser,
// google-chrome, google-chrome-stable or headless-shell on $PATH. Without it
// the test is skipped with the reason, except under CI=true, where it fails.
//
// Screenshots of every page are written to $PGEVENTS_ARTIFACTS/screenshots/,
// or to artifacts/screenshots/ at the repository root (gitignored).

// chromium returns the browser binary, or skips (fails under CI=true).
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PGEVENTS_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	why := "browser test: no Chromium found (install Debian's chromium package, or set PGEVENTS_CHROMIUM to a Chrome or Chromium binary)"
	if os.Getenv("CI") == "true" {
		t.Fatal(why + "; CI=true: failing instead of skipping")
	}
	t.Skip(why)
	return ""
}

// screenshotDir is where the browser test saves its screenshots.
func screenshotDir(t *testing.T) string {
	t.Helper()
	base := os.Getenv("PGEVENTS_ARTIFACTS")
	if base == "" {
		dir, err := os.Getwd()
		require.NoError(t, err)
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			require.NotEqual(t, dir, parent, "no go.mod above the test's directory")
			dir = parent
		}
		base = filepath.Join(dir, "artifacts")
	}
	dir := filepath.Join(base, "screenshots")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// console collects what the page writes to the console: errors, warnings,
// exceptions, CSP violations, failed loads.
type console struct {
	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
}

func (c *console) collect(ctx context.Context) {
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			c.mu.Lock()
			c.messages = append(c.messages, m)
			c.mu.Unlock()
		}
	}()
}

// requireClean fails on any console error, warning or exception since the
// last call, except the failed load of allowedURL (a page answered with an
// error status on purpose).
func (c *console) requireClean(t *testing.T, allowedURL string) {
	t.Helper()
	time.Sleep(100 * time.Millisecond) // messages arrive asynchronously
	c.mu.Lock()
	defer c.mu.Unlock()
	var problems []string
	for _, m := range c.messages {
		if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleWarning && !m.IsException() {
			continue
		}
		if allowedURL != "" && m.Source == "network" && m.URL == allowedURL && strings.Contains(m.Text, "Failed to load resource") {
			continue
		}
		problems = append(problems, fmt.Sprintf("%s (%s %s)", m, m.Source, m.URL))
	}
	c.messages = nil
	require.Empty(t, problems, "console errors")
}

func TestBrowser(t *testing.T) {
	// Not parallel: the live tail must see an event within 2 s, and
	// parallel tests' transactions would hold the cluster-wide fence.
	exe := chromium(t)
	started := time.Now()
	b := setup(t, &setupOpts{config: func(c *Config) {
		c.TailPollInterval = 100 * time.Millisecond
		c.FenceSampleInterval = 100 * time.Millisecond
	}})
	sampling, stopSampling := context.WithCancel(context.Background())
	defer stopSampling()
	go b.server.Run(sampling) // the fence lag plot's samples
	shots := screenshotDir(t)

	// A small store: two categories, streams, a hostile payload, a projection.
	for i := 1; i <= 3; i++ {
		b.append(t, "order", fmt.Sprintf("order-%d", i), "Placed", "Paid")
	}
	b.appendEvents(t, "account", "acct/1", pgevents.NewEvent{Name: "Opened",
		Payload: json.RawMessage(`{"owner": "<img src=x onerror=alert(1)>", "limits": {"daily": 500, "currencies": ["EUR", "USD"]}}`)})
	event := b.append(t, "order", "order-1", "Shipped")[0]
	_, err := b.admin.Exec(context.Background(), `SELECT * FROM pgevents.save_projection('profile', 'u1', '{"type": "log"}', '{"email": "ada@example.com", "age": 36}', '{}')`)
	require.NoError(t, err)
	_, err = b.admin.Exec(context.Background(), `ANALYZE pgevents.events`)
	require.NoError(t, err)
	b.waitBelowFence(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "en-US"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(actx)
	defer cancelTab()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx), "start Chromium (%s)", exe)
	// The viewer's time zone: UTC+09:00 all year (no DST).
	_, err = chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"})
	require.NoError(t, err)
	var con console
	con.collect(ctx)

	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		require.NoError(t, err, sel)
		return s
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		require.NoError(t, err, js)
		return s
	}
	screenshot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644))
	}
	open := func(path string) int64 {
		t.Helper()
		res, err := chromedp.RunResponse(ctx, chromedp.Navigate(b.url+path))
		require.NoError(t, err, path)
		return res.Status
	}

	t.Run("PagesLoadWithoutConsoleErrors", func(t *testing.T) {
		for _, p := range []struct{ name, path, h1 string }{
			{"overview", "/", "Overview"},
			{"category", "/category?name=order", "Category order"},
			{"stream", streamURL("order", "order-1", 0), "Stream order-1"},
			{"event", eventURL(event.ID), "Event Shipped"},
			{"hostile-stream", streamURL("account", "acct/1", 0), "Stream acct/1"},
			{"tail", "/tail", "Live tail"},
			{"projections", projectionsURL(`{"name": "profile"}`), "Projections"},
			{"consumers", "/consumers", "Consumer groups"},
		} {
			require.Equal(t, int64(200), open(p.path), p.path)
			require.Equal(t, p.h1, text("main h1"), p.path)
			screenshot(p.name)
			con.requireClean(t, "")
		}
		require.Equal(t, "0", eval(`String(document.querySelectorAll("img").length)`), "the hostile payload stays text")
	})

	t.Run("TimesInTheViewersZone", func(t *testing.T) {
		open(eventURL(event.ID))
		ist := time.FixedZone("JST", 9*3600)
		shown := text("dl.fields time")
		require.True(t, strings.HasPrefix(shown, event.ObservedAt.In(ist).Format("2006-01-02 15:04:05.")), "shown %q for %s", shown, event.ObservedAt)
		require.Equal(t, "Asia/Tokyo", text("#tz"))
		require.Equal(t, event.ObservedAt.UTC().Format("2006-01-02 15:04:05.000000 UTC"), eval(`document.querySelector("dl.fields time").title`))
	})

	t.Run("LinksNavigate", func(t *testing.T) {
		open("/")
		click := func(sel, wantH1 string) {
			t.Helper()
			res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
			require.NoError(t, err, sel)
			require.Equal(t, int64(200), res.Status, sel)
			require.Equal(t, wantH1, text("main h1"), sel)
		}
		click(`a.category-link[href="/category?name=order"]`, "Category order")
		click(`a.stream-link`, "Stream order-1")
		click(`ol.events li:last-child h2 a`, "Event Shipped")
		click(`nav.crumbs a[href^="/category"]`, "Category order")
		click(`header nav a[href="/tail"]`, "Live tail")
		con.requireClean(t, "")
	})

	t.Run("LiveTailShowsANewEventWithin2s", func(t *testing.T) {
		open("/tail")
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("tail-status").dataset.state === "live" && document.querySelectorAll("#tail-body tr").length > 0`,
			chromedp.WithPollingTimeout(10*time.Second), chromedp.WithPollingInterval(20*time.Millisecond)))
		require.NoError(t, err, "the tail connects and shows the latest events")
		require.Equal(t, event.ID.String(), eval(`document.querySelector("#tail-body tr").dataset.id`), "newest first")

		name := "Appended" + uuid.NewString()[:8]
		appended := b.append(t, "order", "order-live", name)[0]
		at := time.Now()
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.querySelector('#tail-body tr[data-id="%s"]') !== null`, appended.ID),
			chromedp.WithPollingTimeout(2*time.Second), chromedp.WithPollingInterval(20*time.Millisecond)))
		require.NoError(t, err, "the appended event is shown within 2 s")
		t.Logf("appended event shown after %v", time.Since(at).Round(time.Millisecond))
		require.Equal(t, name, text(`#tail-body tr:first-child .event-link`))
		screenshot("tail-live")
		con.requireClean(t, "")
	})

	t.Run("BadURLsGiveThe404Page", func(t *testing.T) {
		for _, path := range []string{"/nope", "/event?id=" + uuid.NewString(), "/event?id=not-a-uuid",
			"/stream?category=order&name=missing", "/category?name=missing", "/static/missing.js"} {
			require.Equal(t, int64(404), open(path), path)
			require.Equal(t, "Not found", text("main h1"), path)
			con.requireClean(t, b.url+path)
		}
		screenshot("not-found")
	})

	t.Run("ProjectionQueryErrorIsShown", func(t *testing.T) {
		path := projectionsURL(`{"name": "profile", "sort": [{"path": ["nope"]}]}`)
		require.Equal(t, int64(400), open(path))
		require.Contains(t, text(".problem"), "Invalid query (PE110): sort[0].path")
		screenshot("projections-error")
		con.requireClean(t, b.url+path)
	})

	t.Run("KeyboardNavigation", func(t *testing.T) {
		open("/")
		require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)))
		require.Equal(t, "Skip to content", eval(`document.activeElement.textContent`), "the first Tab stop skips the navigation")
		found := false
		for range 10 {
			require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)))
			if eval(`document.activeElement.textContent`) == "Live tail" {
				found = true
				break
			}
		}
		require.True(t, found, "Tab reaches the Live tail link")
		res, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(kb.Enter))
		require.NoError(t, err)
		require.Equal(t, int64(200), res.Status)
		require.Equal(t, "Live tail", text("main h1"), "Enter follows the focused link")

		// The event-id box: type an id and press Enter.
		open("/")
		require.NoError(t, chromedp.Do(ctx, chromedp.Focus(chromedp.ID("find-id"))))
		res, err = chromedp.RunResponse(ctx, chromedp.KeyEvent(event.ID.String()+kb.Enter))
		require.NoError(t, err)
		require.Equal(t, int64(200), res.Status)
		require.Equal(t, "Event Shipped", text("main h1"))
		con.requireClean(t, "")
	})

	t.Logf("browser test took %v; screenshots in %s", time.Since(started).Round(time.Millisecond), shots)
}
