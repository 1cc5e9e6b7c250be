package graph

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestResponsesAreWhatEncodingJSONWrites: the response writer's shortcut for plain data
// writes the bytes encoding/json would, escapes included.
func TestResponsesAreWhatEncodingJSONWrites(t *testing.T) {
	yes := true
	for _, resp := range []*graphql.Response{
		{Data: json.RawMessage(`{"customer":{"id":"1","email":"jane@example.com","firstName":"Zoë"}}`)},
		{Data: json.RawMessage(`{"customer":{"firstName":"<b>Jane</b> & co"}}`)},
		{Data: json.RawMessage(`{"customer":{"lastName":"a` + "\u2028" + `b` + "\u2029" + `c…"}}`)},
		{Data: json.RawMessage(`null`), Errors: gqlerror.List{{Message: "no"}}},
		{Data: json.RawMessage(`{}`), Extensions: map[string]any{"cost": 3}},
		{Data: json.RawMessage(`{}`), HasNext: &yes},
	} {
		var want bytes.Buffer
		_ = json.NewEncoder(&want).Encode(resp)
		rec := httptest.NewRecorder()
		writeResponse(rec, 200, resp)
		if got := rec.Body.String(); got != want.String() {
			t.Errorf("wrote %s\nwant  %s", got, want.String())
		}
	}
}
