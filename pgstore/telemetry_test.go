package pgstore

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/pgevents/pgevents"
)

// telemetryBundle is a Store whose telemetry goes to an in-memory SDK.
type telemetryBundle struct {
	*testBundle
	reader *sdkmetric.ManualReader
	spans  *tracetest.InMemoryExporter
}

func setupTelemetry(t *testing.T, cfg Config) *telemetryBundle {
	t.Helper()
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	cfg.TracerProvider, cfg.MeterProvider = tp, mp
	b := setupStore(t, newPool(t, pgx.QueryExecModeCacheStatement, 4), &cfg)
	return &telemetryBundle{testBundle: b, reader: reader, spans: spans}
}

// sums returns every counter's data points as "name{k=v,...}" -> value.
func (b *telemetryBundle) sums(t *testing.T) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, b.reader.Collect(context.Background(), &rm))
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		require.Equal(t, InstrumentationName, sm.Scope.Name)
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[m.Name+attrString(p.Attributes)] += p.Value
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					out[m.Name+attrString(p.Attributes)] = p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[m.Name+attrString(p.Attributes)] += int64(p.Count)
				}
			}
		}
	}
	return out
}

func attrString(set attribute.Set) string {
	if set.Len() == 0 {
		return ""
	}
	var parts []string
	for _, kv := range set.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.String())
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func spanAttrs(s sdktrace.ReadOnlySpan) map[string]string {
	out := map[string]string{}
	for _, kv := range s.Attributes() {
		out[string(kv.Key)] = kv.Value.String()
	}
	return out
}

func TestTelemetry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupTelemetry(t, Config{})

	appendTo(t, b.store, "order", "o-1", ev("Placed", `{}`), ev("Paid", `{}`))
	_, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "order", Stream: "o-1",
		Condition: pgevents.StreamIsEmpty(), Events: []pgevents.NewEvent{ev("Again", `{}`)}})
	require.ErrorIs(t, err, pgevents.ErrStreamNotEmpty)
	_, err = b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "order", Stream: "o-1",
		Events: []pgevents.NewEvent{{Name: "bad\x01name", Payload: json.RawMessage(`{}`)}}})
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)
	_, err = b.store.AppendStreams(ctx, &pgevents.AppendStreamsParams{Category: "order", Scope: pgevents.ScopeCategory,
		Streams: map[string]pgevents.StreamAppend{"o-2": {Events: []pgevents.NewEvent{ev("Placed", `{}`)}}}})
	require.NoError(t, err)
	evs, err := b.store.ReadStream(ctx, &pgevents.ReadStreamParams{Category: "order", Stream: "o-1"})
	require.NoError(t, err)
	require.Len(t, evs, 2)
	_, err = b.store.ReadEvents(ctx, &pgevents.ReadEventsParams{Category: "order", Limit: 10})
	require.NoError(t, err)
	_, err = b.store.LatestEvent(ctx, &pgevents.LatestEventParams{Source: pgevents.StreamID("order", "none")})
	require.ErrorIs(t, err, pgevents.ErrNotFound)
	_, err = b.store.FenceLag(ctx)
	require.NoError(t, err)
	_, err = b.store.LogStats(ctx, nil)
	require.NoError(t, err)

	spans := b.spans.GetSpans().Snapshots()
	var names []string
	for _, s := range spans {
		names = append(names, s.Name())
	}
	require.Equal(t, []string{"pgevents.append", "pgevents.append", "pgevents.append", "pgevents.append_streams",
		"pgevents.read_stream", "pgevents.read_events", "pgevents.latest_event", "pgevents.fence_lag", "pgevents.log_stats"}, names)

	ok := spanAttrs(spans[0])
	require.Equal(t, "order", ok["pgevents.category"])
	require.Equal(t, "o-1", ok["pgevents.stream"])
	require.Equal(t, "stream", ok["pgevents.scope"])
	require.Equal(t, "2", ok["pgevents.events"])
	require.Equal(t, "postgresql", ok["db.system.name"])
	require.Equal(t, codes.Unset, spans[0].Status().Code)

	failed := spans[1]
	require.Equal(t, codes.Error, failed.Status().Code)
	require.Equal(t, pgevents.CodeStreamNotEmpty, spanAttrs(failed)["db.response.status_code"])
	require.NotEmpty(t, failed.Events()) // the recorded error
	require.Equal(t, pgevents.CodeInvalidName, spanAttrs(spans[2])["db.response.status_code"])
	require.Equal(t, "category", spanAttrs(spans[3])["pgevents.scope"])
	require.Equal(t, "1", spanAttrs(spans[3])["pgevents.streams"])
	require.Equal(t, "0:0", spanAttrs(spans[5])["pgevents.after"])
	require.Equal(t, codes.Unset, spans[6].Status().Code, "not found is not an error")

	m := b.sums(t)
	require.Equal(t, int64(1), m["pgevents.appends{pgevents.operation=pgevents.append,pgevents.outcome=ok}"])
	require.Equal(t, int64(2), m["pgevents.appends{pgevents.operation=pgevents.append,pgevents.outcome=error}"])
	require.Equal(t, int64(1), m["pgevents.appends{pgevents.operation=pgevents.append_streams,pgevents.outcome=ok}"])
	require.Equal(t, int64(2), m["pgevents.events.appended{pgevents.operation=pgevents.append}"])
	require.Equal(t, int64(1), m["pgevents.events.appended{pgevents.operation=pgevents.append_streams}"])
	require.Equal(t, int64(2), m["pgevents.errors{pgevents.error.class=PE,pgevents.operation=pgevents.append}"])
	require.Equal(t, int64(1), m["pgevents.condition.failures{pgevents.condition.code=PE002,pgevents.operation=pgevents.append}"])
	require.Equal(t, int64(1), m["pgevents.read.pages{pgevents.operation=pgevents.read_stream}"])
	require.Equal(t, int64(1), m["pgevents.read.pages{pgevents.operation=pgevents.read_events}"])
	require.Equal(t, int64(2), m["pgevents.events.read{pgevents.operation=pgevents.read_stream}"])
	require.Equal(t, int64(3), m["pgevents.operation.duration{pgevents.operation=pgevents.append,pgevents.outcome=error}"]+
		m["pgevents.operation.duration{pgevents.operation=pgevents.append,pgevents.outcome=ok}"])
	require.Equal(t, int64(1), m["pgevents.operation.duration{pgevents.operation=pgevents.latest_event,pgevents.outcome=ok}"])
	require.Contains(t, m, "pgevents.fence.held_back")
}

