package pgeventstest

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pgevents/pgevents"
)

// Default range of generated timestamps: [DefaultTimeMin, DefaultTimeMax).
var (
	// DefaultTimeMin is 2020-01-01T00:00:00Z.
	DefaultTimeMin = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	// DefaultTimeMax is 2030-01-01T00:00:00Z.
	DefaultTimeMax = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
)

var (
	nouns = []string{"Account", "Address", "Basket", "Booking", "Cart", "Customer", "Delivery", "Device",
		"Document", "Invoice", "Item", "Ledger", "Member", "Message", "Order", "Payment", "Policy", "Product",
		"Profile", "Refund", "Reservation", "Session", "Shipment", "Subscription", "Task", "Ticket", "User", "Wallet"}
	verbs = []string{"Activated", "Added", "Approved", "Archived", "Assigned", "Cancelled", "Changed", "Closed",
		"Completed", "Confirmed", "Created", "Deleted", "Disabled", "Enabled", "Expired", "Opened", "Paid",
		"Placed", "Rejected", "Removed", "Renamed", "Reopened", "Requested", "Scheduled", "Shipped",
		"Submitted", "Suspended", "Updated", "Verified"}
	words = []string{"alpha", "amount", "balance", "code", "count", "currency", "email", "enabled", "id",
		"label", "limit", "name", "note", "owner", "price", "quantity", "reason", "reference", "region",
		"score", "source", "status", "tags", "title", "total", "type", "value", "version"}
	// exotic strings exercise encoding: accents, CJK, emoji, quotes, escapes.
	exotic = []string{"café", "日本語", "emoji 🎉", `quote "q"`, `back\slash`, "tab\tnew\nline", "<html>&amp;", "Ωμέγα"}
)

// Generator produces random, reproducible test data: two generators created
// with the same seed return the same values for the same sequence of calls.
// It holds its own source (no global state) and is not safe for concurrent
// use; give each goroutine its own.
type Generator struct {
	rng *rand.Rand
}

// NewGenerator returns a generator seeded with seed. Log the seed of a
// randomized test so that a failure can be replayed.
func NewGenerator(seed int64) *Generator {
	return &Generator{rng: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))}
}

// Rand returns the generator's source, to draw other values from the same
// reproducible sequence.
func (g *Generator) Rand() *rand.Rand { return g.rng }

func pick[T any](g *Generator, s []T) T { return s[g.rng.IntN(len(s))] }

func (g *Generator) hex(n int) string {
	b := make([]byte, (n+1)/2)
	for i := range b {
		b[i] = byte(g.rng.UintN(256))
	}
	return hex.EncodeToString(b)[:n]
}

// EventName returns a PascalCase event name, a noun and a past-tense verb
// such as "AccountOpened" or "InvoicePaid".
func (g *Generator) EventName() string { return pick(g, nouns) + pick(g, verbs) }

// CategoryName returns a lowercase category name with a random suffix, such
// as "account_3fa9c1", so categories of one test rarely collide.
func (g *Generator) CategoryName() string {
	return strings.ToLower(pick(g, nouns)) + "_" + g.hex(6)
}

// StreamName returns a stream name of 12 lowercase hex digits.
func (g *Generator) StreamName() string { return g.hex(12) }

// Word returns a lowercase word, as used for JSON keys.
func (g *Generator) Word() string { return pick(g, words) }

