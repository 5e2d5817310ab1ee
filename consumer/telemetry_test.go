package consumer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/pgstore"
)

// otelSDK is an in-memory OpenTelemetry SDK: spans and metrics recorded
// for inspection.
type otelSDK struct {
	mp     *sdkmetric.MeterProvider
	reader *sdkmetric.ManualReader
	spans  *tracetest.InMemoryExporter
	tp     *sdktrace.TracerProvider
}

func newOtelSDK(t *testing.T) *otelSDK {
	t.Helper()
	spans := tracetest.NewInMemoryExporter()
	reader := sdkmetric.NewManualReader()
	s := &otelSDK{spans: spans, reader: reader, tp: sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans)),
		mp: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))}
	t.Cleanup(func() {
		_ = s.tp.Shutdown(context.Background())
		_ = s.mp.Shutdown(context.Background())
	})
	return s
}

// config returns cfg with the SDK's providers.
func (s *otelSDK) config(cfg consumer.Config) *consumer.Config {
	cfg.TracerProvider, cfg.MeterProvider = s.tp, s.mp
	return &cfg
}

// metrics returns the consumer scope's data points as "name{k=v,...}" ->
// value (histograms: their count).
func (s *otelSDK) metrics(t *testing.T) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, s.reader.Collect(context.Background(), &rm))
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != consumer.InstrumentationName {
			continue
		}
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[m.Name+attrString(p.Attributes)] += p.Value
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

// batchSpans returns the ended pgevents.consumer.batch spans.
func (s *otelSDK) batchSpans() []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, sp := range s.spans.GetSpans().Snapshots() {
		if sp.Name() == "pgevents.consumer.batch" {
			out = append(out, sp)
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

func spanEvents(s sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, e := range s.Events() {
		out = append(out, e.Name)
	}
	return out
}

func TestTelemetry_SuccessfulBatch(t *testing.T) {
	t.Parallel()
	sdk := newOtelSDK(t)
	events := memstore.New(nil)
	appendN(t, events, "order", "o1", 2)
	appendN(t, events, "order", "o2", 1)
	rec := &recorder{}
	var handlerSpans atomic.Int64
	tracer := sdk.tp.Tracer("app")
	c, err := consumer.New(memstore.NewConsumerStore(events), sdk.config(consumer.Config{Group: "g", Member: "m1",
		Source: pgevents.CategoryID("order"), Partitions: 2, PollInterval: time.Millisecond,
		Handler: func(ctx context.Context, b *consumer.Batch) error {
			_, span := tracer.Start(ctx, "app.handle")
			defer span.End()
			handlerSpans.Add(1)
			return rec.handle(ctx, b)
		}}))
	require.NoError(t, err)
	stop, _ := run(t, c)
	eventually(t, "every event handled and committed, both partitions owned", func() bool {
		m := sdk.metrics(t)
		return m["pgevents.consumer.events{pgevents.consumer.group=g}"] == 3 &&
			m["pgevents.consumer.partitions{pgevents.consumer.group=g}"] == 2
	})
	require.Equal(t, 3, rec.count())
	require.NoError(t, stop())

	m := sdk.metrics(t)
	require.Equal(t, int64(0), m["pgevents.consumer.partitions{pgevents.consumer.group=g}"], "released on the way out")
	require.Equal(t, int64(3), m["pgevents.consumer.events{pgevents.consumer.group=g}"], m)
	spans := sdk.batchSpans()
	require.NotEmpty(t, spans)
	require.Equal(t, int64(len(spans)), m["pgevents.consumer.batches{pgevents.consumer.group=g,pgevents.outcome=ok}"], m)
	require.Equal(t, int64(len(spans)), m["pgevents.consumer.batch.duration{pgevents.consumer.group=g,pgevents.outcome=ok}"], m)
	for name := range m {
		require.NotContains(t, name, "o1", "no stream names in metrics")
		require.NotContains(t, name, "m1", "no member names in metrics")
	}
	total := 0
	batchIDs := map[string]bool{}
	for _, s := range spans {
		a := spanAttrs(s)
		require.Equal(t, "g", a["pgevents.consumer.group"])
		require.Equal(t, "m1", a["pgevents.consumer.member"])
		require.Equal(t, "ok", a["pgevents.outcome"])
		require.Equal(t, codes.Unset, s.Status().Code)
		n := 0
		_, err := fmt.Sscan(a["pgevents.events"], &n)
		require.NoError(t, err)
		total += n
		batchIDs[s.SpanContext().SpanID().String()] = true
	}
	require.Equal(t, 3, total)
	var children int64
	for _, s := range sdk.spans.GetSpans().Snapshots() {
		if s.Name() == "app.handle" {
			require.True(t, batchIDs[s.Parent().SpanID().String()], "the handler's span is a child of the batch span")
			children++
		}
	}
	require.Equal(t, handlerSpans.Load(), children)
}

func TestTelemetry_FailingEventIsParked(t *testing.T) {
	t.Parallel()
	sdk := newOtelSDK(t)
	events := memstore.New(nil)
	store := memstore.NewConsumerStore(events)
	appendN(t, events, "order", "o1", 1)
	_, err := events.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "order", Stream: "o1",
		Events: []pgevents.NewEvent{{Name: "Bad", Payload: json.RawMessage(`{"poison": true}`)}}})
	require.NoError(t, err)
	appendN(t, events, "order", "o1", 1)
	rec := &recorder{}
	rec.poisoned.Store(true)
	c, err := consumer.New(store, sdk.config(consumer.Config{Group: "g", Source: pgevents.CategoryID("order"),
		OnError: consumer.Park, MaxAttempts: 3, RetryBackoff: time.Millisecond, PollInterval: time.Millisecond, Handler: rec.handle}))
	require.NoError(t, err)
	stop, _ := run(t, c)
	eventually(t, "the other events handled", func() bool { return rec.count() == 2 })
	eventually(t, "the batch span ended", func() bool { return len(sdk.batchSpans()) == 1 })
	require.NoError(t, stop())

	span := sdk.batchSpans()[0]
	a := spanAttrs(span)
	require.Equal(t, "parked", a["pgevents.outcome"])
	require.Equal(t, "3", a["pgevents.events"])
	require.Equal(t, codes.Unset, span.Status().Code, "parking is not a failure of the batch")
	// The batch failed once, was split, and the poison event failed 3 times
	// alone (2 retries) before it was parked.
	require.Equal(t, []string{"exception", "pgevents.consumer.split", "exception", "pgevents.consumer.retry", "exception",
		"pgevents.consumer.retry", "exception", "pgevents.consumer.park"}, spanEvents(span))

	m := sdk.metrics(t)
	require.Equal(t, int64(1), m["pgevents.consumer.batches{pgevents.consumer.group=g,pgevents.outcome=parked}"], m)
	require.Equal(t, int64(2), m["pgevents.consumer.events{pgevents.consumer.group=g}"], m)
	require.Equal(t, int64(4), m["pgevents.consumer.errors{pgevents.consumer.group=g,pgevents.error.class=handler,pgevents.operation=handler}"], m)
	require.Equal(t, int64(2), m["pgevents.consumer.retries{pgevents.consumer.group=g}"], m)
	require.Equal(t, int64(1), m["pgevents.consumer.parked{pgevents.consumer.group=g}"], m)
	require.Zero(t, m["pgevents.consumer.lease_lost{pgevents.consumer.group=g}"])
}

