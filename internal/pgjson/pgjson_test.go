package pgjson

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestValidate_Corpus(t *testing.T) {
	t.Parallel()
	for _, c := range Corpus {
		err := Validate([]byte(c.In))
		if c.OK && err != nil {
			t.Errorf("Validate(%.60q) = %v, want nil", c.In, err)
		}
		if !c.OK {
			var e *Error
			if !errors.As(err, &e) || e.Reason == "" {
				t.Errorf("Validate(%.60q) = %v, want an *Error", c.In, err)
			}
		}
	}
}

// Whatever PostgreSQL accepts, Go's encoding/json accepts too (Validate is
// only stricter).
func TestValidate_StricterThanEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, c := range Corpus {
		if c.OK && !json.Valid([]byte(c.In)) {
			t.Errorf("%.60q: accepted by PostgreSQL, refused by encoding/json", c.In)
		}
	}
}

func TestValidate_DepthIsNotLimited(t *testing.T) {
	t.Parallel()
	const depth = 100_001
	in := strings.Repeat(`{"a":[`, depth) + strings.Repeat(`]}`, depth)
	if err := Validate([]byte(in)); err != nil {
		t.Fatal(err)
	}
	if err := Validate([]byte(in[:len(in)-1])); err == nil {
		t.Fatal("an unclosed object was accepted")
	}
}

func TestValidate_Offset(t *testing.T) {
	t.Parallel()
	var e *Error
	if !errors.As(Validate([]byte(`{"a": "\u0000"}`)), &e) || e.Offset != 7 {
		t.Fatalf("got %v, want offset 7", e)
	}
	if !errors.As(Validate([]byte("[1, \"\xff\"]")), &e) || e.Offset != 5 {
		t.Fatalf("got %v, want offset 5", e)
	}
}

func BenchmarkValidate(b *testing.B) {
	payload := []byte(`{"note": "seeded by pgevents-bench", "lines": [{"qty": 1, "sku": "SKU-0", "price": 1999}], "amount": 0, "status": "confirmed", "currency": "EUR", "customer": "customer-0", "order_id": "3eac1f3c2ef5215eb9bd13e28ae0975a"}`)
	b.Run("pgjson", func(b *testing.B) {
		b.SetBytes(int64(len(payload)))
		for b.Loop() {
			if Validate(payload) != nil {
				b.Fatal()
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(payload)))
		for b.Loop() {
			if !json.Valid(payload) {
				b.Fatal()
			}
		}
	})
}
