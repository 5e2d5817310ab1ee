package consumer

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/pgevents/pgevents"
)

// InstrumentationName is the OpenTelemetry instrumentation scope of the
// consumers' tracer and meter.
const InstrumentationName = "github.com/pgevents/pgevents/consumer"

// Span and metric attribute keys.
const (
	attrAttempt    = attribute.Key("pgevents.consumer.attempt")
	attrErrorClass = attribute.Key("pgevents.error.class")
	attrEvents     = attribute.Key("pgevents.events")
	attrGroup      = attribute.Key("pgevents.consumer.group")
	attrMember     = attribute.Key("pgevents.consumer.member")
	attrOperation  = attribute.Key("pgevents.operation")
	attrOutcome    = attribute.Key("pgevents.outcome")
	attrReplays    = attribute.Key("pgevents.consumer.replays")
)

// Span names.
const (
	spanBatch  = "pgevents.consumer.batch"
	eventRetry = "pgevents.consumer.retry"
	eventPark  = "pgevents.consumer.park"
	eventSplit = "pgevents.consumer.split"
)

// Operations of the errors counter (pgevents.operation).
const (
	opCommit    = "commit_batch" // CommitBatch of handled events
	opHandler   = "handler"      // the handler returned an error or panicked
	opHeartbeat = "join_group"   // a heartbeat (JoinGroup)
	opPark      = "park"         // CommitBatch parking an event
	opRead      = "read_batch"   // ReadBatch
)

// Outcomes of a batch (pgevents.outcome).
const (
	outcomeOK         = "ok"          // every event handled
	outcomeParked     = "parked"      // handled, except parked events
	outcomeLeaseLost  = "lease_lost"  // dropped: the partition passed to another member
	outcomeStoreError = "store_error" // dropped after a store error; read again
	outcomeCanceled   = "canceled"    // Run's context ended mid-batch: rolled back
	outcomeError      = "error"       // Run stops (Stop policy, group dropped)
)

var outcomes = []string{outcomeOK, outcomeParked, outcomeLeaseLost, outcomeStoreError, outcomeCanceled, outcomeError}

// telemetry holds a Consumer's tracer, instruments and prebuilt attribute
// sets (its group is fixed, so measurements do not allocate them).
type telemetry struct {
	tracer trace.Tracer

	batches    metric.Int64Counter
	duration   metric.Float64Histogram
	errors     metric.Int64Counter
	events     metric.Int64Counter
	leaseLost  metric.Int64Counter
	parked     metric.Int64Counter
	partitions metric.Int64UpDownCounter
	retries    metric.Int64Counter

	group      attribute.KeyValue
	groupAdd   []metric.AddOption
	member     attribute.KeyValue
	outAdd     map[string][]metric.AddOption
	outRecord  map[string][]metric.RecordOption
	owned      atomic.Int64 // partitions owned, as last added to partitions
	spanConfig []trace.SpanStartOption
}

// newTelemetry creates the tracer and instruments from tp and mp (nil: the
// global providers, otel.GetTracerProvider and otel.GetMeterProvider).
func newTelemetry(tp trace.TracerProvider, mp metric.MeterProvider, group, member string) (*telemetry, error) {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(InstrumentationName)
	t := &telemetry{tracer: tp.Tracer(InstrumentationName), group: attrGroup.String(group), member: attrMember.String(member),
		outAdd: map[string][]metric.AddOption{}, outRecord: map[string][]metric.RecordOption{},
		spanConfig: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer)}}
	t.groupAdd = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(t.group))}
	for _, o := range outcomes {
		set := metric.WithAttributeSet(attribute.NewSet(t.group, attrOutcome.String(o)))
		t.outAdd[o], t.outRecord[o] = []metric.AddOption{set}, []metric.RecordOption{set}
	}
	var errs []error
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	t.batches = counter("pgevents.consumer.batches", "{batch}", "Batches read and handled, by group and outcome (ok, parked, lease_lost, store_error, canceled, error).")
	t.events = counter("pgevents.consumer.events", "{event}", "Events handled: committed by the handler with their checkpoint (replays included), by group.")
	t.errors = counter("pgevents.consumer.errors", "{error}", "Handler failures and store errors, by group, operation and SQLSTATE class (pgevents.error.class; \"handler\" for a handler error without SQLSTATE, \"client\" for a store error without one).")
	t.retries = counter("pgevents.consumer.retries", "{retry}", "Handler attempts after a failed attempt of the same event, by group.")
	t.parked = counter("pgevents.consumer.parked", "{event}", "Events parked after MaxAttempts failures (Park policy, or a failed replay), by group.")
	t.leaseLost = counter("pgevents.consumer.lease_lost", "{batch}", "Batches dropped because their partition passed to another member (ErrLeaseLost, ErrCheckpointConflict), by group.")
	var err error
	t.partitions, err = m.Int64UpDownCounter("pgevents.consumer.partitions", metric.WithUnit("{partition}"),
		metric.WithDescription("Partitions owned by the running members of this process, by group."))
	errs = append(errs, err)
	t.duration, err = m.Float64Histogram("pgevents.consumer.batch.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of handling a batch (handler, retries, parking and commits), by group and outcome."),
		metric.WithExplicitBucketBoundaries(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return t, nil
}

// batchKey is the context key of the *batchTrace in progress.
type batchKey struct{}

// batchTrace is one batch in progress: what happened to it so far.
type batchTrace struct {
	ctx       context.Context
	leaseLost bool
	parked    int
	span      trace.Span
	start     time.Time
	storeErr  error
	t         *telemetry
}