// UUID returns a random (version 4) UUID drawn from the generator's source.
func (g *Generator) UUID() uuid.UUID {
	var u uuid.UUID
	for i := range u {
		u[i] = byte(g.rng.UintN(256))
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}

// Time returns a timestamp in [DefaultTimeMin, DefaultTimeMax), as
// TimeBetween does.
func (g *Generator) Time() time.Time { return g.TimeBetween(DefaultTimeMin, DefaultTimeMax) }

// TimeBetween returns a timestamp in [from, to), in UTC and with microsecond
// precision (the values PostgreSQL stores unchanged). When the range holds
// no whole microsecond it returns from rounded up to a microsecond.
func (g *Generator) TimeBetween(from, to time.Time) time.Time {
	base := pgevents.TruncateTime(from)
	if base.Before(from) {
		base = base.Add(time.Microsecond)
	}
	d := to.Sub(base)
	if d <= 0 {
		return base
	}
	// The whole microseconds t with base <= t < to.
	span := int64((d + time.Microsecond - 1) / time.Microsecond)
	return base.Add(time.Duration(g.rng.Int64N(span)) * time.Microsecond)
}

// JSONObject returns a JSON object nested exactly depth levels deep (depth 1
// is a flat object; depth < 1 counts as 1) with 1 to 5 keys per object.
// Leaves are strings (some with non-ASCII characters and escapes),
// integers, decimals, booleans, nulls and arrays of scalars.
func (g *Generator) JSONObject(depth int) json.RawMessage {
	b, err := json.Marshal(g.object(max(depth, 1)))
	if err != nil {
		panic(fmt.Sprintf("pgeventstest: generated JSON does not encode: %v", err))
	}
	return b
}

func (g *Generator) object(depth int) map[string]any {
	n := 1 + g.rng.IntN(5)
	obj := make(map[string]any, n)
	key := func() string {
		for {
			k := g.Word()
			if _, dup := obj[k]; !dup {
				return k
			}
			k += "_" + g.hex(4)
			if _, dup := obj[k]; !dup {
				return k
			}
		}
	}
	if depth > 1 {
		obj[key()] = g.object(depth - 1) // the deepest branch
	}
	for len(obj) < n {
		k := key()
		if depth > 1 && g.rng.IntN(4) == 0 {
			obj[k] = g.object(1 + g.rng.IntN(depth-1))
		} else {
			obj[k] = g.leaf()
		}
	}
	return obj
}

func (g *Generator) leaf() any {
	switch g.rng.IntN(8) {
	case 0:
		return pick(g, exotic)
	case 1, 2:
		return g.rng.Int64N(2_000_001) - 1_000_000
	case 3:
		return float64(g.rng.Int64N(10_000_000)) / 100
	case 4:
		return g.rng.IntN(2) == 0
	case 5:
		return nil
	case 6:
		arr := make([]any, g.rng.IntN(4))
		for i := range arr {
			if g.rng.IntN(2) == 0 {
				arr[i] = g.Word()
			} else {
				arr[i] = g.rng.Int64N(1000)
			}
		}
		return arr
	default:
		return g.Word() + " " + g.Word()
	}
}

// EventOpts are the options of Generator.NewEvent and Generator.Events. Nil
// means defaults.
type EventOpts struct {
	// MetadataDepth is the nesting depth of the metadata object; -1 means
	// metadata null. Defaults to 1.
	MetadataDepth int
	// Names are the event names to pick from. Defaults to EventName's.
	Names []string
	// PayloadDepth is the nesting depth of the payload object. Defaults to 2.
	PayloadDepth int
	// TimeMax is the end (excluded) of OccurredAt's range. Defaults to
	// DefaultTimeMax.
	TimeMax time.Time
	// TimeMin is the start of OccurredAt's range. Defaults to DefaultTimeMin.
	TimeMin time.Time
}

// NewEvent returns a random new event: a name, a generated id, a payload
// and metadata objects of the configured depths, and an OccurredAt in range.
// ObservedAt is left zero (the store's clock).
func (g *Generator) NewEvent(opts *EventOpts) pgevents.NewEvent {
	if opts == nil {
		opts = &EventOpts{}
	}
	var name string
	if len(opts.Names) > 0 {
		name = pick(g, opts.Names)
	} else {
		name = g.EventName()
	}
	e := pgevents.NewEvent{ID: g.UUID(), Name: name, Payload: g.JSONObject(orDefault(opts.PayloadDepth, 2))}
	switch opts.MetadataDepth {
	case -1:
		e.Metadata = json.RawMessage("null")
	default:
		e.Metadata = g.JSONObject(orDefault(opts.MetadataDepth, 1))
	}
	from, to := opts.TimeMin, opts.TimeMax
	if from.IsZero() {
		from = DefaultTimeMin
	}
	if to.IsZero() {
		to = DefaultTimeMax
	}
	e.OccurredAt = g.TimeBetween(from, to)
	return e
}

// Events returns n random new events, as NewEvent returns them.
func (g *Generator) Events(n int, opts *EventOpts) []pgevents.NewEvent {
	out := make([]pgevents.NewEvent, 0, max(n, 0))
	for range n {
		out = append(out, g.NewEvent(opts))
	}
	return out
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}
