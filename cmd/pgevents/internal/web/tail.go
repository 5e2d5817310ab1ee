package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/pgevents/pgevents"
)

const (
	// tailBacklog is how many recent events a new live tail starts with.
	tailBacklog = 20
	// tailPage is the most events one poll of a live tail reads.
	tailPage = 200
	// tailKeepAlive is how often an idle live tail sends a comment, so that
	// proxies keep the connection and a dead client is noticed.
	tailKeepAlive = 15 * time.Second
	// tailWriteTimeout bounds each write of a live tail.
	tailWriteTimeout = 10 * time.Second
)

// tailEvent is the JSON of one live tail message.
type tailEvent struct {
	Category       string    `json:"category"`
	Cursor         string    `json:"cursor"`
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	ObservedAt     time.Time `json:"observed_at"`
	OccurredAt     time.Time `json:"occurred_at"`
	Payload        string    `json:"payload"`
	Position       int64     `json:"position"`
	SequenceNumber int64     `json:"sequence_number"`
	Stream         string    `json:"stream"`
	StreamURL      string    `json:"stream_url"`
	URL            string    `json:"url"`
}

// tailStream serves the live tail as server-sent events (text/event-stream):
// the latest events below the fence, then every event that passes the
// fence, in the log's (or a category's) resumable read order. Each message
// has the event's cursor as its id: a reconnecting EventSource sends it back
// as Last-Event-ID and the stream resumes right after it, so no event is
// skipped or repeated. After the backlog (or at once, when resuming) comes
// one "ready" message: what follows is live. ?category= follows one
// category. At most MaxTails
// streams are open at once (503 beyond); each ends after TailMaxDuration
// (the browser reconnects).
func (s *Server) tailStream(w http.ResponseWriter, r *http.Request) {
	category := r.URL.Query().Get("category")
	if category != "" && !validName(category) {
		http.Error(w, "pgevents: bad category name", http.StatusBadRequest)
		return
	}
	var after *pgevents.Cursor
	if last := r.Header.Get("Last-Event-ID"); last != "" {
		c, err := pgevents.ParseCursor(last)
		if err != nil {
			http.Error(w, "pgevents: bad Last-Event-ID: "+err.Error(), http.StatusBadRequest)
			return
		}
		after = &c
	}
	select {
	case s.tails <- struct{}{}:
		defer func() { <-s.tails }()
	default:
		w.Header().Set("Retry-After", "10")
		http.Error(w, "pgevents: too many live tails open; try again later", http.StatusServiceUnavailable)
		return
	}
	rc := http.NewResponseController(w)
	// A stream outlives the server's read timeout: lift it (else the
	// connection's background read times out and cancels the request).
	if err := rc.SetReadDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.TailMaxDuration)
	defer cancel()

	var backlog []pgevents.Event
	if after == nil {
		qctx, qcancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		latest, err := s.db.tail(qctx, category, tailBacklog)
		qcancel()
		if err != nil {
			s.tailError(w, r, err)
			return
		}
		after = &pgevents.Cursor{}
		if len(latest) > 0 {
			*after = latest[0].Cursor()
		}
		for i := len(latest) - 1; i >= 0; i-- {
			backlog = append(backlog, latest[i])
		}
	} else if err := s.checkCursor(ctx, category, *after); err != nil {
		s.tailError(w, r, err)
		return
	}

	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	write := func(f func(io.Writer) error) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(tailWriteTimeout))
		if f(w) != nil || rc.Flush() != nil {
			return false
		}
		return true
	}
	if !write(func(w io.Writer) error { _, err := io.WriteString(w, "retry: 2000\n\n"); return err }) {
		return
	}
	send := func(events []pgevents.Event) bool {
		return write(func(w io.Writer) error {
			for _, e := range events {
				if err := writeTailEvent(w, e); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if !send(backlog) || !write(func(w io.Writer) error { _, err := io.WriteString(w, "event: ready\ndata: {}\n\n"); return err }) {
		return
	}
	poll := time.NewTicker(s.cfg.TailPollInterval)
	defer poll.Stop()
	lastWrite := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		}
		qctx, qcancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		events, err := s.db.store.ReadEvents(qctx, &pgevents.ReadEventsParams{After: *after, Category: category, Limit: tailPage})
		qcancel()
		if err != nil {
			if ctx.Err() == nil {
				s.logger.Warn("pgevents serve: live tail read failed", "error", err)
				write(func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "event: failure\ndata: %s\n\n", jsonString("reading the log failed; reconnecting"))
					return err
				})
			}
			return
		}
		if len(events) > 0 {
			if !send(events) {
				return
			}
			*after = events[len(events)-1].Cursor()
			lastWrite = time.Now()
			if len(events) == tailPage {
				poll.Reset(time.Millisecond) // more are waiting: read on at once
				continue
			}
			poll.Reset(s.cfg.TailPollInterval)
		} else if time.Since(lastWrite) >= tailKeepAlive {
			if !write(func(w io.Writer) error { _, err := io.WriteString(w, ": keep-alive\n\n"); return err }) {
				return
			}
			lastWrite = time.Now()
		}
	}
}

// checkCursor makes one read after the cursor, so that a cursor the reads
// refuse (PE106: from the future, negative) is an error before the stream
// starts.
func (s *Server) checkCursor(ctx context.Context, category string, after pgevents.Cursor) error {
	qctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	_, err := s.db.store.ReadEvents(qctx, &pgevents.ReadEventsParams{After: after, Category: category, Limit: 1})
	return err
}

func (s *Server) tailError(w http.ResponseWriter, r *http.Request, err error) {
	if ie, ok := invalidInput(err); ok {
		http.Error(w, fmt.Sprintf("pgevents: invalid %s: %s", ie.Field, ie.Reason), http.StatusBadRequest)
		return
	}
	if r.Context().Err() == nil {
		s.logger.Error("pgevents serve: live tail failed", "error", err)
	}
	http.Error(w, "pgevents: reading the log failed", http.StatusInternalServerError)
}

func writeTailEvent(w io.Writer, e pgevents.Event) error {
	b, err := json.Marshal(tailEvent{
		Category:       e.Category,
		Cursor:         e.Cursor().String(),
		ID:             e.ID.String(),
		Name:           e.Name,
		ObservedAt:     e.ObservedAt.UTC(),
		OccurredAt:     e.OccurredAt.UTC(),
		Payload:        compact(e.Payload, tailPreviewLimit),
		Position:       e.Position,
		SequenceNumber: e.SequenceNumber,
		Stream:         e.Stream,
		StreamURL:      streamURL(e.Category, e.Stream, e.Position),
		URL:            eventURL(e.ID),
	})
	if err != nil {
		return err
	}
	// json.Marshal never emits a raw newline, so the data is one line.
	_, err = fmt.Fprintf(w, "id: %s\nevent: event\ndata: %s\n\n", e.Cursor(), b)
	return err
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
