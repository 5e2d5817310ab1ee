package pgevents

import (
	"encoding/json"
	"fmt"
)

// Identifier names the log, a category or a stream. The zero value is the log.
//
// Its JSON form is the one stored wherever an identifier is kept (for example
// a projection's source): {"type":"log"}, {"type":"category","category":C} or
// {"type":"stream","category":C,"stream":S}.
type Identifier struct {
	// Category is the category name; empty for the log.
	Category string
	// Stream is the stream name within Category; empty for the log or a category.
	Stream string
}

// LogID returns the identifier of the whole log.
func LogID() Identifier { return Identifier{} }

// CategoryID returns the identifier of a category.
func CategoryID(category string) Identifier { return Identifier{Category: category} }

// StreamID returns the identifier of a stream.
func StreamID(category, stream string) Identifier {
	return Identifier{Category: category, Stream: stream}
}

// NewIdentifier builds an identifier from an optional category and stream.
// It returns an *InvalidInputError (matching ErrInvalidInput) with code
// CodeInvalidIdentifier when a stream is given without a category.
func NewIdentifier(category, stream string) (Identifier, error) {
	id := Identifier{Category: category, Stream: stream}
	if err := id.Validate(); err != nil {
		return Identifier{}, err
	}
	return id, nil
}

// Kind returns "log", "category" or "stream".
func (id Identifier) Kind() string {
	switch {
	case id.Stream != "":
		return "stream"
	case id.Category != "":
		return "category"
	default:
		return "log"
	}
}

// Validate reports a stream without a category as an *InvalidInputError.
func (id Identifier) Validate() error {
	if id.Stream != "" && id.Category == "" {
		return &InvalidInputError{Code: CodeInvalidIdentifier, Field: "category", Reason: "is required when a stream is given"}
	}
	return nil
}

// String returns "log", "category C" or "stream C/S".
func (id Identifier) String() string {
	switch id.Kind() {
	case "stream":
		return fmt.Sprintf("stream %s/%s", id.Category, id.Stream)
	case "category":
		return "category " + id.Category
	default:
		return "log"
	}
}

type identifierJSON struct {
	Type     string `json:"type"`
	Category string `json:"category,omitempty"`
	Stream   string `json:"stream,omitempty"`
}

// MarshalJSON encodes the identifier in its stored JSON form.
func (id Identifier) MarshalJSON() ([]byte, error) {
	if err := id.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(identifierJSON{Type: id.Kind(), Category: id.Category, Stream: id.Stream})
}

// UnmarshalJSON decodes the stored JSON form. It returns an *InvalidInputError
// for an unknown type or missing names.
func (id *Identifier) UnmarshalJSON(b []byte) error {
	var v identifierJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return &InvalidInputError{Code: CodeInvalidIdentifier, Field: "identifier", Reason: err.Error()}
	}
	ok := false
	switch v.Type {
	case "log":
		ok = v.Category == "" && v.Stream == ""
	case "category":
		ok = v.Category != "" && v.Stream == ""
	case "stream":
		ok = v.Category != "" && v.Stream != ""
	}
	if !ok {
		return &InvalidInputError{Code: CodeInvalidIdentifier, Field: "identifier",
			Reason: fmt.Sprintf("must be {type: log}, {type: category, category} or {type: stream, category, stream} (got %s)", b)}
	}
	*id = Identifier{Category: v.Category, Stream: v.Stream}
	return nil
}
