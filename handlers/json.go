package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/oapi-codegen/nullable"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/service"
)

// JSONSerializer is echo's JSON codec with decode errors a client may see: encoding/json's
// messages (and echo's, which add offsets) quote parts of the body and name Go types, and an
// error body must echo neither (SPEC §5). A wrong type names the field and the JSON type
// wanted; anything else that is not JSON gets one fixed message.
//
// Bodies are read strictly (SPEC §5): encoding/json ignores unknown keys and matches keys
// case-insensitively, so after decoding, the document is walked against the target's json
// tags, exactly. A key the type does not name is BAD_REQUEST, and null where the type
// cannot hold it (anything but nullable.Nullable, the contract's `nullable: true`) is
// VALIDATION_FAILED, naming each by its path.
type JSONSerializer struct{ echo.DefaultJSONSerializer }

// Deserialize reads exactly one JSON value from the request body into i.
func (JSONSerializer) Deserialize(c echo.Context, i any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return decodeError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(i); err != nil {
		return decodeError(err)
	}
	// Anything after the value is not part of a JSON document either.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err)
		}
		return apperr.New(apperr.BadRequest, notJSON)
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return decodeError(err)
	}
	return checkStrict(doc, reflect.TypeOf(i))
}

const notJSON = "The request body is not valid JSON."

// checkStrict walks doc against t (the decode target) and reports unknown keys, then nulls
// the type cannot hold.
func checkStrict(doc any, t reflect.Type) error {
	if doc == nil {
		return apperr.New(apperr.BadRequest, "The request body must be %s.", jsonKind(t))
	}
	var w strictWalk
	w.walk(doc, t, "")
	if len(w.unknown) > 0 {
		msg := "The request body has a field this operation does not take: " + w.unknown[0].Field + "."
		if len(w.unknown) > 1 {
			msg = "The request body has fields this operation does not take."
		}
		return &apperr.Error{Kind: apperr.BadRequest, Message: msg, Fields: w.unknown}
	}
	return w.nulls.Err()
}

type strictWalk struct {
	unknown []apperr.FieldError
	nulls   apperr.Fields
}

var nullableMarker = reflect.TypeOf(nullable.Nullable[int]{})

// isNullable reports whether t is an oapi-codegen nullable.Nullable[T].
func isNullable(t reflect.Type) bool {
	return t.Kind() == reflect.Map && t.PkgPath() == nullableMarker.PkgPath() &&
		strings.HasPrefix(t.Name(), "Nullable[")
}

var jsonUnmarshaler = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

func (w *strictWalk) walk(v any, t reflect.Type, path string) {
	if isNullable(t) {
		if v != nil {
			w.walk(v, t.Elem(), path)
		}
		return
	}
	if v == nil {
		// The top level is checked by the caller; elsewhere a null the type cannot hold.
		if path != "" {
			w.nulls = append(w.nulls, service.NullRefused(path))
		}
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// A scalar with its own decoding (a date, a time) has no keys to check.
	if t.Kind() != reflect.Struct && t.Kind() != reflect.Slice && t.Kind() != reflect.Map ||
		reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return
	}
	switch t.Kind() {
	case reflect.Slice:
		if items, ok := v.([]any); ok {
			for i, item := range items {
				w.walk(item, t.Elem(), path+"["+strconv.Itoa(i)+"]")
			}
		}
	case reflect.Map:
		// A free-form object (metadata): its keys are the client's; values still have a type.
		if obj, ok := v.(map[string]any); ok {
			for _, k := range sortedKeys(obj) {
				if t.Elem().Kind() != reflect.Interface {
					w.walk(obj[k], t.Elem(), join(path, k))
				}
			}
		}
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		fields := jsonFields(t)
		for _, k := range sortedKeys(obj) {
			f, ok := fields[k]
			if !ok {
				w.unknown = append(w.unknown, apperr.FieldError{Field: join(path, k), Message: unknownKey(k, fields)})
				continue
			}
			w.walk(obj[k], f, join(path, k))
		}
	}
}

// unknownKey says why k is refused, naming the field it differs from only in case.
func unknownKey(k string, fields map[string]reflect.Type) string {
	for name := range fields {
		if strings.EqualFold(name, k) {
			return "Unknown field; field names are case-sensitive: did you mean " + name + "?"
		}
	}
	return "Unknown field."
}

// jsonFields maps a struct's JSON member names to their types, as encoding/json names them
// (embedded structs' fields promoted), but to be matched exactly.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k, ft := range jsonFields(f.Type) {
				out[k] = ft
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var httpErr *echo.HTTPError
	switch {
	case errors.As(err, &httpErr):
		return err // the body limit's 413
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return apperr.New(apperr.BadRequest, "%s must be %s.", typeErr.Field, jsonKind(typeErr.Type))
	case errors.As(err, &typeErr):
		return apperr.New(apperr.BadRequest, "The request body must be %s.", jsonKind(typeErr.Type))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return apperr.New(apperr.BadRequest, notJSON)
	}
	// A scalar type's own UnmarshalJSON failed, or reading the body did: the message is the
	// type's, and may quote the value.
	return apperr.Wrap(apperr.BadRequest, err, notJSON)
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "a JSON value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a JSON value of another type"
}
