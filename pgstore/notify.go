package pgstore

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pgevents/pgevents/consumer"
)

// DefaultNotifyChannel is the LISTEN/NOTIFY channel of a Notifier.
const DefaultNotifyChannel = "pgevents_appended"

// DefaultNotifyInterval is the shortest time between two NOTIFY rounds of a
// Notifier.
const DefaultNotifyInterval = 5 * time.Millisecond

// maxNotifyCategories is the most categories one NOTIFY round names; more
// pending categories are sent as "*" (everything).
const maxNotifyCategories = 64

// NotifierConfig configures a Notifier. Nil or zero fields mean defaults.
type NotifierConfig struct {
	// Channel is the LISTEN/NOTIFY channel. Defaults to
	// DefaultNotifyChannel.
	Channel string
	// ListenConfig is the connection the listener opens (a dedicated
	// session, outside the pool). Behind PgBouncer in transaction mode
	// LISTEN does not work: point it at the server itself, or use no Waker
	// (consumers then poll). Defaults to a copy of the pool's ConnConfig.
	ListenConfig *pgx.ConnConfig
	// MinInterval is the shortest time between two NOTIFY rounds: appends
	// committed meanwhile are named in the next round. It bounds the extra
	// transactions under load (at most 1/MinInterval per second) and adds
	// at most MinInterval to the wake-up latency. Defaults to
	// DefaultNotifyInterval; negative means no wait.
	MinInterval time.Duration
}

// Notifier wakes consumers when events are appended, without costing the
// appends a NOTIFY: PostgreSQL serialises the commits of all transactions
// that issued NOTIFY (a global lock at commit), so pgstore never notifies
// inside an append. Instead Appended (wired as Config.AfterAppend) records
// the category and a background goroutine sends one NOTIFY per round,
// naming every category appended to since the last one, in a transaction
// of its own after the appends committed (not waiting for the WAL flush),
// with at most one round in flight and at most one per MinInterval (5 ms):
// under load the rounds coalesce, idle it sends at once.
//
// Subscribe (consumer.Waker) LISTENs on one dedicated connection per
// Notifier and wakes the subscribers of a category (or of every category).
// Notifications are an optimisation: they are lost while the listener
// reconnects (subscribers are woken once it is back), appends from other
// processes or languages wake only if those send the same NOTIFY
// (SELECT pg_notify('pgevents_appended', category)), and consumers poll
// anyway.
//
// A Notifier is safe for concurrent use. Close stops it.
type Notifier struct {
	channel  string
	interval time.Duration
	listen   *pgx.ConnConfig
	pool     *pgxpool.Pool

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	pending   map[string]struct{} // categories appended to since the last round
	sending   bool                // the sender goroutine runs
	listening bool                // the listener goroutine runs
	subs      map[*subscription]struct{}
}

type subscription struct {
	category string
	ch       chan struct{}
}

