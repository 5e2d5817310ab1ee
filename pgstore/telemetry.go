package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/pgevents/pgevents"
)

// InstrumentationName is the OpenTelemetry instrumentation scope of pgstore's
// tracer and meter.
const InstrumentationName = "github.com/pgevents/pgevents/pgstore"

// Span and metric attribute keys.
const (
	attrCategory   = attribute.Key("pgevents.category")
	attrStream     = attribute.Key("pgevents.stream")
	attrScope      = attribute.Key("pgevents.scope")
	attrEvents     = attribute.Key("pgevents.events")
	attrStreams    = attribute.Key("pgevents.streams")
	attrCursor     = attribute.Key("pgevents.after")
	attrLimit      = attribute.Key("pgevents.limit")
	attrOperation  = attribute.Key("pgevents.operation")
	attrOutcome    = attribute.Key("pgevents.outcome")
	attrErrorClass = attribute.Key("pgevents.error.class")
	attrCondition  = attribute.Key("pgevents.condition.code")
	attrSQLState   = attribute.Key("db.response.status_code")
	attrDBSystem   = attribute.Key("db.system.name")
	attrBatchItems = attribute.Key("pgevents.batch.items")
)

// operation is one instrumented Store method, with its attribute sets and
// option slices built once: a measurement passed a prebuilt slice does not
// allocate.
type operation struct {
	name       string // span name and pgevents.operation value
	okAdd      []metric.AddOption
	okRecord   []metric.RecordOption
	errAdd     []metric.AddOption
	errRecord  []metric.RecordOption
	onlyAdd    []metric.AddOption // just the operation
	isRead     bool               // counts read pages and events read
	isWrite    bool               // counts appends and events appended
	classAttrs attribute.KeyValue // the operation, for error attributes
}

func newOperation(name string, isRead, isWrite bool) *operation {
	op := attrOperation.String(name)
	ok := metric.WithAttributeSet(attribute.NewSet(op, attrOutcome.String("ok")))
	failed := metric.WithAttributeSet(attribute.NewSet(op, attrOutcome.String("error")))
	only := metric.WithAttributeSet(attribute.NewSet(op))
	return &operation{
		name:       name,
		okAdd:      []metric.AddOption{ok},
		okRecord:   []metric.RecordOption{ok},
		errAdd:     []metric.AddOption{failed},
		errRecord:  []metric.RecordOption{failed},
		onlyAdd:    []metric.AddOption{only},
		isRead:     isRead,
		isWrite:    isWrite,
		classAttrs: op,
	}
}

// spanStartOptions are the options of every span pgstore starts.
var spanStartOptions = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}

// The instrumented operations, one per public Store method (their Tx
// variants share them).
var (
	opAppendEvents   = newOperation("pgevents.append", false, true)
	opAppendStreams  = newOperation("pgevents.append_streams", false, true)
	opAppendBatch    = newOperation("pgevents.append_batch", false, true)
	opReadStream     = newOperation("pgevents.read_stream", true, false)
	opReadEvents     = newOperation("pgevents.read_events", true, false)
	opLatestEvent    = newOperation("pgevents.latest_event", false, false)
	opFenceLag       = newOperation("pgevents.fence_lag", false, false)
	opLogStats       = newOperation("pgevents.log_stats", false, false)
	opCategoryStats  = newOperation("pgevents.category_stats", false, false)
	opEventNameStats = newOperation("pgevents.event_name_stats", false, false)
)

// telemetry holds a Store's tracer and instruments. Its zero value (nil
// tracer) is not used: New always builds one, from Config's providers or
// the global ones (no-ops unless the application installs an SDK).
type telemetry struct {
	tracer trace.Tracer

	appends           metric.Int64Counter
	batchItems        metric.Int64Histogram
	conditionFailures metric.Int64Counter
	duration          metric.Float64Histogram
	errors            metric.Int64Counter
	eventsAppended    metric.Int64Counter
	eventsRead        metric.Int64Counter
	fenceHeldBack     metric.Int64Gauge
	fenceLag          metric.Float64Gauge
	readPages         metric.Int64Counter
	retries           metric.Int64Counter
}

