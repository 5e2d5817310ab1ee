package pgstore

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgevents/pgevents"
)

func TestTmpGCLatency(t *testing.T) {
	pool := newPool(t, pgx.QueryExecModeCacheStatement, 4)
	stores := map[bool]*Store{}
	for _, off := range []bool{true, false} {
		stores[off] = setupStore(t, pool, &Config{DisableGroupCommit: off}).store
	}
	lat := map[bool][]time.Duration{}
	for round := range 10 {
		for _, off := range []bool{true, false} {
			s := stores[off]
			start := time.Now()
			for i := 0; time.Since(start) < 300*time.Millisecond; i++ {
				t0 := time.Now()
				_, err := s.AppendEvents(context.Background(), &pgevents.AppendParams{Category: "lat", Stream: fmt.Sprintf("r%d-%d", round, i%100),
					Events: []pgevents.NewEvent{ev("A", `{"a": 1}`)}})
				if err != nil {
					t.Fatal(err)
				}
				lat[off] = append(lat[off], time.Since(t0))
			}
		}
	}
	for _, off := range []bool{true, false} {
		l := lat[off]
		slices.Sort(l)
		t.Logf("off=%v: n=%d p50 %v p90 %v p99 %v", off, len(l), l[len(l)/2], l[len(l)*9/10], l[len(l)*99/100])
	}
}
