package cli_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents/cmd/pgevents/internal/cli"
	"github.com/pgevents/pgevents/internal/pgtest"
)

// serving is a "pgevents serve" running in the background.
type serving struct {
	base   string
	code   chan int
	stderr *syncBuffer
	stop   context.CancelFunc
}

// startServe runs "pgevents serve args..." with env until it prints its
// address, and stops it when the test ends.
func startServe(t *testing.T, env map[string]string, args ...string) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	s := &serving{code: make(chan int, 1), stderr: stderr, stop: cancel}
	go func() {
		s.code <- cli.Run(ctx, append([]string{"serve"}, args...), &cli.Config{
			Getenv: func(k string) string { return env[k] }, Stderr: stderr, Stdout: stdout})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.code:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	})
	re := regexp.MustCompile(`event browser on (http://\S+)/`)
	require.Eventually(t, func() bool {
		m := re.FindStringSubmatch(stdout.String())
		if m != nil {
			s.base = m[1]
		}
		return m != nil
	}, 30*time.Second, 20*time.Millisecond, "stderr: %s", stderr.String())
	return s
}

func httpGet(t *testing.T, url string, headers ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
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
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

func TestServe_ServesTheBrowserUntilCanceled(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	s := startServe(t, map[string]string{"DATABASE_URL": url}, "--addr", "127.0.0.1:0")
	status, body := httpGet(t, s.base+"/")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "<h1>Overview</h1>")
	require.Contains(t, s.stderr.String(), "the connected role may append events", "the test connects as a superuser: warned")

	// Loopback: only the loopback host names are answered (DNS rebinding).
	status, _ = httpGet(t, s.base+"/", "Host", "rebind.evil.example")
	require.Equal(t, http.StatusMisdirectedRequest, status)
	status, _ = httpGet(t, s.base+"/", "Host", "localhost:1234")
	require.Equal(t, http.StatusOK, status)

	s.stop()
	select {
	case code := <-s.code:
		require.Equal(t, cli.ExitOK, code, "a clean shutdown on Ctrl-C: %s", s.stderr.String())
		s.code <- code // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestServe_Token(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	s := startServe(t, map[string]string{"DATABASE_URL": url, cli.EnvToken: "tok-from-env-0123456789"}, "--addr", "127.0.0.1:0")
	status, _ := httpGet(t, s.base+"/")
	require.Equal(t, http.StatusSeeOther, status, "$PGEVENTS_TOKEN is required")
	status, _ = httpGet(t, s.base+"/", "Authorization", "Bearer tok-from-env-0123456789")
	require.Equal(t, http.StatusOK, status)

	f := startServe(t, map[string]string{"DATABASE_URL": url, cli.EnvToken: "ignored"}, "--addr", "127.0.0.1:0", "--token", "tok-from-flag")
	status, _ = httpGet(t, f.base+"/", "Authorization", "Bearer tok-from-flag")
	require.Equal(t, http.StatusOK, status, "--token wins over the environment")
	status, _ = httpGet(t, f.base+"/", "Authorization", "Bearer ignored")
	require.Equal(t, http.StatusUnauthorized, status)
}

func TestServe_Refusals(t *testing.T) {
	t.Parallel()
	r := run(t, nil, "serve", "--help")
	require.Equal(t, cli.ExitOK, r.code)
	require.Contains(t, r.stdout, "pgevents serve [--addr HOST:PORT]")
	require.Contains(t, r.stdout, "-token")

	r = run(t, nil, "serve", "extra")
	require.Equal(t, cli.ExitUsage, r.code)
	require.Contains(t, r.stderr, `unexpected argument "extra"`)

	r = run(t, map[string]string{"DATABASE_URL": pgtest.NewEmptyDatabase(t)}, "serve", "--addr", "127.0.0.1:0")
	require.Equal(t, cli.ExitFailure, r.code)
	require.Contains(t, r.stderr, "hint: run pgevents migrate up")

	r = run(t, map[string]string{"DATABASE_URL": pgtest.NewDatabase(t)}, "serve", "--addr", "256.0.0.1:http")
	require.Equal(t, cli.ExitFailure, r.code)
	require.True(t, strings.HasPrefix(r.stderr, "pgevents: serve: listen on 256.0.0.1:http"), r.stderr)

	r = run(t, nil, "help")
	require.Contains(t, r.stdout, "serve             serve the read-only event browser")
}
