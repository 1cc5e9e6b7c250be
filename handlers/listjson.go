package handlers

import (
	"encoding"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/oapi-codegen/nullable"

	"github.com/clientele/clientele/api"
)

// customerList is the listCustomers answer, encoded by appendJSON rather than by the
// generated json.Encoder: a page of 50 REST customers holds over a thousand nullable.Nullable
// values, each a map whose MarshalJSON marshals its value again and whose output
// encoding/json then compacts; that took half the CPU of a list request. The bytes are
// encoding/json's (listjson_test.go compares them).
type customerList api.CustomerList

func (l customerList) VisitListCustomersResponse(w http.ResponseWriter) error {
	b, err := appendJSON(make([]byte, 0, 64<<10), reflect.ValueOf(api.CustomerList(l)))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(append(b, '\n')) // as json.Encoder ends a value
	return err
}

// appendJSON appends v encoded as encoding/json encodes it with HTML escaping on (json.Marshal,
// and the json.Encoder of the generated responses). Struct fields, slices, pointers, strings,
// numbers, booleans, times and nullable.Nullable are encoded here; anything else (maps,
// interfaces, floats, other marshalers) by encoding/json itself.
func appendJSON(b []byte, v reflect.Value) ([]byte, error) {
	return encoderOf(v.Type())(b, v)
}

type encoderFunc func(b []byte, v reflect.Value) ([]byte, error)

var encoders sync.Map // reflect.Type → encoderFunc

func encoderOf(t reflect.Type) encoderFunc {
	if f, ok := encoders.Load(t); ok {
		return f.(encoderFunc)
	}
	// A recursive type finds this indirection while its encoder is being built.
	var built encoderFunc
	indirect := func(b []byte, v reflect.Value) ([]byte, error) { return built(b, v) }
	if f, loaded := encoders.LoadOrStore(t, encoderFunc(indirect)); loaded {
		return f.(encoderFunc)
	}
	built = newEncoder(t)
	encoders.Store(t, built)
	return built
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	nullablePkg       = reflect.TypeFor[nullable.Nullable[int]]().PkgPath()
)

func newEncoder(t reflect.Type) encoderFunc {
	switch {
	case t == timeType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			tm := v.Interface().(time.Time)
			if y := tm.Year(); y < 0 || y > 9999 {
				return byEncodingJSON(b, v) // for its error
			}
			b = append(b, '"')
			b = tm.AppendFormat(b, time.RFC3339Nano)
			return append(b, '"'), nil
		}
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.Bool && t.PkgPath() == nullablePkg:
		return nullableEncoder(t)
	case t.Implements(marshalerType) || t.Implements(textMarshalerType) ||
		reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType):
		return byEncodingJSON
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(b []byte, v reflect.Value) ([]byte, error) { return strconv.AppendBool(b, v.Bool()), nil }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(b []byte, v reflect.Value) ([]byte, error) { return strconv.AppendInt(b, v.Int(), 10), nil }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(b []byte, v reflect.Value) ([]byte, error) { return strconv.AppendUint(b, v.Uint(), 10), nil }
	case reflect.String:
		return func(b []byte, v reflect.Value) ([]byte, error) { return appendString(b, v.String()), nil }
	case reflect.Pointer:
		elem := encoderOf(t.Elem())
		return func(b []byte, v reflect.Value) ([]byte, error) {
			if v.IsNil() {
				return append(b, "null"...), nil
			}
			return elem(b, v.Elem())
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return byEncodingJSON // base64
		}
		elem := encoderOf(t.Elem())
		return func(b []byte, v reflect.Value) ([]byte, error) {
			if v.IsNil() {
				return append(b, "null"...), nil
			}
			return appendElems(b, v, elem)
		}
	case reflect.Array:
		return func(b []byte, v reflect.Value) ([]byte, error) { return appendElems(b, v, encoderOf(t.Elem())) }
	case reflect.Struct:
		return structEncoder(t)
	}
	return byEncodingJSON
}

func appendElems(b []byte, v reflect.Value, elem encoderFunc) ([]byte, error) {
	b = append(b, '[')
	var err error
	for i := range v.Len() {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = elem(b, v.Index(i)); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// nullableEncoder encodes a nullable.Nullable as its MarshalJSON does: null when set to
// null, else its value (the zero value when unspecified, unless omitempty left it out).
func nullableEncoder(t reflect.Type) encoderFunc {
	elem := encoderOf(t.Elem())
	present := reflect.ValueOf(true)
	return func(b []byte, v reflect.Value) ([]byte, error) {
		if value := v.MapIndex(present); value.IsValid() {
			return elem(b, value)
		}
		if v.Len() > 0 { // the only other key: false, null
			return append(b, "null"...), nil
		}
		return elem(b, reflect.Zero(t.Elem()))
	}
}

type fieldEncoder struct {
	index     int
	key       string // `"name":`
	omitEmpty bool
	encode    encoderFunc
}

// structEncoder encodes the exported fields of t in order, under their JSON names. A
// struct with embedded fields or tag options other than omitempty goes to encoding/json.
func structEncoder(t reflect.Type) encoderFunc {
	var fields []fieldEncoder
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if f.Anonymous {
			return byEncodingJSON
		}
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if opts != "" && opts != "omitempty" {
			return byEncodingJSON
		}
		if name == "" {
			name = f.Name
		}
		fields = append(fields, fieldEncoder{index: i, key: string(appendString(nil, name)) + ":", omitEmpty: opts == "omitempty", encode: encoderOf(f.Type)})
	}
	return func(b []byte, v reflect.Value) ([]byte, error) {
		b = append(b, '{')
		first := true
		var err error
		for _, f := range fields {
			fv := v.Field(f.index)
			if f.omitEmpty && isEmpty(fv) {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, f.key...)
			if b, err = f.encode(b, fv); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
}

// isEmpty is encoding/json's test for omitempty.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// byEncodingJSON hands v to encoding/json, as the addressable value encoding/json would see
// when v is one.
func byEncodingJSON(b []byte, v reflect.Value) ([]byte, error) {
	x := v.Interface()
	if v.CanAddr() {
		x = v.Addr().Interface()
	}
	out, err := json.Marshal(x)
	return append(b, out...), err
}

// appendString is encoding/json's string encoding with HTML escaping.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		} else {
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
