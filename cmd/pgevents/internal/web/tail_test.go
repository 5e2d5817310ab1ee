package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

// sseMessage is one server-sent event.
type sseMessage struct {
	data  string
	event string
	id    string
}

// sseStream is an open live tail.
type sseStream struct {
	header   http.Header
	messages chan sseMessage
	status   int
	body     string // the body of a non-200 answer
}

// openTail opens base+path as an event stream until the test ends;
// headers are pairs.
func openTail(t *testing.T, base, path string, headers ...string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	s := &sseStream{header: res.Header, messages: make(chan sseMessage, 1000), status: res.StatusCode}
	if res.StatusCode != http.StatusOK {
		var b strings.Builder
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			b.WriteString(sc.Text())
		}
		s.body = b.String()
		res.Body.Close()
		close(s.messages)
		return s
	}
	go func() {
		defer res.Body.Close()
		defer close(s.messages)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var m sseMessage
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if m.event != "" || m.data != "" {
					s.messages <- m
				}
				m = sseMessage{}
			case strings.HasPrefix(line, "id: "):
				m.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				m.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				m.data = line[6:]
			}
		}
	}()
	return s
}

// next returns the next message, failing the test after 10 seconds (the
// fence is cluster-wide: parallel tests may hold it back for a moment).
func (s *sseStream) next(t *testing.T) sseMessage {
	t.Helper()
	select {
	case m, ok := <-s.messages:
		require.True(t, ok, "the stream ended")
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message within 10 s")
		return sseMessage{}
	}
}

// nextEvent returns the next event message, decoded.
func (s *sseStream) nextEvent(t *testing.T) (tailEvent, string) {
	t.Helper()
	m := s.next(t)
	if m.event == "ready" { // the end of the backlog
		m = s.next(t)
	}
	require.Equal(t, "event", m.event, m.data)
	var e tailEvent
	require.NoError(t, json.Unmarshal([]byte(m.data), &e))
	return e, m.id
}

// quiet asserts that no event arrives for d.
func (s *sseStream) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m := <-s.messages:
			if m.event != "ready" {
				t.Fatalf("unexpected message %+v", m)
			}
		case <-deadline:
			return
		}
	}
}

// waitBelowFence waits until every event of the database is below the
// snapshot fence (the fence is cluster-wide: parallel tests' transactions
// hold it back for a moment), so that a new tail's backlog is complete.
func (b *testBundle) waitBelowFence(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		lag, err := b.store.FenceLag(context.Background())
		return err == nil && lag.HeldBackEvents == 0
	}, 10*time.Second, 20*time.Millisecond)
}

func TestServer_Tail(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	first := b.append(t, "order", "order-1", "Placed", "Paid")
	b.append(t, "account", "acct-1", "Opened")
	b.waitBelowFence(t)

	s := openTail(t, b.url, "/api/tail")
	require.Equal(t, http.StatusOK, s.status)
	require.Equal(t, "text/event-stream; charset=utf-8", s.header.Get("Content-Type"))
	require.Equal(t, "no-store", s.header.Get("Cache-Control"))
	var names []string
	for range 3 {
		e, id := s.nextEvent(t)
		names = append(names, e.Name)
		require.Equal(t, e.Cursor, id, "the message id is the event's cursor")
	}
	require.Equal(t, []string{"Placed", "Paid", "Opened"}, names, "backlog in read order, oldest first")
	require.Equal(t, "ready", s.next(t).event, "then the end of the backlog")

	// New events follow, in read order.
	later := b.append(t, "order", "order-2", "Placed", "Cancelled")
	for _, want := range later {
		e, id := s.nextEvent(t)
		require.Equal(t, want.ID.String(), e.ID)
		require.Equal(t, want.Cursor().String(), id)
		require.Equal(t, "order", e.Category)
		require.Equal(t, "order-2", e.Stream)
		require.Equal(t, want.Position, e.Position)
		require.Equal(t, eventURL(want.ID), e.URL)
		require.Equal(t, streamURL("order", "order-2", want.Position), e.StreamURL)
		require.Equal(t, fmt.Sprintf(`{"i":%d}`, want.Position), e.Payload)
	}

	// Resume after a cursor (what a reconnecting EventSource does).
	r := openTail(t, b.url, "/api/tail", "Last-Event-ID", first[0].Cursor().String())
	for _, want := range []string{"Paid", "Opened", "Placed", "Cancelled"} {
		e, _ := r.nextEvent(t)
		require.Equal(t, want, e.Name)
	}

	// One category.
	c := openTail(t, b.url, "/api/tail?category=account")
	e, _ := c.nextEvent(t)
	require.Equal(t, "Opened", e.Name)
	b.append(t, "order", "order-3", "Placed")
	b.append(t, "account", "acct-2", "Opened")
	e, _ = c.nextEvent(t)
	require.Equal(t, "acct-2", e.Stream, "events of other categories are not sent")
}