func TestTelemetry_Retry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupTelemetry(t, Config{})
	// A retry (the OwnedRetry scenario): the same id appended to another
	// stream while a transaction holding it is open.
	id := uuid.New()
	tx, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = b.store.AppendEventsTx(ctx, tx, &pgevents.AppendParams{Category: "c", Stream: "one",
		Events: []pgevents.NewEvent{{ID: id, Name: "a", Payload: []byte(`1`)}}})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "two",
			Events: []pgevents.NewEvent{{ID: id, Name: "a", Payload: []byte(`1`)}}})
		done <- err
	}()
	waitForLockWait(t, b.testBundle)
	require.NoError(t, tx.Commit(ctx))
	require.ErrorIs(t, <-done, pgevents.ErrEventIDConflict)

	m := b.sums(t)
	require.Equal(t, int64(1), m["pgevents.retries{db.response.status_code=23505}"], m)
	require.Equal(t, int64(1), m["pgevents.errors{pgevents.error.class=PE,pgevents.operation=pgevents.append}"], m)
	var retried sdktrace.ReadOnlySpan
	for _, s := range b.spans.GetSpans().Snapshots() {
		if s.Name() == "pgevents.append" && spanAttrs(s)["pgevents.stream"] == "two" {
			retried = s
		}
	}
	require.NotNil(t, retried)
	var events []string
	for _, e := range retried.Events() {
		events = append(events, e.Name)
	}
	require.Contains(t, events, "pgevents.retry")
}

// TestTelemetry_NoSDKInLibrary checks that the library packages depend on
// the OpenTelemetry API only: applications choose the SDK and exporters.
func TestTelemetry_NoSDKInLibrary(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "github.com/pgevents/pgevents/...").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		require.False(t, strings.HasPrefix(pkg, "go.opentelemetry.io/otel/sdk") ||
			strings.HasPrefix(pkg, "go.opentelemetry.io/otel/exporters"), "a pgevents package imports %s", pkg)
	}
}
