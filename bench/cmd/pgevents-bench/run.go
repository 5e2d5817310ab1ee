package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// op performs one unit of work (one append call, one page read) and returns
// the number of events it wrote or read.
type op func(ctx context.Context) (int, error)

// sample is what one run of a variant measured.
type sample struct {
	ops       int
	events    int
	errors    int
	firstErr  error
	latencies []time.Duration
	measured  time.Duration
	// CPU used during the measured window (see cpu.go).
	clusterCPU, clientCPU time.Duration
}

func (s *sample) add(o sample) {
	s.ops += o.ops
	s.events += o.events
	s.errors += o.errors
	if s.firstErr == nil {
		s.firstErr = o.firstErr
	}
	s.latencies = append(s.latencies, o.latencies...)
	s.measured += o.measured
	s.clusterCPU += o.clusterCPU
	s.clientCPU += o.clientCPU
}

func (s *sample) eventsPerSecond() float64 {
	if s.measured <= 0 {
		return 0
	}
	return float64(s.events) / s.measured.Seconds()
}

// percentile returns the p-th percentile (0 < p < 100) of the latencies,
// nearest rank.
func (s *sample) percentile(p float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	slices.Sort(s.latencies)
	i := int(float64(len(s.latencies))*p/100+0.5) - 1
	i = max(0, min(i, len(s.latencies)-1))
	return s.latencies[i]
}

// run drives ops (one per client, each on its own connection) for warmup,
// then measures for measure: only calls that complete inside the
// measurement window are counted, so throughput is unbiased by calls
// straddling its edges. Every client stops at the end of the window.
func run(ctx context.Context, ops []op, warmup, measure time.Duration) sample {
	start := time.Now()
	from := start.Add(warmup)
	until := from.Add(measure)
	results := make([]sample, len(ops))
	var wg sync.WaitGroup
	var stop atomic.Bool
	var cpu0, cpu1 cpuSnapshot
	cpuDone := make(chan struct{})
	go func() {
		defer close(cpuDone)
		time.Sleep(time.Until(from))
		cpu0 = snapCPU()
		time.Sleep(time.Until(until))
		cpu1 = snapCPU()
	}()
	for i, o := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[i]
			r.latencies = make([]time.Duration, 0, 4096)
			for !stop.Load() {
				t0 := time.Now()
				n, err := o(ctx)
				t1 := time.Now()
				if t1.After(until) {
					stop.Store(true)
					return
				}
				if t0.Before(from) {
					// Warm-up; a call straddling the window start is
					// counted (it completes inside it) but its latency is kept too.
					if t1.Before(from) {
						continue
					}
				}
				if err != nil {
					r.errors++
					if r.firstErr == nil {
						r.firstErr = err
					}
					if ctx.Err() != nil {
						return
					}
					continue
				}
				r.ops++
				r.events += n
				r.latencies = append(r.latencies, t1.Sub(t0))
			}
		}()
	}
	wg.Wait()
	<-cpuDone
	var total sample
	for _, r := range results {
		total.add(r)
	}
	total.measured = measure
	total.clusterCPU, total.clientCPU = cpu1.cluster-cpu0.cluster, cpu1.client-cpu0.client
	return total
}

func fmtRate(v float64) string {
	switch {
	case v >= 100_000:
		return fmt.Sprintf("%.0fk", v/1000)
	case v >= 10_000:
		return fmt.Sprintf("%.1fk", v/1000)
	default:
		return fmt.Sprintf("%.2fk", v/1000)
	}
}

func fmtLatency(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	default:
		return fmt.Sprintf("%.2f ms", ms)
	}
}
