package models

import (
	"reflect"
	"testing"
)

// TestJSONColumnsScan: the JSON columns read back what they wrote, empty values included,
// from a driver giving text as []byte (MySQL) or string (SQLite).
func TestJSONColumnsScan(t *testing.T) {
	for _, text := range []bool{false, true} {
		src := func(s string) any {
			if text {
				return s
			}
			return []byte(s)
		}
		var o JSONObject
		for _, want := range []JSONObject{{}, {"tier": "gold", "n": 2.0}} {
			v, _ := want.Value()
			if err := o.Scan(src(v.(string))); err != nil || !reflect.DeepEqual(o, want) {
				t.Errorf("JSONObject %q: %#v, %v", v, o, err)
			}
		}
		var a Attributes
		for _, want := range []Attributes{{}, {{Name: "shoe", Value: "42"}}} {
			v, _ := want.Value()
			if err := a.Scan(src(v.(string))); err != nil || !reflect.DeepEqual(a, want) {
				t.Errorf("Attributes %q: %#v, %v", v, a, err)
			}
		}
		var l StringList
		for _, want := range []StringList{{}, {"1 Main St", "Apt 2"}} {
			v, _ := want.Value()
			if err := l.Scan(src(v.(string))); err != nil || !reflect.DeepEqual(l, want) {
				t.Errorf("StringList %q: %#v, %v", v, l, err)
			}
		}
	}
	var o JSONObject
	if err := o.Scan(42); err == nil {
		t.Error("JSONObject scanned an int")
	}
}
