package models

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// JSONObject is a JSON object kept in a text column (portable across SQLite and MySQL).
type JSONObject map[string]any

// Attribute is a custom {name, value} property.
type Attribute struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Attributes is a list of custom properties kept as JSON text.
type Attributes []Attribute

// StringList is a list of strings kept as JSON text.
type StringList []string

func (o JSONObject) Value() (driver.Value, error) {
	if o == nil {
		return "{}", nil
	}
	return marshalText(o)
}

func (o *JSONObject) Scan(src any) error { return scanJSON(src, o, "{}", JSONObject{}) }

func (a Attributes) Value() (driver.Value, error) {
	if a == nil {
		return "[]", nil
	}
	return marshalText(a)
}

func (a *Attributes) Scan(src any) error { return scanJSON(src, a, "[]", Attributes{}) }

func (l StringList) Value() (driver.Value, error) {
	if l == nil {
		return "[]", nil
	}
	return marshalText(l)
}

func (l *StringList) Scan(src any) error { return scanJSON(src, l, "[]", StringList{}) }

func marshalText(v any) (driver.Value, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// scanJSON decodes src, a column's JSON text, into dst. The text of an empty value as Value
// writes it (emptyText, for empty), the usual case, needs no decoding.
func scanJSON[T any](src any, dst *T, emptyText string, empty T) error {
	var text []byte
	switch v := src.(type) {
	case nil:
		return nil
	case []byte:
		text = v
	case string:
		text = []byte(v)
	default:
		return fmt.Errorf("cannot scan %T into JSON", src)
	}
	if string(text) == emptyText {
		*dst = empty
		return nil
	}
	return json.Unmarshal(text, dst)
}
