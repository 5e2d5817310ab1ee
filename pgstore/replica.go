package pgstore

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pgevents/pgevents"
)

// withReadPool returns the Store that serves s's reads: s itself when pool
// is nil or s's own pool, else a copy of s over pool (Config.ReadPool).
func (s *Store) withReadPool(pool *pgxpool.Pool) *Store {
	if pool == nil || pool == s.pool {
		return s
	}
	r := *s
	r.pool = pool
	r.reader = &r
	return &r
}

// resultLen is the number of events in an append's result (0 for nil).
func resultLen(res *pgevents.AppendResult) int {
	if res == nil {
		return 0
	}
	return len(res.Events)
}
