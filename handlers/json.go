package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"reflect"

	"github.com/labstack/echo/v4"

	"github.com/clientele/clientele/internal/apperr"
)

// JSONSerializer is echo's JSON codec with decode errors a client may see: encoding/json's
// messages (and echo's, which add offsets) quote parts of the body and name Go types, and an
// error body must echo neither (SPEC §5). A wrong type names the field and the JSON type
// wanted; anything else that is not JSON gets one fixed message.
type JSONSerializer struct{ echo.DefaultJSONSerializer }

// Deserialize reads exactly one JSON value from the request body into i.
func (JSONSerializer) Deserialize(c echo.Context, i any) error {
	dec := json.NewDecoder(c.Request().Body)
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
	return nil
}

const notJSON = "The request body is not valid JSON."

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