// newTelemetry creates the tracer and instruments from tp and mp (nil: the
// global providers, otel.GetTracerProvider and otel.GetMeterProvider).
func newTelemetry(tp trace.TracerProvider, mp metric.MeterProvider) (*telemetry, error) {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(InstrumentationName)
	t := &telemetry{tracer: tp.Tracer(InstrumentationName)}
	var errs []error
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	t.appends = counter("pgevents.appends", "{call}", "Append calls (AppendEvents, AppendStreams), by operation and outcome.")
	t.eventsAppended = counter("pgevents.events.appended", "{event}", "Events returned by successful appends (an idempotent retry counts its stored events again).")
	t.eventsRead = counter("pgevents.events.read", "{event}", "Events returned by reads (ReadStream, ReadEvents).")
	t.readPages = counter("pgevents.read.pages", "{page}", "Successful read calls (ReadStream, ReadEvents): one page each.")
	t.errors = counter("pgevents.errors", "{error}", "Failed calls, by operation and SQLSTATE class (pgevents.error.class; \"client\" when not from the server). Unmet conditions count here (class PE) and in pgevents.condition.failures.")
	t.conditionFailures = counter("pgevents.condition.failures", "{call}", "Appends refused because their condition was not met, by SQLSTATE (pgevents.condition.code).")
	t.retries = counter("pgevents.retries", "{retry}", "Retries of an operation after a retryable conflict (40001, 40P01, 23505), by operation and SQLSTATE.")
	var err error
	t.duration, err = m.Float64Histogram("pgevents.operation.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of Store calls, retries included, by operation and outcome."),
		metric.WithExplicitBucketBoundaries(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
	errs = append(errs, err)
	t.batchItems, err = m.Int64Histogram("pgevents.group_commit.batch.items", metric.WithUnit("{append}"),
		metric.WithDescription("Appends per group-commit call (pgevents.append_batch, or append for one), retries included."),
		metric.WithExplicitBucketBoundaries(1, 2, 4, 8, 16, 32, 64, 128, 256))
	errs = append(errs, err)
	t.fenceLag, err = m.Float64Gauge("pgevents.fence.lag", metric.WithUnit("s"),
		metric.WithDescription("How long the oldest event held back by the snapshot fence has waited, as last measured by FenceLag or LogStats (0: none held back)."))
	errs = append(errs, err)
	t.fenceHeldBack, err = m.Int64Gauge("pgevents.fence.held_back", metric.WithUnit("{event}"),
		metric.WithDescription("Committed events the snapshot fence holds back from resumable readers, as last measured by FenceLag or LogStats."))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return t, nil
}

// call is one instrumented Store call in progress.
type call struct {
	ctx   context.Context
	op    *operation
	span  trace.Span
	start time.Time
	t     *telemetry
}

// start begins a call of op: a span named op.name, child of ctx's, with the
// attributes attrs adds (only when the span records). The returned context
// carries the span, so pgx tracing and retries nest under it.
func (t *telemetry) start(ctx context.Context, op *operation, attrs func(span trace.Span)) (context.Context, call) {
	ctx, span := t.tracer.Start(ctx, op.name, spanStartOptions...)
	if span.IsRecording() {
		span.SetAttributes(attrDBSystem.String("postgresql"))
		if attrs != nil {
			attrs(span)
		}
	}
	c := call{ctx: ctx, op: op, span: span, t: t}
	if t.duration.Enabled(ctx) { // the clock costs when nobody measures
		c.start = time.Now()
	}
	return ctx, c
}

// end records the call's outcome: err (nil on success) and n, the events it
// returned.
func (c call) end(err error, n int) {
	t, op := c.t, c.op
	addOpts, recordOpts := op.okAdd, op.okRecord
	if err != nil && !errors.Is(err, pgevents.ErrNotFound) {
		addOpts, recordOpts = op.errAdd, op.errRecord
		code := sqlState(err)
		class := "client"
		if len(code) >= 2 {
			class = code[:2]
		}
		t.errors.Add(c.ctx, 1, metric.WithAttributes(op.classAttrs, attrErrorClass.String(class)))
		var ce *pgevents.ConditionError
		if errors.As(err, &ce) {
			t.conditionFailures.Add(c.ctx, 1, metric.WithAttributes(op.classAttrs, attrCondition.String(ce.Code)))
		}
		if c.span.IsRecording() {
			if code != "" {
				c.span.SetAttributes(attrSQLState.String(code))
			}
			c.span.RecordError(err)
			c.span.SetStatus(codes.Error, err.Error())
		}
	} else if c.span.IsRecording() {
		c.span.SetAttributes(attrEvents.Int(n))
	}
	if !c.start.IsZero() {
		t.duration.Record(c.ctx, time.Since(c.start).Seconds(), recordOpts...)
	}
	if op.isWrite {
		t.appends.Add(c.ctx, 1, addOpts...)
		if err == nil {
			t.eventsAppended.Add(c.ctx, int64(n), op.onlyAdd...)
		}
	}
	if op.isRead && err == nil {
		t.readPages.Add(c.ctx, 1, op.onlyAdd...)
		t.eventsRead.Add(c.ctx, int64(n), op.onlyAdd...)
	}
	c.span.End()
}

// retry records a retry of the call in ctx after the retryable error err.
func (t *telemetry) retry(ctx context.Context, err error) {
	code := sqlState(err)
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		span.AddEvent("pgevents.retry", trace.WithAttributes(attrSQLState.String(code)))
	}
	t.retries.Add(ctx, 1, metric.WithAttributes(attrSQLState.String(code)))
}