func TestTelemetry_StopPolicy(t *testing.T) {
	t.Parallel()
	sdk := newOtelSDK(t)
	events := memstore.New(nil)
	appendN(t, events, "order", "o1", 1)
	// A handler whose database write fails: the error class is its SQLSTATE's.
	failure := fmt.Errorf("insert: %w", &pgconn.PgError{Code: "23505", Message: "duplicate key"})
	c, err := consumer.New(memstore.NewConsumerStore(events), sdk.config(consumer.Config{Group: "g", Source: pgevents.CategoryID("order"),
		MaxAttempts: 2, RetryBackoff: time.Millisecond, PollInterval: time.Millisecond,
		Handler: func(context.Context, *consumer.Batch) error { return failure }}))
	require.NoError(t, err)
	var he *consumer.HandlerError
	require.ErrorAs(t, c.Run(t.Context()), &he)

	spans := sdk.batchSpans()
	require.Len(t, spans, 1)
	require.Equal(t, "error", spanAttrs(spans[0])["pgevents.outcome"])
	require.Equal(t, codes.Error, spans[0].Status().Code)
	require.Contains(t, spans[0].Status().Description, "handler failed 2 times")
	require.Equal(t, []string{"exception", "pgevents.consumer.retry", "exception", "exception"}, spanEvents(spans[0]),
		"two failed attempts, then the HandlerError")

	m := sdk.metrics(t)
	require.Equal(t, int64(1), m["pgevents.consumer.batches{pgevents.consumer.group=g,pgevents.outcome=error}"], m)
	require.Equal(t, int64(2), m["pgevents.consumer.errors{pgevents.consumer.group=g,pgevents.error.class=23,pgevents.operation=handler}"], m)
	require.Equal(t, int64(1), m["pgevents.consumer.retries{pgevents.consumer.group=g}"], m)
	require.Zero(t, m["pgevents.consumer.events{pgevents.consumer.group=g}"])
	require.Zero(t, m["pgevents.consumer.parked{pgevents.consumer.group=g}"])
	require.Equal(t, int64(0), m["pgevents.consumer.partitions{pgevents.consumer.group=g}"], "released when Run returned")
	require.Contains(t, m, "pgevents.consumer.partitions{pgevents.consumer.group=g}")
}

// failingCommits is a consumer.Store whose first CommitBatch calls fail with
// the given errors, without running the handler.
type failingCommits struct {
	consumer.Store
	calls atomic.Int64
	errs  []error
}