func TestServer_TailBacklogIsBounded(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	names := make([]string, 25)
	for i := range names {
		names[i] = fmt.Sprintf("E%d", i)
	}
	b.append(t, "order", "order-1", names...)
	b.waitBelowFence(t)
	s := openTail(t, b.url, "/api/tail")
	for i := 5; i < 25; i++ {
		e, _ := s.nextEvent(t)
		require.Equal(t, int64(i), e.Position)
	}
	s.quiet(t, 200*time.Millisecond)
}

// Not parallel: it holds the cluster-wide fence, which would delay the
// other tests' tails (non-parallel tests run alone).
func TestServer_TailFollowsTheFence(t *testing.T) {
	b := setup(t, nil)
	b.append(t, "order", "order-1", "Placed")
	s := openTail(t, b.url, "/api/tail")
	e, _ := s.nextEvent(t)
	require.Equal(t, "Placed", e.Name)

	// A transaction that has appended but not committed holds the fence:
	// an event committed meanwhile is not sent yet (a resuming reader could
	// otherwise skip the held one).
	ctx := context.Background()
	holder, err := b.admin.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = holder.Rollback(ctx) }() // ends it if the test fails before the commit (else the pool's Close waits forever)
	_, err = b.store.WithTx(holder).AppendEvents(ctx, &pgevents.AppendParams{Category: "order", Stream: "held",
		Events: []pgevents.NewEvent{{Name: "Held", Payload: json.RawMessage(`1`)}}})
	require.NoError(t, err)
	b.append(t, "order", "order-2", "Committed")
	s.quiet(t, 300*time.Millisecond)
	require.NoError(t, holder.Commit(ctx))
	e, _ = s.nextEvent(t)
	require.Equal(t, "Held", e.Name, "the older transaction's event comes first")
	e, _ = s.nextEvent(t)
	require.Equal(t, "Committed", e.Name)
}

func TestServer_TailRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t, &setupOpts{config: func(c *Config) { c.MaxTails = 1 }})
	b.append(t, "order", "order-1", "Placed")

	s := openTail(t, b.url, "/api/tail", "Last-Event-ID", "not-a-cursor")
	require.Equal(t, http.StatusBadRequest, s.status)
	require.Contains(t, s.body, "bad Last-Event-ID")
	s = openTail(t, b.url, "/api/tail", "Last-Event-ID", "999999999999:1")
	require.Equal(t, http.StatusBadRequest, s.status, "a cursor from the future: PE106")
	require.Contains(t, s.body, "invalid after_transaction_id")
	s = openTail(t, b.url, "/api/tail?category="+q("a\x00b"))
	require.Equal(t, http.StatusBadRequest, s.status)

	head := b.do(t, http.MethodHead, "/api/tail", nil)
	require.Equal(t, http.StatusOK, head.status, "HEAD: the headers only, at once")
	require.Equal(t, "text/event-stream; charset=utf-8", head.header.Get("Content-Type"))

	open := openTail(t, b.url, "/api/tail")
	require.Equal(t, http.StatusOK, open.status)
	open.nextEvent(t)
	s = openTail(t, b.url, "/api/tail")
	require.Equal(t, http.StatusServiceUnavailable, s.status, "MaxTails")
	require.Contains(t, s.body, "too many live tails")
}

func TestServer_ListenAndServe(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	srv, err := New(&Config{Pool: b.server.cfg.Pool, TailPollInterval: 50 * time.Millisecond, FenceSampleInterval: 50 * time.Millisecond})
	require.NoError(t, err)
	srv.timeouts.read = 200 * time.Millisecond
	srv.timeouts.write = 200 * time.Millisecond
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx, l) }()
	base := "http://" + l.Addr().String()

	s := openTail(t, base, "/api/tail")
	require.Equal(t, http.StatusOK, s.status)
	time.Sleep(600 * time.Millisecond) // past the server's read and write timeouts
	b.append(t, "order", "order-1", "Late")
	e, _ := s.nextEvent(t)
	require.Equal(t, "Late", e.Name, "a live tail outlives the server's read and write timeouts")

	// The fence sampler ran: the overview plots the lag.
	require.Eventually(t, func() bool {
		res, err := http.Get(base + "/")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		var sb strings.Builder
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			sb.WriteString(sc.Text())
		}
		return strings.Contains(sb.String(), `<polyline class="series" points=`) && strings.Contains(sb.String(), "lag of the oldest held-back event")
	}, 10*time.Second, 50*time.Millisecond)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err, "a shutdown by ctx is not an error")
	case <-time.After(10 * time.Second):
		t.Fatal("ListenAndServe did not return after ctx ended")
	}
	for range s.messages { // drained until the server ends the stream
	}
}