// batch records a group-commit call of n appends.
func (t *telemetry) batch(ctx context.Context, n int) {
	t.batchItems.Record(ctx, int64(n))
}

// recordFence records a measured fence lag.
func (t *telemetry) recordFence(ctx context.Context, heldBack int64, lag time.Duration) {
	t.fenceHeldBack.Record(ctx, heldBack)
	t.fenceLag.Record(ctx, lag.Seconds())
}

// sqlState returns the SQLSTATE behind err: that of a typed pgevents error,
// else of a *pgconn.PgError in its chain; "" when the server sent none.
func sqlState(err error) string {
	var ce *pgevents.ConditionError
	if errors.As(err, &ce) {
		return ce.Code
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

// Attribute setters of the instrumented methods (called only when the span
// records).

func appendAttrs(p *pgevents.AppendParams) func(trace.Span) {
	return func(span trace.Span) {
		if p == nil {
			return
		}
		span.SetAttributes(attrCategory.String(p.Category), attrStream.String(p.Stream),
			attrScope.String(string(p.Scope.OrDefault())))
	}
}

func appendStreamsAttrs(p *pgevents.AppendStreamsParams) func(trace.Span) {
	return func(span trace.Span) {
		if p == nil {
			return
		}
		span.SetAttributes(attrCategory.String(p.Category), attrStreams.Int(len(p.Streams)),
			attrScope.String(string(p.Scope.OrDefault())))
	}
}

func readStreamAttrs(p *pgevents.ReadStreamParams) func(trace.Span) {
	return func(span trace.Span) {
		if p == nil {
			return
		}
		span.SetAttributes(attrCategory.String(p.Category), attrStream.String(p.Stream), attrLimit.Int(p.Limit))
	}
}

func readEventsAttrs(p *pgevents.ReadEventsParams) func(trace.Span) {
	return func(span trace.Span) {
		if p == nil {
			return
		}
		if p.Category != "" {
			span.SetAttributes(attrCategory.String(p.Category))
		}
		span.SetAttributes(attrCursor.String(p.After.String()), attrLimit.Int(p.Limit))
	}
}

func latestEventAttrs(p *pgevents.LatestEventParams) func(trace.Span) {
	return func(span trace.Span) {
		if p == nil {
			return
		}
		if p.Source.Category != "" {
			span.SetAttributes(attrCategory.String(p.Source.Category))
		}
		if p.Source.Stream != "" {
			span.SetAttributes(attrStream.String(p.Source.Stream))
		}
	}
}
