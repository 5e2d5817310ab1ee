package pgstore

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/pgtest"
)

// telemetrySDK is an OpenTelemetry SDK that records everything (every span
// sampled, batched into an in-memory exporter; every metric aggregated by a
// manual reader): the most telemetry can cost a Store.
type telemetrySDK struct {
	exporter *tracetest.InMemoryExporter
	tp       *sdktrace.TracerProvider
	mp       *sdkmetric.MeterProvider
}

func newTelemetrySDK(b *testing.B) *telemetrySDK {
	b.Helper()
	exp := tracetest.NewInMemoryExporter()
	s := &telemetrySDK{
		exporter: exp,
		tp:       sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithSampler(sdktrace.AlwaysSample())),
		mp:       sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
	}
	b.Cleanup(func() {
		_ = s.tp.Shutdown(context.Background())
		_ = s.mp.Shutdown(context.Background())
	})
	return s
}

// sideBySide runs noop and sdk alternately, b.N times each, and reports
// each one's time per call and their ratio (sdk/noop): interleaving makes
// the ratio robust to a machine whose speed drifts during the run.
func sideBySide(b *testing.B, sdk *telemetrySDK, noop, withSDK func(i int)) {
	b.Helper()
	var tNoop, tSDK time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		noop(i)
		mid := time.Now()
		withSDK(i)
		tSDK += time.Since(mid)
		tNoop += mid.Sub(start)
		if i%10000 == 9999 {
			sdk.exporter.Reset() // keep the in-memory exporter's memory bounded
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(tNoop.Nanoseconds())/float64(b.N), "noop-ns/op")
	b.ReportMetric(float64(tSDK.Nanoseconds())/float64(b.N), "sdk-ns/op")
	b.ReportMetric(float64(tSDK)/float64(tNoop), "sdk/noop")
}

// BenchmarkTelemetry measures what telemetry costs a Store call: the same
// calls with the no-op providers (the default when the application installs
// no SDK) and with a recording SDK. "instrumentation/noop" and
// "instrumentation/sdk" are the per-call instrumentation alone (no
// database); "append-1" and "read-stream-10" are whole calls against the
// test cluster (unix socket, fsync off), no-op and SDK alternately, with
// their ratio (sdk/noop).
func BenchmarkTelemetry(b *testing.B) {
	ctx := context.Background()
	sdk := newTelemetrySDK(b)
	noopTel, err := newTelemetry(tracenoop.NewTracerProvider(), metricnoop.NewMeterProvider())
	if err != nil {
		b.Fatal(err)
	}
	sdkTel, err := newTelemetry(sdk.tp, sdk.mp)
	if err != nil {
		b.Fatal(err)
	}
	params := &pgevents.AppendParams{Category: "order", Stream: "o-1", Scope: pgevents.ScopeStream}

	// The instrumentation alone is timed by the benchmark loop (the
	// side-by-side clock reads would cost more than what they measure).
	for _, tc := range []struct {
		name string
		tel  *telemetry
	}{{"instrumentation/noop", noopTel}, {"instrumentation/sdk", sdkTel}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				_, c := tc.tel.start(ctx, opAppendEvents, appendAttrs(params))
				c.end(nil, 1)
				if i++; i%10000 == 0 {
					sdk.exporter.Reset()
				}
			}
		})
	}

	pool := pgtest.NewPool(b)
	noopStore, err := New(pool, &Config{TracerProvider: tracenoop.NewTracerProvider(), MeterProvider: metricnoop.NewMeterProvider()})
	if err != nil {
		b.Fatal(err)
	}
	sdkStore, err := New(pool, &Config{TracerProvider: sdk.tp, MeterProvider: sdk.mp})
	if err != nil {
		b.Fatal(err)
	}
	payload := json.RawMessage(`{"amount": 100, "currency": "EUR"}`)
	appendOne := func(s *Store, stream string) func(int) {
		return func(int) {
			if _, err := s.AppendEvents(ctx, &pgevents.AppendParams{Category: "bench", Stream: stream,
				Events: []pgevents.NewEvent{{Name: "Deposited", Payload: payload}}}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("append-1", func(b *testing.B) {
		sideBySide(b, sdk, appendOne(noopStore, "noop"), appendOne(sdkStore, "sdk"))
	})
	readStream := func(s *Store) func(int) {
		return func(int) {
			if _, err := s.ReadStream(ctx, &pgevents.ReadStreamParams{Category: "bench", Stream: "noop", Limit: 10}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("read-stream-10", func(b *testing.B) {
		sideBySide(b, sdk, readStream(noopStore), readStream(sdkStore))
	})
}
