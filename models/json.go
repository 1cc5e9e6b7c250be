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

func (o *JSONObject) Scan(src any) error {
	if isText(src, "{}") {
		*o = JSONObject{}
		return nil
	}
	return scanJSON(src, o)
}

func (a Attributes) Value() (driver.Value, error) {
	if a == nil {
		return "[]", nil
	}
	return marshalText(a)
}

func (a *Attributes) Scan(src any) error {
	if isText(src, "[]") {
		*a = Attributes{}
		return nil
	}
	return scanJSON(src, a)
}

func (l StringList) Value() (driver.Value, error) {
	if l == nil {
		return "[]", nil
	}
	return marshalText(l)
}

func (l *StringList) Scan(src any) error {
	if isText(src, "[]") {
		*l = StringList{}
		return nil
	}
	return scanJSON(src, l)
}

func marshalText(v any) (driver.Value, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// isText tells whether src, a column's value, is text: an empty value as Value writes it,
// the usual case, which needs no decoding.
func isText(src any, text string) bool {
	switch v := src.(type) {
	case []byte:
		return string(v) == text
	case string:
		return v == text
	}
	return false
}

func scanJSON(src, dst any) error {
	switch v := src.(type) {
	case nil:
		return nil
	case []byte:
		return json.Unmarshal(v, dst)
	case string:
		return json.Unmarshal([]byte(v), dst)
	default:
		return fmt.Errorf("cannot scan %T into JSON", src)
	}
}
