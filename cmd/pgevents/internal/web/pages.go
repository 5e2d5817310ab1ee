package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgstore"
)

// Page sizes: each list page shows at most the maximum, whatever ?limit=
// asks.
const (
	categoriesPerPage    = 100
	maxCategoriesPerPage = 500
	streamsPerPage       = 100
	maxStreamsPerPage    = 500
	eventsPerPage        = 50
	maxEventsPerPage     = 200
	projectionsPerPage   = 50
	maxProjectionsPage   = 200
	maxConsumerRows      = 1000
	projectionNamesShown = 100
	// countLimit is how many events browse_categories counts exactly per
	// category; beyond it the page shows the planner's estimate.
	countLimit = 1000
	// activityMinutes and activityMaxEvents bound browse_activity (rates
	// and the events-per-minute plot).
	activityMinutes   = 60
	activityMaxEvents = 100000
	activityCacheTTL  = 5 * time.Second
	// rateMinutes is the window of the per-minute rate column.
	rateMinutes = 5
	// maxQueryBytes bounds a projection query typed into the search form.
	maxQueryBytes = 64 << 10
)

// layout is what every page template gets.
type layout struct {
	Auth  bool
	Data  any
	Nav   string
	Title string
}

// notFoundError makes a page handler answer with the 404 page.
type notFoundError struct{ message string }

func (e *notFoundError) Error() string { return e.message }

func notFound(format string, args ...any) error {
	return &notFoundError{message: fmt.Sprintf(format, args...)}
}

// page adapts a page handler: it bounds the database work with
// RequestTimeout and renders the 404 or error page for its error.
func (s *Server) page(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
		defer cancel()
		err := h(w, r.WithContext(ctx))
		if err == nil {
			return
		}
		var nf *notFoundError
		if errors.As(err, &nf) {
			s.notFound(w, r, nf.message)
			return
		}
		if ie, ok := invalidInput(err); ok {
			s.notFound(w, r, fmt.Sprintf("Invalid %s: %s.", ie.Field, ie.Reason))
			return
		}
		if r.Context().Err() != nil {
			return // the client went away
		}
		s.logger.Error("pgevents serve: page failed", "path", r.URL.Path, "error", err)
		s.render(w, r, http.StatusInternalServerError, "error", "Error", "", err.Error())
	}
}

// render executes a page template into a buffer first, so that a template
// error becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title, nav string, data any) {
	var b bytes.Buffer
	err := s.pages[name].Execute(&b, layout{Auth: s.auth.enabled && name != "login", Data: data, Nav: nav, Title: title})
	if err != nil {
		s.logger.Error("pgevents serve: template failed", "page", name, "error", err)
		http.Error(w, "pgevents: internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b.Bytes())
	}
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, message string) {
	s.render(w, r, http.StatusNotFound, "notfound", "Not found", "", message)
}

// validName reports whether s could be a category or stream name (1..255
// characters, no control characters: pgevents.check_name's rule).
func validName(s string) bool {
	n := utf8.RuneCountInString(s)
	if n < 1 || n > 255 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return false
		}
	}
	return true
}

// intParam reads an integer query parameter: def when absent, an error
// (404) when malformed or below min, max when above it.
func intParam(r *http.Request, name string, def, min, max int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < min {
		return 0, notFound("Bad %s %q in the address: it must be a whole number of at least %d.", name, v, min)
	}
	if n > max {
		n = max
	}
	return n, nil
}

// recentActivity returns browse_activity's rows for the last hour,
// cached for a few seconds.
func (s *Server) recentActivity(ctx context.Context) ([]activityRow, bool, error) {
	c := &s.activity
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) < activityCacheTTL {
		return c.rows, c.complete, nil
	}
	rows, err := s.db.activity(ctx, activityMinutes, activityMaxEvents)
	if err != nil {
		return nil, false, err
	}
	complete := true
	for _, r := range rows {
		complete = complete && r.Complete
	}
	c.rows, c.complete, c.at = rows, complete, time.Now()
	return rows, complete, nil
}

// overviewPage is the overview's data.
type overviewPage struct {
	ActivityPlot *plot
	After        string
	Categories   []overviewCategory
	CountLimit   int
	Fence        *pgstore.FenceLag
	FencePlot    *plot
	Next         string
	RateMinutes  int
	Summary      *summary
}

