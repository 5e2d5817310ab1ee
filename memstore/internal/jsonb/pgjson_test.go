package jsonb

import (
	"testing"

	"github.com/pgevents/pgevents/internal/pgjson"
)

// Normalize refuses exactly what PostgreSQL refuses (pgjson.Corpus holds
// PostgreSQL 15's verdicts), as pgjson.Validate, which pgstore checks
// with, does.
func TestNormalize_AgreesWithPostgreSQL(t *testing.T) {
	t.Parallel()
	for _, c := range pgjson.Corpus {
		_, err := Normalize([]byte(c.In))
		if c.OK && err != nil {
			t.Errorf("Normalize(%.60q) = %v; PostgreSQL accepts it", c.In, err)
		}
		if !c.OK && err == nil {
			t.Errorf("Normalize(%.60q) accepted it; PostgreSQL refuses it", c.In)
		}
	}
}
