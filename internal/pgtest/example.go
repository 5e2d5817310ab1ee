package pgtest

import (
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// exampleTB lets Example functions, which get no *testing.T, use pgtest:
// cleanups run when the example calls done, and failures panic (failing the
// example).
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

// ExamplePool returns a pool on a fresh migrated database for an Example
// function, and the function that closes and drops it. Without a server it
// panics, failing the example (examples cannot be skipped).
func ExamplePool() (*pgxpool.Pool, func()) {
	t := &exampleTB{}
	return NewPool(t), t.done
}

// ExampleEmptyDatabase returns the connection string of a fresh empty
// database (nothing migrated) for an Example function, and the function that
// drops it.
func ExampleEmptyDatabase() (string, func()) {
	t := &exampleTB{}
	return NewEmptyDatabase(t), t.done
}