func (s *failingCommits) CommitBatch(ctx context.Context, p *consumer.CommitBatchParams) error {
	if n := s.calls.Add(1); int(n) <= len(s.errs) {
		return s.errs[n-1]
	}
	return s.Store.CommitBatch(ctx, p)
}

func TestTelemetry_DroppedBatches(t *testing.T) {
	t.Parallel()
	sdk := newOtelSDK(t)
	events := memstore.New(nil)
	appendN(t, events, "order", "o1", 2)
	store := &failingCommits{Store: memstore.NewConsumerStore(events), errs: []error{
		&consumer.Error{Code: consumer.CodeLeaseLost, Group: "g", Partition: 0, Bucket: -1},
		errors.New("connection lost"),
	}}
	rec := &recorder{}
	c, err := consumer.New(store, sdk.config(consumer.Config{Group: "g", Source: pgevents.CategoryID("order"),
		RetryBackoff: time.Millisecond, PollInterval: time.Millisecond, Handler: rec.handle}))
	require.NoError(t, err)
	stop, _ := run(t, c)
	eventually(t, "the events handled", func() bool { return rec.count() == 2 })
	eventually(t, "three batch spans", func() bool { return len(sdk.batchSpans()) == 3 })
	require.NoError(t, stop())

	var outcomes []string
	for _, s := range sdk.batchSpans() {
		outcomes = append(outcomes, spanAttrs(s)["pgevents.outcome"])
	}
	require.Equal(t, []string{"lease_lost", "store_error", "ok"}, outcomes)
	require.Equal(t, codes.Error, sdk.batchSpans()[1].Status().Code)
	require.Equal(t, codes.Unset, sdk.batchSpans()[0].Status().Code, "a lost lease is normal rebalancing")

	m := sdk.metrics(t)
	require.Equal(t, int64(1), m["pgevents.consumer.lease_lost{pgevents.consumer.group=g}"], m)
	require.Equal(t, int64(1), m["pgevents.consumer.errors{pgevents.consumer.group=g,pgevents.error.class=client,pgevents.operation=commit_batch}"], m)
	require.Equal(t, int64(1), m["pgevents.consumer.batches{pgevents.consumer.group=g,pgevents.outcome=lease_lost}"], m)
	require.Equal(t, int64(1), m["pgevents.consumer.batches{pgevents.consumer.group=g,pgevents.outcome=store_error}"], m)
	require.Equal(t, int64(1), m["pgevents.consumer.batches{pgevents.consumer.group=g,pgevents.outcome=ok}"], m)
	require.Equal(t, int64(2), m["pgevents.consumer.events{pgevents.consumer.group=g}"], m)
}

func TestTelemetry_Pgstore(t *testing.T) {
	t.Parallel()
	sdk := newOtelSDK(t)
	b := setup(t, &pgstore.Config{TracerProvider: sdk.tp, MeterProvider: sdk.mp})
	appendN(t, b.store, "order", "o1", 2)
	var handled atomic.Int64
	c, err := consumer.New(b.consumers, sdk.config(consumer.Config{Group: "g", Source: pgevents.CategoryID("order"),
		PollInterval: 10 * time.Millisecond, Handler: func(ctx context.Context, batch *consumer.Batch) error {
			for _, e := range batch.Events {
				_, err := batch.Store.AppendEvents(ctx, &pgevents.AppendParams{Category: "effects", Stream: e.Stream,
					Events: []pgevents.NewEvent{{Name: "Handled", Payload: json.RawMessage(`{}`)}}})
				if err != nil {
					return err
				}
			}
			handled.Add(int64(len(batch.Events)))
			return nil
		}}))
	require.NoError(t, err)
	stop, _ := run(t, c)
	eventually(t, "the events handled and committed", func() bool {
		return sdk.metrics(t)["pgevents.consumer.events{pgevents.consumer.group=g}"] == 2
	})
	require.NoError(t, stop())
	require.Equal(t, int64(2), handled.Load())

	batchIDs := map[string]bool{}
	for _, s := range sdk.batchSpans() {
		require.Equal(t, "ok", spanAttrs(s)["pgevents.outcome"])
		batchIDs[s.SpanContext().SpanID().String()] = true
	}
	var appends int
	for _, s := range sdk.spans.GetSpans().Snapshots() {
		if s.Name() == "pgevents.append" && spanAttrs(s)["pgevents.category"] == "effects" {
			require.True(t, batchIDs[s.Parent().SpanID().String()], "the handler's appends nest under the batch span")
			appends++
		}
	}
	require.Equal(t, 2, appends)
	m := sdk.metrics(t)
	require.Equal(t, int64(2), m["pgevents.consumer.events{pgevents.consumer.group=g}"], m)
	require.Equal(t, int64(0), m["pgevents.consumer.partitions{pgevents.consumer.group=g}"], m)
	require.True(t, slices.ContainsFunc(sdk.batchSpans(), func(s sdktrace.ReadOnlySpan) bool {
		return spanAttrs(s)["pgevents.consumer.member"] == c.Member()
	}))
}