// NewNotifier returns a Notifier over pool (nil cfg means defaults). It
// panics when pool is nil (a programmer error). Nothing runs until
// Appended or Subscribe is first called.
func NewNotifier(pool *pgxpool.Pool, cfg *NotifierConfig) *Notifier {
	if pool == nil {
		panic("pgevents: pgstore: NewNotifier needs a *pgxpool.Pool (got nil)")
	}
	var c NotifierConfig
	if cfg != nil {
		c = *cfg
	}
	if c.Channel == "" {
		c.Channel = DefaultNotifyChannel
	}
	if c.ListenConfig == nil {
		c.ListenConfig = pool.Config().ConnConfig.Copy()
	}
	switch {
	case c.MinInterval == 0:
		c.MinInterval = DefaultNotifyInterval
	case c.MinInterval < 0:
		c.MinInterval = 0
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Notifier{channel: c.Channel, interval: c.MinInterval, listen: c.ListenConfig, pool: pool, ctx: ctx, cancel: cancel,
		pending: map[string]struct{}{}, subs: map[*subscription]struct{}{}}
}

// Appended records that events of category were committed; it never
// blocks. The NOTIFY follows shortly, from a background goroutine. Use it
// as Config.AfterAppend, and call it after committing a transaction in
// which you appended with the ...Tx methods.
func (n *Notifier) Appended(category string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ctx.Err() != nil {
		return
	}
	n.pending[category] = struct{}{}
	if !n.sending {
		n.sending = true
		n.wg.Add(1)
		go n.send()
	}
}

// send sends NOTIFY rounds while categories are pending, at most one per
// interval, then exits.
func (n *Notifier) send() {
	defer n.wg.Done()
	var last time.Time
	for {
		if wait := time.Until(last.Add(n.interval)); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-n.ctx.Done():
			case <-t.C:
			}
			t.Stop()
		}
		n.mu.Lock()
		if len(n.pending) == 0 || n.ctx.Err() != nil {
			n.sending = false
			n.mu.Unlock()
			return
		}
		categories := make([]string, 0, len(n.pending))
		for c := range n.pending {
			categories = append(categories, c)
		}
		clear(n.pending)
		n.mu.Unlock()
		if len(categories) > maxNotifyCategories {
			categories = []string{"*"}
		}
		last = time.Now()
		ctx, cancel := context.WithTimeout(n.ctx, 10*time.Second)
		// One statement, one transaction; its commit need not wait for the
		// WAL flush (a notification has nothing to make durable), so the
		// listeners hear it sooner and the round costs no fsync.
		_, err := n.pool.Exec(ctx, `SELECT pg_catalog.set_config('synchronous_commit', 'off', true),
			pg_catalog.pg_notify($1, c) FROM pg_catalog.unnest($2::text[]) AS c`, n.channel, categories)
		cancel()
		if err != nil && n.ctx.Err() == nil {
			// Consumers poll anyway; do not spin on a failing server.
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// Subscribe implements consumer.Waker: the returned channel receives
// (coalesced) when events of category may have been committed ("" for any
// category), until ctx ends or the Notifier is closed. The first Subscribe
// starts the listener.
func (n *Notifier) Subscribe(ctx context.Context, category string) <-chan struct{} {
	s := &subscription{category: category, ch: make(chan struct{}, 1)}
	n.mu.Lock()
	if n.ctx.Err() != nil {
		n.mu.Unlock()
		return s.ch
	}
	n.subs[s] = struct{}{}
	if !n.listening {
		n.listening = true
		n.wg.Add(1)
		go n.listenLoop()
	}
	n.mu.Unlock()
	context.AfterFunc(ctx, func() {
		n.mu.Lock()
		delete(n.subs, s)
		n.mu.Unlock()
	})
	return s.ch
}

// wake wakes the subscribers of category ("*": everyone).
func (n *Notifier) wake(category string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for s := range n.subs {
		if category == "*" || s.category == "" || s.category == category {
			select {
			case s.ch <- struct{}{}:
			default:
			}
		}
	}
}

// listenLoop keeps a LISTEN connection open until Close, reconnecting
// with a backoff, and dispatches notifications.
func (n *Notifier) listenLoop() {
	defer n.wg.Done()
	backoff := 100 * time.Millisecond
	for n.ctx.Err() == nil {
		err := n.listenOnce()
		if n.ctx.Err() != nil {
			return
		}
		if err != nil {
			t := time.NewTimer(backoff)
			select {
			case <-n.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			backoff = min(2*backoff, 10*time.Second)
		}
	}
}

// listenOnce connects, LISTENs, wakes everyone (notifications may have been
// missed while not listening) and dispatches until the connection fails.
func (n *Notifier) listenOnce() error {
	conn, err := pgx.ConnectConfig(n.ctx, n.listen)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(n.ctx))
	if _, err := conn.Exec(n.ctx, "LISTEN "+pgx.Identifier{n.channel}.Sanitize()); err != nil {
		return err
	}
	n.wake("*")
	for {
		note, err := conn.WaitForNotification(n.ctx)
		if err != nil {
			return err
		}
		n.wake(note.Payload)
	}
}

// Close stops the Notifier: pending notifications are not sent, the
// listener disconnects and subscriptions end. It waits for its goroutines.
func (n *Notifier) Close() {
	n.mu.Lock()
	n.cancel()
	n.mu.Unlock()
	n.wg.Wait()
}

// afterAppend calls Config.AfterAppend after an append committed in a
// transaction the Store owns.
func (s *Store) afterAppend(category string) {
	if s.tx == nil && s.cfg.AfterAppend != nil {
		s.cfg.AfterAppend(category)
	}
}

// Notifier implements consumer.Waker.
var _ consumer.Waker = (*Notifier)(nil)
