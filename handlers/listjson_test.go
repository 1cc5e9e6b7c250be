package handlers

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/clientele/clientele/api"
)

// TestCustomerListBytesAreEncodingJSONs fills customer lists at random, every field of every
// type they hold (nullables unspecified, null and set; nil and empty lists; strings with
// characters encoding/json escapes, invalid UTF-8 and U+2028) and compares listCustomers'
// encoding with what the generated response writes with encoding/json.
func TestCustomerListBytesAreEncodingJSONs(t *testing.T) {
	for seed := range uint64(300) {
		rnd := rand.New(rand.NewPCG(seed, 7))
		var l api.CustomerList
		fill(rnd, reflect.ValueOf(&l).Elem(), 0)

		want := httptest.NewRecorder()
		if err := api.ListCustomers200JSONResponse(l).VisitListCustomersResponse(want); err != nil {
			t.Fatal(err)
		}
		got := httptest.NewRecorder()
		if err := customerList(l).VisitListCustomersResponse(got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
			t.Fatalf("seed %d:\n got %s\nwant %s", seed, got.Body, want.Body)
		}
		if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") {
			t.Fatalf("seed %d: %d %q, want %d %q", seed, got.Code, got.Header().Get("Content-Type"), want.Code, want.Header().Get("Content-Type"))
		}
	}
}

var samples = []string{"", "plain", `quote " and \ back`, "<b>&amp;</b>", "tab\tnew\nline\r\b\f\x01\x1f", "\u2028\u2029",
	"Zoë Ærø 日本 🎉", "bad \xff\xfe utf8", "\x7f"}

// fill sets v, and everything under it, to random values.
func fill(rnd *rand.Rand, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(samples[rnd.IntN(len(samples))])
	case reflect.Bool:
		v.SetBool(rnd.IntN(2) == 0)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(rnd.Int64N(1<<40) - 1<<39)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(rnd.NormFloat64() * 1e6)
	case reflect.Pointer:
		if rnd.IntN(3) > 0 {
			v.Set(reflect.New(v.Type().Elem()))
			fill(rnd, v.Elem(), depth+1)
		}
	case reflect.Slice:
		if rnd.IntN(4) == 0 || depth > 6 {
			return // nil
		}
		n := rnd.IntN(3)
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := range n {
			fill(rnd, v.Index(i), depth+1)
		}
	case reflect.Map:
		if v.Type().Key().Kind() == reflect.Bool { // nullable: unspecified, null or set
			switch rnd.IntN(3) {
			case 1:
				v.Set(reflect.MakeMap(v.Type()))
				v.SetMapIndex(reflect.ValueOf(false), reflect.Zero(v.Type().Elem()))
			case 2:
				v.Set(reflect.MakeMap(v.Type()))
				e := reflect.New(v.Type().Elem()).Elem()
				fill(rnd, e, depth+1)
				v.SetMapIndex(reflect.ValueOf(true), e)
			}
			return
		}
		if rnd.IntN(3) == 0 {
			return
		}
		v.Set(reflect.MakeMap(v.Type()))
		for range rnd.IntN(3) {
			k := reflect.New(v.Type().Key()).Elem()
			fill(rnd, k, depth+1)
			v.SetMapIndex(k, reflect.ValueOf(any(samples[rnd.IntN(len(samples))])))
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Unix(rnd.Int64N(1<<34), rnd.Int64N(1e9)).In(time.FixedZone("", 3600*(rnd.IntN(5)-2)))))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(rnd, v.Field(i), depth+1)
			}
		}
	case reflect.Interface:
		if rnd.IntN(2) == 0 {
			v.Set(reflect.ValueOf(samples[rnd.IntN(len(samples))]))
		}
	}
}

// TestAppendJSONRefusesWhatEncodingJSONRefuses: a time encoding/json cannot write is an
// error here too.
func TestAppendJSONRefusesWhatEncodingJSONRefuses(t *testing.T) {
	v := struct{ At time.Time }{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := json.Marshal(v); err == nil {
		t.Fatal("encoding/json accepts year 10000")
	}
	if _, err := appendJSON(nil, reflect.ValueOf(v)); err == nil {
		t.Fatal("appendJSON accepts year 10000")
	}
}