// startBatch begins the span of a batch of deliveries. The returned context
// carries the span (the handler's spans and the store's nest under it) and
// the batch's record, which the other hooks update.
func (t *telemetry) startBatch(ctx context.Context, deliveries []Delivery) (context.Context, *batchTrace) {
	ctx, span := t.tracer.Start(ctx, spanBatch, t.spanConfig...)
	if span.IsRecording() {
		replays := 0
		for _, d := range deliveries {
			if d.ParkedID != 0 {
				replays++
			}
		}
		span.SetAttributes(t.group, t.member, attrEvents.Int(len(deliveries)))
		if replays > 0 {
			span.SetAttributes(attrReplays.Int(replays))
		}
	}
	b := &batchTrace{span: span, t: t}
	if t.duration.Enabled(ctx) { // the clock costs when nobody measures
		b.start = time.Now()
	}
	b.ctx = context.WithValue(ctx, batchKey{}, b)
	return b.ctx, b
}

// end records the batch's outcome; err is what process returns (non-nil:
// Run stops).
func (b *batchTrace) end(err error) {
	t, ctx := b.t, b.ctx
	outcome := outcomeOK
	switch {
	case err != nil:
		outcome = outcomeError
	case ctx.Err() != nil:
		outcome = outcomeCanceled
	case b.leaseLost:
		outcome = outcomeLeaseLost
	case b.storeErr != nil:
		outcome, err = outcomeStoreError, b.storeErr
	case b.parked > 0:
		outcome = outcomeParked
	}
	// The measurements outlive a canceled Run context.
	mctx := context.WithoutCancel(ctx)
	if b.span.IsRecording() {
		b.span.SetAttributes(attrOutcome.String(outcome))
		if err != nil {
			b.span.RecordError(err)
			b.span.SetStatus(codes.Error, err.Error())
		}
	}
	t.batches.Add(mctx, 1, t.outAdd[outcome]...)
	if !b.start.IsZero() {
		t.duration.Record(mctx, time.Since(b.start).Seconds(), t.outRecord[outcome]...)
	}
	b.span.End()
}

// batchOf returns the batch in progress in ctx, nil when none.
func batchOf(ctx context.Context) *batchTrace {
	b, _ := ctx.Value(batchKey{}).(*batchTrace)
	return b
}

// handled records n events committed by the handler.
func (t *telemetry) handled(ctx context.Context, n int) {
	t.events.Add(ctx, int64(n), t.groupAdd...)
}

// handlerFailed records a failed attempt of the handler.
func (t *telemetry) handlerFailed(ctx context.Context, attempt int, err error) {
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		span.RecordError(err, trace.WithAttributes(attrAttempt.Int(attempt)))
	}
	t.countError(ctx, opHandler, "handler", err)
}

// split records that a failed batch is retried one event at a time.
func (t *telemetry) split(ctx context.Context, n int) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent(eventSplit, trace.WithAttributes(attrEvents.Int(n)))
	}
}

// retry records attempt (2, 3, ...) of an event whose previous one failed.
func (t *telemetry) retry(ctx context.Context, attempt int) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent(eventRetry, trace.WithAttributes(attrAttempt.Int(attempt)))
	}
	t.retries.Add(ctx, 1, t.groupAdd...)
}

// park records an event parked after attempts failures.
func (t *telemetry) park(ctx context.Context, attempts int) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent(eventPark, trace.WithAttributes(attrAttempt.Int(attempts)))
	}
	if b := batchOf(ctx); b != nil {
		b.parked++
	}
	t.parked.Add(ctx, 1, t.groupAdd...)
}

// dropped records the store error that made the member drop its batch
// (op: opCommit or opPark). A lost lease or checkpoint conflict counts in
// lease_lost, not as an error; nothing counts once ctx has ended.
func (t *telemetry) dropped(ctx context.Context, op string, err error) {
	if ctx.Err() != nil {
		return
	}
	b := batchOf(ctx)
	if errors.Is(err, ErrLeaseLost) || errors.Is(err, ErrCheckpointConflict) {
		if b != nil {
			b.leaseLost = true
		}
		t.leaseLost.Add(ctx, 1, t.groupAdd...)
		return
	}
	if b != nil {
		b.storeErr = err
	}
	t.countError(ctx, op, "client", err)
}

// storeError records a failed ReadBatch or heartbeat (op: opRead or
// opHeartbeat), retried by the member.
func (t *telemetry) storeError(ctx context.Context, op string, err error) {
	t.countError(ctx, op, "client", err)
}

// countError adds err to the errors counter, classed by its SQLSTATE class
// (noCode when it has none).
func (t *telemetry) countError(ctx context.Context, op, noCode string, err error) {
	class := noCode
	if code := sqlState(err); len(code) >= 2 {
		class = code[:2]
	}
	t.errors.Add(ctx, 1, metric.WithAttributes(t.group, attrOperation.String(op), attrErrorClass.String(class)))
}

// own records that the member owns n partitions now (0 once it left).
func (t *telemetry) own(ctx context.Context, n int) {
	if d := int64(n) - t.owned.Swap(int64(n)); d != 0 {
		t.partitions.Add(context.WithoutCancel(ctx), d, t.groupAdd...)
	}
}

// sqlState returns the SQLSTATE behind err: that of a typed pgevents or
// consumer error, else of a *pgconn.PgError in its chain; "" when none.
func sqlState(err error) string {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	var cond *pgevents.ConditionError
	if errors.As(err, &cond) {
		return cond.Code
	}
	var ie *pgevents.InvalidInputError
	if errors.As(err, &ie) {
		return ie.Code
	}
	var re *pgevents.RetryableError
	if errors.As(err, &re) && re.Code != "" {
		return re.Code
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}
