package pgeventsdb_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pgevents/pgevents/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// exampleTB lets examples, which get no *testing.T, use pgtest: cleanups run
// when the example calls done, and failures panic (failing the example).
type exampleTB struct {
	testing.TB
	cleanups []func()
}

func (t *exampleTB) Helper()                        {}
func (t *exampleTB) Cleanup(f func())               { t.cleanups = append(t.cleanups, f) }
func (t *exampleTB) Errorf(format string, a ...any) { fmt.Fprintf(os.Stderr, format+"\n", a...) }
func (t *exampleTB) Fatal(a ...any)                 { panic(fmt.Sprint(a...)) }
func (t *exampleTB) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }
func (t *exampleTB) Skipf(format string, a ...any)  { panic(fmt.Sprintf(format, a...)) }

func (t *exampleTB) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// examplePool returns a pool on a fresh migrated database, and the function
// that closes and drops it.
func examplePool() (*pgxpool.Pool, func()) {
	t := &exampleTB{}
	return pgtest.NewPool(t), t.done
}
