// Command oapiusage is partner code written against the client oapi-codegen generates from
// Clientele's openapi.yaml (package oapiclient, with ../../oapiclient/oapi-codegen.yaml): it
// registers a customer, signs in, reads and merge-patches the account (clearing middleName with
// null), and handles a 409 and a 422 as typed problems. It talks to the server at
// $CLIENTELE_URL and exits non-zero on any unexpected answer.
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/oapi-codegen/nullable"

	"clientele.example/sdkcheck/oapiclient"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("oapiusage: ")
	base := os.Getenv("CLIENTELE_URL")
	if base == "" {
		log.Fatal("CLIENTELE_URL is not set")
	}
	if err := run(context.Background(), base); err != nil {
		log.Fatal(err)
	}
	log.Print("ok")
}

func run(ctx context.Context, base string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var token string
	c, err := oapiclient.NewClientWithResponses(base,
		oapiclient.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			return nil
		}))
	if err != nil {
		return err
	}

	email := fmt.Sprintf("oapi-%d@example.com", time.Now().UnixNano())
	const password = "a long partner passphrase 42"
	reg := oapiclient.RegisterCustomerInput{
		Email:           email,
		Password:        password,
		ConfirmPassword: password,
		FirstName:       "Jane",
		MiddleName:      ptr("Quinn"),
		LastName:        "Doe",
	}

	// registerCustomer: 201 with the customer.
	res, err := c.RegisterCustomerWithResponse(ctx, nil, reg)
	if err != nil {
		return fmt.Errorf("registerCustomer: %w", err)
	}
	if res.JSON201 == nil {
		return unexpected("registerCustomer", res.HTTPResponse, res.Body)
	}
	created := res.JSON201
	if created.Customer.Email != email || !created.Company.IsNull() {
		return fmt.Errorf("registerCustomer: got %q, company %v", created.Customer.Email, created.Company)
	}

	// generateCustomerToken: sign in and send the access token from now on.
	tok, err := c.GenerateCustomerTokenWithResponse(ctx, nil, oapiclient.GenerateTokenInput{Email: email, Password: password})
	if err != nil {
		return fmt.Errorf("generateCustomerToken: %w", err)
	}
	if tok.JSON200 == nil {
		return unexpected("generateCustomerToken", tok.HTTPResponse, tok.Body)
	}
	token = tok.JSON200.Token

	// getMe: the account, and its version as the ETag header.
	me, err := c.GetMeWithResponse(ctx)
	if err != nil {
		return fmt.Errorf("getMe: %w", err)
	}
	if me.JSON200 == nil {
		return unexpected("getMe", me.HTTPResponse, me.Body)
	}
	if mid, _ := me.JSON200.MiddleName.Get(); me.JSON200.Id != created.Customer.Id || mid != "Quinn" {
		return fmt.Errorf("getMe: got %+v", me.JSON200)
	}
	etag := me.HTTPResponse.Header.Get("ETag")

	// updateMe as a merge patch: null clears middleName (nullable.NewNullNullable sends null; an
	// unset nullable.Nullable is left out), only at the version just read (If-Match).
	patch := oapiclient.UpdateMeInput{
		MiddleName:   nullable.NewNullNullable[string](),
		IsSubscribed: ptr(true),
	}
	up, err := c.UpdateMeWithApplicationMergePatchPlusJSONBodyWithResponse(ctx, &oapiclient.UpdateMeParams{IfMatch: &etag}, patch)
	if err != nil {
		return fmt.Errorf("updateMe: %w", err)
	}
	if up.JSON200 == nil {
		return unexpected("updateMe", up.HTTPResponse, up.Body)
	}
	if !up.JSON200.MiddleName.IsNull() || !up.JSON200.IsSubscribed || up.JSON200.Version != me.JSON200.Version+1 {
		return fmt.Errorf("updateMe: middleName %v, isSubscribed %v, version %d", up.JSON200.MiddleName, up.JSON200.IsSubscribed, up.JSON200.Version)
	}

	// Read it back: middleName is null now.
	again, err := c.GetMeWithResponse(ctx)
	if err != nil {
		return fmt.Errorf("getMe after updateMe: %w", err)
	}
	if again.JSON200 == nil {
		return unexpected("getMe after updateMe", again.HTTPResponse, again.Body)
	}
	if !again.JSON200.MiddleName.IsNull() {
		return fmt.Errorf("getMe after updateMe: middleName is %v, want null", again.JSON200.MiddleName)
	}

	// The same email again: 409, a typed Problem with code CONFLICT.
	res, err = c.RegisterCustomerWithResponse(ctx, nil, reg)
	if err != nil {
		return fmt.Errorf("registerCustomer again: %w", err)
	}
	if p := res.ApplicationproblemJSON409; p == nil || p.Code != oapiclient.ErrorCodeConflict || p.Status != http.StatusConflict {
		return unexpected("registerCustomer again (want 409 CONFLICT)", res.HTTPResponse, res.Body)
	}

	// A password under the policy's minimum: 422, a typed Problem naming the field.
	short := reg
	short.Email = "short-" + email
	short.Password, short.ConfirmPassword = "short", "short"
	res, err = c.RegisterCustomerWithResponse(ctx, nil, short)
	if err != nil {
		return fmt.Errorf("registerCustomer with a short password: %w", err)
	}
	if p := res.ApplicationproblemJSON422; p == nil || p.Code != oapiclient.ErrorCodeValidationFailed || !names(p.Errors, "password") {
		return unexpected("registerCustomer with a short password (want 422 VALIDATION_FAILED on password)", res.HTTPResponse, res.Body)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// unexpected describes an answer the flow did not expect.
func unexpected(op string, res *http.Response, body []byte) error {
	return fmt.Errorf("%s: unexpected answer %s: %s", op, res.Status, body)
}

// names reports whether a VALIDATION_FAILED problem's errors name field.
func names(errs *[]oapiclient.FieldError, field string) bool {
	if errs == nil {
		return false
	}
	for _, e := range *errs {
		if e.Field == field {
			return true
		}
	}
	return false
}
