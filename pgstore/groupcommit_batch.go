package pgstore

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/trace"

	"github.com/pgevents/pgevents"
)

// AppendBatchResult is one append's outcome in AppendBatch.
type AppendBatchResult struct {
	// Err is the append's own error, as AppendEvents would return it; nil
	// on success.
	Err error
	// Result holds the stored events when Err is nil.
	Result *pgevents.AppendResult
}

// Bounds of one pgevents.append_batch call made by AppendBatch: within the
// lowest values the installation settings may take (max_batch_items,
// max_append_events).
const (
	appendBatchMaxItems  = 100
	appendBatchMaxEvents = 1000
)

// AppendBatch runs params as independent appends, in as few
// pgevents.append_batch calls as its bounds allow (100 appends, 1000
// events, 1 MiB of JSON per call), each call one transaction: for callers
// that have many appends at hand (an import, a service writing many
// streams), without relying on concurrency for the group commit. It returns
// one AppendBatchResult per params, in order: each append's result or its
// own error, exactly as AppendEvents would return them (one append's unmet
// condition or bad input does not affect the others, and nothing of a
// failed append is written). Appends to one stream run in params order
// within a call, the later seeing the earlier's events; calls run one after
// the other.
//
// Events without an ID get a UUIDv7 first, kept in each *AppendParams (see
// AppendEvents): on a Store that owns its transactions, a call that fails
// with a retryable error or a lost connection is sent again, and an append
// that fails with a retryable error of its own is sent again in a later
// call (so it may then come after a later append to the same stream), at
// most Config.MaxRetries times. On a Store bound to a caller's transaction
// (WithTx) the calls run in it and nothing is retried; an error of a whole
// call aborts that transaction.
//
// ctx governs the whole call. The error is that of a call as a whole (ctx,
// a lost connection after retries, an installation limit lowered below the
// bounds above: a *pgevents.InvalidInputError with CodeLimitExceeded);
// appends of earlier calls may then have committed (their results are
// returned with the error, the others' Err is nil and Result nil).
func (s *Store) AppendBatch(ctx context.Context, params []*pgevents.AppendParams) (results []AppendBatchResult, err error) {
	ctx, c := s.tel.start(ctx, opAppendBatch, func(span trace.Span) { span.SetAttributes(attrBatchItems.Int(len(params))) })
	stored := 0
	defer func() { c.end(err, stored) }()
	results = make([]AppendBatchResult, len(params))
	type pending struct {
		index int
		item  *gcItem
	}
	var todo []pending
	for i, p := range params {
		if p == nil {
			p = &pgevents.AppendParams{}
		}
		arg, err := appendParamsToInternal(p)
		if err != nil {
			results[i].Err = err
			continue
		}
		todo = append(todo, pending{i, &gcItem{arg: arg, body: itemJSON(arg), nEvents: len(p.Events)}})
	}
	for len(todo) > 0 {
		// The next call: as many appends as its bounds allow (at least one).
		n, size, events := 0, 2, 0
		for n < len(todo) && n < appendBatchMaxItems {
			it := todo[n].item
			if n > 0 && (size+len(it.body)+1 > gcMaxBatchBytes || events+it.nEvents > appendBatchMaxEvents) {
				break
			}
			size, events, n = size+len(it.body)+1, events+it.nEvents, n+1
		}
		call := todo[:n]
		todo = todo[n:]
		items := make([]*gcItem, n)
		for i, p := range call {
			items[i] = p.item
		}
		res, err := s.appendBatchCall(ctx, items)
		if err != nil {
			return results, err
		}
		for i, p := range call {
			r := res[i]
			if r.err != nil && s.tx == nil && errors.Is(r.err, pgevents.ErrRetryable) {
				if p.item.attempts++; p.item.attempts <= s.cfg.MaxRetries {
					if s.onRetry != nil {
						s.onRetry(r.err)
					}
					s.tel.retry(ctx, r.err)
					todo = append(todo, p)
					continue
				}
				r.err = fmt.Errorf("pgevents: giving up after %d attempts: %w", p.item.attempts, r.err)
			}
			if r.err != nil {
				results[p.index].Err = r.err
				continue
			}
			s.afterAppend(p.item.arg.Category)
			results[p.index].Result = &pgevents.AppendResult{Events: r.events}
			stored += len(r.events)
		}
	}
	return results, nil
}

// appendBatchCall makes one append_batch call of items: in the caller's
// transaction, or in one of its own, sent again after a retryable error or
// a lost connection (idempotent: every event has its id), at most
// cfg.MaxRetries times.
func (s *Store) appendBatchCall(ctx context.Context, items []*gcItem) ([]gcResult, error) {
	if s.tx != nil {
		return s.callBatch(ctx, s.tx, items, false)
	}
	var res []gcResult
	err := s.withRetries(ctx, func(err error) bool {
		return ctx.Err() == nil && (errors.Is(err, pgevents.ErrRetryable) || connectionLost(err))
	}, func() (err error) {
		res, err = s.callBatch(ctx, s.pool, items, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
