package graph

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Response media types of GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/).
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// overHTTP is GraphQL over HTTP for GET and POST. gqlgen's own transports answer a document
// that does not parse or validate with 422 under application/json and refuse a mutation over
// GET with 406; the spec asks for 200 under application/json (its status says nothing about
// GraphQL errors there), 400 under application/graphql-response+json, and 405 for a mutation
// over GET. A request that is not well-formed (a body or a variables parameter that is not
// JSON, no query) is 400 under both.
type overHTTP struct{}

var _ graphql.Transport = overHTTP{}

func (overHTTP) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	switch r.Method {
	case http.MethodGet:
		return true
	case http.MethodPost:
		media, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		return err == nil && media == mediaJSON
	}
	return false
}

func (overHTTP) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media := responseMedia(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", media)
	start := graphql.Now()
	params, bad := requestParams(r)
	if bad != nil {
		writeResponse(w, http.StatusBadRequest, exec.DispatchError(ctx, gqlerror.List{bad}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	opCtx, errs := exec.CreateOperationContext(ctx, params)
	ctx = graphql.WithOperationContext(ctx, opCtx)
	var resp *graphql.Response
	switch {
	case errs != nil:
		resp = exec.DispatchError(ctx, errs)
	case r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query:
		// GET is safe: a mutation is refused, whatever the media type, before it runs.
		w.Header().Set("Allow", http.MethodPost)
		writeResponse(w, http.StatusMethodNotAllowed, exec.DispatchError(ctx,
			gqlerror.List{refused("GET /graphql runs queries only; send a mutation with POST.")}))
		return
	default:
		responses, ctx := exec.DispatchOperation(r.Context(), opCtx)
		resp = responses(ctx)
	}
	status := http.StatusOK
	if resp.Data == nil && media == mediaGraphQLResponse {
		status = http.StatusBadRequest // a request error: nothing ran and there is no data
	}
	writeResponse(w, status, resp)
}

// requestParams reads a request's parameters: a POST's JSON body, or a GET's URL parameters
// query, operationName, variables and extensions (the last two JSON-encoded).
func requestParams(r *http.Request) (*graphql.RawParams, *gqlerror.Error) {
	var params graphql.RawParams
	if r.Method == http.MethodPost {
		dec := json.NewDecoder(r.Body)
		dec.UseNumber()
		if err := dec.Decode(&params); err != nil || dec.Decode(&struct{}{}) != io.EOF {
			return nil, refused("The request body is not a JSON object with a string query, an optional operationName and an optional object of variables.")
		}
	} else {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, refused("The URL's query string does not parse.")
		}
		params.Query, params.OperationName = q.Get("query"), q.Get("operationName")
		for name, into := range map[string]*map[string]any{"variables": &params.Variables, "extensions": &params.Extensions} {
			if v := q.Get(name); v != "" {
				dec := json.NewDecoder(strings.NewReader(v))
				dec.UseNumber()
				if err := dec.Decode(into); err != nil {
					return nil, refused("The " + name + " parameter is not a JSON object.")
				}
			}
		}
	}
	if strings.TrimSpace(params.Query) == "" {
		return nil, refused("The request has no query.")
	}
	return &params, nil
}

// responseMedia is the media type the response is sent as: the acceptable one of the two the
// spec defines that the client prefers (the first on a tie), application/json for a wildcard,
// and application/json, the spec's legacy default, when the client accepts neither or says
// nothing.
func responseMedia(accept string) string {
	best, bestQ := mediaJSON, 0.0
	for part := range strings.SplitSeq(accept, ",") {
		media, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch media {
		case "*/*", "application/*":
			media = mediaJSON
		case mediaJSON, mediaGraphQLResponse:
		default:
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		if q > bestQ {
			best, bestQ = media, q
		}
	}
	return best
}

// plainData tells whether resp is data and nothing else, holding none of the characters
// encoding/json escapes in a RawMessage (<, >, & and, led by 0xE2, U+2028 and U+2029).
func plainData(resp *graphql.Response) bool {
	if resp.Data == nil || len(resp.Errors) > 0 || len(resp.Extensions) > 0 || resp.Label != "" || resp.Path != nil || resp.HasNext != nil {
		return false
	}
	for _, c := range resp.Data {
		if c == '<' || c == '>' || c == '&' || c == 0xE2 {
			return false
		}
	}
	return true
}

// writeResponse writes resp with status. A request error's response has no data entry at all
// (GraphQL spec §7.1.2; gqlgen would write "data": null).
func writeResponse(w http.ResponseWriter, status int, resp *graphql.Response) {
	if plainData(resp) {
		// The common answer: data alone, already compact JSON from gqlgen. Written as is, it
		// skips encoding/json's second pass over it (validating and compacting RawMessage),
		// for the same bytes.
		w.WriteHeader(status)
		_, _ = w.Write(slices.Concat([]byte(`{"data":`), resp.Data, []byte("}\n")))
		return
	}
	var body any = resp
	if resp.Data == nil {
		body = struct {
			Errors     gqlerror.List  `json:"errors"`
			Extensions map[string]any `json:"extensions,omitempty"`
		}{resp.Errors, resp.Extensions}
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