// overviewCategory is a row of the overview's category table.
type overviewCategory struct {
	categoryRow
	LastHour int64
	PerMin   string
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	after := r.URL.Query().Get("after")
	if after != "" && !validName(after) {
		return notFound("Bad category name in the address.")
	}
	limit, err := intParam(r, "limit", categoriesPerPage, 1, maxCategoriesPerPage)
	if err != nil {
		return err
	}
	sum, err := s.db.summary(ctx)
	if err != nil {
		return err
	}
	lag, err := s.db.store.FenceLag(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	s.fence.add(fenceSample{At: now, HeldBack: lag.HeldBackEvents, Lag: lag.Lag}, time.Second)
	cats, err := s.db.categories(ctx, after, int(limit)+1, countLimit)
	if err != nil {
		return err
	}
	activity, complete, err := s.recentActivity(ctx)
	if err != nil {
		return err
	}
	page := overviewPage{
		ActivityPlot: activityPlot(activity, activityMinutes, now, complete),
		After:        after,
		CountLimit:   countLimit,
		Fence:        lag,
		FencePlot:    fencePlot(s.fence.since(now.Add(-time.Hour)), now),
		RateMinutes:  rateMinutes,
		Summary:      sum,
	}
	if len(cats) > int(limit) {
		cats = cats[:limit]
		page.Next = cats[len(cats)-1].Name
	}
	hour := map[string]int64{}
	recent := map[string]int64{}
	rateSince := now.Truncate(time.Minute).Add(-(rateMinutes - 1) * time.Minute)
	for _, a := range activity {
		hour[a.Category] += a.Events
		if !a.Minute.Before(rateSince) {
			recent[a.Category] += a.Events
		}
	}
	for _, c := range cats {
		page.Categories = append(page.Categories, overviewCategory{categoryRow: c, LastHour: hour[c.Name],
			PerMin: strconv.FormatFloat(float64(recent[c.Name])/rateMinutes, 'f', 1, 64)})
	}
	s.render(w, r, http.StatusOK, "overview", "Overview", "overview", page)
	return nil
}

// categoryPage is a category's data.
type categoryPage struct {
	ActivityPlot *plot
	After        string
	Name         string
	Next         string
	Streams      []streamRow
}

func (s *Server) category(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	name, after := q.Get("name"), q.Get("after")
	if !validName(name) || (after != "" && !validName(after)) {
		return notFound("Bad category name in the address.")
	}
	limit, err := intParam(r, "limit", streamsPerPage, 1, maxStreamsPerPage)
	if err != nil {
		return err
	}
	streams, err := s.db.streams(ctx, name, after, int(limit)+1)
	if err != nil {
		return err
	}
	if len(streams) == 0 && after == "" {
		return notFound("There is no category %q (it has no events).", name)
	}
	page := categoryPage{After: after, Name: name, Streams: streams}
	if len(streams) > int(limit) {
		page.Streams = streams[:limit]
		page.Next = page.Streams[len(page.Streams)-1].Name
	}
	activity, complete, err := s.recentActivity(ctx)
	if err != nil {
		return err
	}
	var mine []activityRow
	for _, a := range activity {
		if a.Category == name {
			mine = append(mine, a)
		}
	}
	page.ActivityPlot = activityPlot(mine, activityMinutes, time.Now(), complete)
	page.ActivityPlot.Title = "Events per minute"
	s.render(w, r, http.StatusOK, "category", name, "", page)
	return nil
}

// streamPage is a stream's data.
type streamPage struct {
	Category string
	Events   []pgevents.Event
	From     int64
	Latest   int64
	Limit    int64
	Name     string
	Next     int64
	Prev     int64
	LastPage int64
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	category, name := q.Get("category"), q.Get("name")
	if !validName(category) || !validName(name) {
		return notFound("Bad category or stream name in the address.")
	}
	from, err := intParam(r, "from", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit", eventsPerPage, 1, maxEventsPerPage)
	if err != nil {
		return err
	}
	latest, err := s.db.streamPosition(ctx, category, name)
	if err != nil {
		return err
	}
	if latest == nil {
		return notFound("There is no stream %q in category %q (it has no events).", name, category)
	}
	events, err := s.db.store.ReadStream(ctx, &pgevents.ReadStreamParams{Category: category, Stream: name,
		FromPosition: from, Limit: int(limit)})
	if err != nil {
		return err
	}
	page := streamPage{Category: category, Events: events, From: from, Latest: *latest, Limit: limit, Name: name,
		Next: -1, Prev: -1, LastPage: max(0, *latest-limit+1)}
	if n := len(events); n > 0 && events[n-1].Position < *latest {
		page.Next = events[n-1].Position + 1
	}
	if from > 0 {
		page.Prev = max(0, min(from, *latest+1)-limit)
	}
	s.render(w, r, http.StatusOK, "stream", category+" / "+name, "", page)
	return nil
}

func (s *Server) event(w http.ResponseWriter, r *http.Request) error {
	raw := r.URL.Query().Get("id")
	id, err := uuid.Parse(raw)
	if err != nil || len(raw) != 36 {
		return notFound("%q is not an event id (a UUID such as 0190b2a4-7c1e-7d33-9a51-3f2b1c0d4e5f).", cut(raw, 100))
	}
	e, err := s.db.event(r.Context(), id)
	if err != nil {
		return err
	}
	if e == nil {
		return notFound("There is no event with id %s.", id)
	}
	s.render(w, r, http.StatusOK, "event", e.Name+" · "+e.Category+" / "+e.Stream, "", e)
	return nil
}

// tailPageData is the live tail page's data.
type tailPageData struct {
	Category string
	Stream   string
}

func (s *Server) tailPage(w http.ResponseWriter, r *http.Request) error {
	category := r.URL.Query().Get("category")
	if category != "" && !validName(category) {
		return notFound("Bad category name in the address.")
	}
	s.render(w, r, http.StatusOK, "tail", "Live tail", "tail", tailPageData{Category: category, Stream: "/api/tail" + tailURL(category)[len("/tail"):]})
	return nil
}

// projectionsPage is the projection search's data.
type projectionsPage struct {
	Error   *pgevents.InvalidInputError
	Example string
	Names   []string
	Next    string
	Query   string
	Results []projectionRow
	Shown   int
	Trimmed bool
}

func (s *Server) projections(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	query := r.URL.Query().Get("q")
	names, err := s.db.projectionNames(ctx, projectionNamesShown)
	if err != nil {
		return err
	}
	page := projectionsPage{Names: names, Query: query}
	example := "example"
	if len(names) > 0 {
		example = names[0]
	}
	ex, _ := json.MarshalIndent(map[string]any{"name": example, "filters": []any{},
		"page": map[string]any{"limit": projectionsPerPage}}, "", "  ")
	page.Example = string(ex)
	if query == "" {
		s.render(w, r, http.StatusOK, "projections", "Projections", "projections", page)
		return nil
	}
	status := http.StatusOK
	switch {
	case len(query) > maxQueryBytes:
		page.Error = &pgevents.InvalidInputError{Code: "PE110", Field: "query",
			Reason: fmt.Sprintf("is %d bytes; the browser accepts at most %d", len(query), maxQueryBytes)}
	case !json.Valid([]byte(query)):
		page.Error = &pgevents.InvalidInputError{Code: "PE110", Field: "query", Reason: "is not valid JSON"}
	}
	if page.Error != nil {
		s.render(w, r, http.StatusBadRequest, "projections", "Projections", "projections", page)
		return nil
	}
	sent, limit, ok := pageQuery([]byte(query))
	rows, err := s.db.searchProjections(ctx, sent)
	if ie, isInvalid := invalidInput(err); isInvalid {
		page.Error = ie
		status = http.StatusBadRequest
	} else if err != nil {
		return err
	}
	page.Results = rows
	if ok && len(rows) > limit {
		page.Results = rows[:limit]
		page.Next = nextQuery([]byte(query), page.Results[limit-1].ID, limit)
	}
	page.Shown = len(page.Results)
	s.render(w, r, status, "projections", "Projections", "projections", page)
	return nil
}

// pageQuery prepares a projection query for one page of the browser: the
// page's limit is the query's (default projectionsPerPage, at most
// maxProjectionsPage) and one more row is asked for, to know whether a next
// page exists. It returns the query to send, the page size and true; or the
// query unchanged and false when its page is not a plain object with an
// integer limit (then the server's own error, if any, is shown as is).
func pageQuery(query []byte) ([]byte, int, bool) {
	var q map[string]any
	d := json.NewDecoder(bytes.NewReader(query))
	d.UseNumber()
	if d.Decode(&q) != nil || q == nil {
		return query, 0, false
	}
	limit := int64(projectionsPerPage)
	pageValue, hasPage := q["page"]
	pg, isObject := pageValue.(map[string]any)
	switch {
	case !hasPage || pageValue == nil:
		pg = map[string]any{}
	case !isObject:
		return query, 0, false
	}
	if l, has := pg["limit"]; has && l != nil {
		n, isNumber := l.(json.Number)
		if !isNumber {
			return query, 0, false
		}
		v, err := n.Int64()
		if err != nil || v < 1 {
			return query, 0, false
		}
		limit = min(v, maxProjectionsPage)
	}
	pg["limit"] = limit + 1
	q["page"] = pg
	out, err := json.Marshal(q)
	if err != nil {
		return query, 0, false
	}
	return out, int(limit), true
}

// nextQuery returns the query of the next page: the same query, key-set
// paged after the last id shown.
func nextQuery(query []byte, lastID string, limit int) string {
	var q map[string]any
	d := json.NewDecoder(bytes.NewReader(query))
	d.UseNumber()
	if d.Decode(&q) != nil {
		return ""
	}
	q["page"] = map[string]any{"after": lastID, "limit": limit}
	out, err := json.MarshalIndent(q, "", "  ")
	if err != nil {
		return ""
	}
	return string(out)
}

func (s *Server) consumers(w http.ResponseWriter, r *http.Request) error {
	t, err := s.db.consumers(r.Context(), maxConsumerRows)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "consumers", "Consumers", "consumers", t)
	return nil
}
