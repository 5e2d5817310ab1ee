package web

import (
	"sync"
	"time"
)

// fenceHistory keeps the recent fence lag samples for the fence plot: a ring
// of at most capacity samples, safe for concurrent use.
type fenceHistory struct {
	capacity int
	mu       sync.Mutex
	samples  []fenceSample
}

// add records a sample, unless the previous one is less than minGap old.
func (h *fenceHistory) add(s fenceSample, minGap time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(h.samples); n > 0 && s.At.Sub(h.samples[n-1].At) < minGap {
		return
	}
	h.samples = append(h.samples, s)
	if len(h.samples) > h.capacity {
		h.samples = append(h.samples[:0], h.samples[len(h.samples)-h.capacity:]...)
	}
}

// since returns a copy of the samples taken at or after t.
func (h *fenceHistory) since(t time.Time) []fenceSample {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []fenceSample
	for _, s := range h.samples {
		if !s.At.Before(t) {
			out = append(out, s)
		}
	}
	return out
}
