package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/pgjson"
	"github.com/pgevents/pgevents/projection"
)

// deepJSON nests an array depth levels deep: beyond encoding/json's limit
// of 10,000 it cannot be decoded (nor, before issue 8, read at all).
func deepJSON(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

// Issue 8, item 4: an event encoding/json cannot decode (nested beyond its
// 10,000 levels) was stored, then every read of a page holding it failed
// with "exceeded max depth" (pgx scanned jsonb into json.RawMessage with
// json.Unmarshal), so Category.Scan and Log.Scan never got past it. Reads
// now return the raw bytes; decoding is the caller's, per event. The event
// is inserted as the table owner, as pre-limit data would have been (the
// write path now caps nesting).
func TestStore_ReadsPastAnEventEncodingJSONCannotDecode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	deep := deepJSON(10_001)
	var tooDeep any
	require.ErrorContains(t, json.Unmarshal([]byte(deep), &tooDeep), "exceeded max depth", "the fixture is beyond encoding/json")
	forEachMode(t, func(t *testing.T, setup func(t *testing.T) *testBundle) {
		t.Run("EventReads", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			before := appendTo(t, b.store, "deep", "s", ev("Before", `1`))
			_, err := b.pool.Exec(ctx, `INSERT INTO pgevents.events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
				VALUES ($1, 'deep', 's', 1, 'Deep', $2::text::jsonb, $2::text::jsonb, now(), now())`, uuid.New(), deep)
			require.NoError(t, err)
			after := appendTo(t, b.store, "deep", "s", ev("After", `2`))

			client := pgevents.NewClient(b.store)
			requireNames := func(seq func(yield func(pgevents.Event, error) bool)) {
				t.Helper()
				var names []string
				for e, err := range seq {
					require.NoError(t, err)
					names = append(names, e.Name)
					if e.Name == "Deep" {
						require.Equal(t, deep, string(e.Payload), "the stored bytes, not decoded")
						require.Equal(t, deep, string(e.Metadata))
					}
				}
				require.Equal(t, []string{"Before", "Deep", "After"}, names)
			}
			pollUntil(t, func() bool {
				got, err := b.store.ReadEvents(ctx, &pgevents.ReadEventsParams{Category: "deep", After: before[0].Cursor()})
				require.NoError(t, err)
				return len(got) == 2
			})
			for _, pageSize := range []int{1, 2, 10} {
				requireNames(client.Category("deep").Scan(ctx, &pgevents.ScanOpts{PageSize: pageSize}))
				requireNames(client.Log().Scan(ctx, &pgevents.ScanOpts{PageSize: pageSize}))
				requireNames(client.Stream("deep", "s").Events(ctx, &pgevents.ReadOpts{PageSize: pageSize}))
			}
			page, err := b.store.ReadEvents(ctx, &pgevents.ReadEventsParams{After: before[0].Cursor(), Limit: 1})
			require.NoError(t, err)
			require.Equal(t, "Deep", page[0].Name)
			latest, err := b.store.LatestEvent(ctx, &pgevents.LatestEventParams{Source: pgevents.StreamID("deep", "s")})
			require.NoError(t, err)
			require.Equal(t, after[0].ID, latest.ID)
			latest, err = b.store.LatestEvent(ctx, &pgevents.LatestEventParams{Source: pgevents.StreamID("deep", "s")})
			require.NoError(t, err)
			require.Equal(t, "After", latest.Name)

			// The typed layer decodes per event: one *typed.DecodeError for
			// that event (see typed), never a failed page. Here: json.Unmarshal
			// of that one payload fails, the others decode.
			events, err := client.Stream("deep", "s").Read(ctx, nil)
			require.NoError(t, err)
			var v any
			require.NoError(t, json.Unmarshal(events[0].Payload, &v))
			require.Error(t, json.Unmarshal(events[1].Payload, &v))
			require.NoError(t, json.Unmarshal(events[2].Payload, &v))
		})

		t.Run("ProjectionReads", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			ps := NewProjectionStore(b.pool)
			_, err := ps.SaveProjection(ctx, &projection.Stored{Name: "deep", ID: "a", Source: pgevents.LogID(), State: []byte(`{"n":1}`)})
			require.NoError(t, err)
			_, err = b.pool.Exec(ctx, `INSERT INTO pgevents.projections (name, id, source, state, metadata, created_at, updated_at)
				VALUES ('deep', 'b', '{"type":"log"}', $1::text::jsonb, $1::text::jsonb, now(), now())`, deep)
			require.NoError(t, err)
			_, err = ps.SaveProjection(ctx, &projection.Stored{Name: "deep", ID: "c", Source: pgevents.LogID(), State: []byte(`{"n":3}`)})
			require.NoError(t, err)

			loaded, err := ps.LoadProjection(ctx, "deep", "b")
			require.NoError(t, err)
			require.Equal(t, deep, string(loaded.State))
			require.Equal(t, deep, string(loaded.Metadata))
			found, err := ps.SearchProjections(ctx, json.RawMessage(`{"name":"deep"}`))
			require.NoError(t, err)
			require.Len(t, found, 3, "the page holds every projection, the deep one raw")
			require.Equal(t, deep, string(found[1].State))
		})
	})
}

// pollUntil waits for cond: resumable reads see committed events once the
// cluster-wide fence passes them.
func pollUntil(t *testing.T, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 10*time.Second, 5*time.Millisecond)
}

// Issue 8, item 15: internal/pgjson refuses exactly what PostgreSQL's jsonb
// input refuses: every verdict of its corpus, asked of the server.
func TestPGJSONCorpusAgreesWithPostgreSQL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, execModes[0], 2)
	for _, c := range pgjson.Corpus {
		var ok bool
		err := pool.QueryRow(ctx, `SELECT $1::text::jsonb IS NOT NULL`, c.In).Scan(&ok)
		var pgErr *pgconn.PgError
		if err != nil && !errors.As(err, &pgErr) {
			t.Fatalf("%.60q: %v", c.In, err)
		}
		require.Equal(t, c.OK, err == nil, "%.60q: PostgreSQL says %v", c.In, err)
		require.Equal(t, c.OK, pgjson.Validate([]byte(c.In)) == nil, "%.60q", c.In)
	}
}
