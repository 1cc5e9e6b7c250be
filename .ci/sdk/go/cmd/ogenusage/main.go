// Command ogenusage is partner code written against the client ogen generates from Clientele's
// openapi.yaml (package ogenclient): it registers a customer, signs in, reads and merge-patches
// the account (clearing middleName with null), and handles a 409 and a 422 as typed problems.
// It talks to the server at $CLIENTELE_URL and exits non-zero on any unexpected answer.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/ogen-go/ogen/ogenerrors"

	"clientele.example/sdkcheck/ogenclient"
)

// bearer is the client's SecuritySource: the customer access token once signed in. Admin
// operations are not used, so adminAuth is skipped.
type bearer struct{ token string }

func (b *bearer) CustomerAuth(context.Context, ogenclient.OperationName) (ogenclient.CustomerAuth, error) {
	return ogenclient.CustomerAuth{Token: b.token}, nil
}

func (b *bearer) AdminAuth(context.Context, ogenclient.OperationName) (ogenclient.AdminAuth, error) {
	return ogenclient.AdminAuth{}, ogenerrors.ErrSkipClientSecurity
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("ogenusage: ")
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
	sec := &bearer{}
	c, err := ogenclient.NewClient(base, sec)
	if err != nil {
		return err
	}

	email := fmt.Sprintf("ogen-%d@example.com", time.Now().UnixNano())
	const password = "a long partner passphrase 42"
	reg := &ogenclient.RegisterCustomerInput{
		Email:           email,
		Password:        password,
		ConfirmPassword: password,
		FirstName:       "Jane",
		MiddleName:      ogenclient.NewOptString("Quinn"),
		LastName:        "Doe",
	}

	// registerCustomer: 201 with the customer.
	res, err := c.RegisterCustomer(ctx, reg, ogenclient.RegisterCustomerParams{})
	if err != nil {
		return fmt.Errorf("registerCustomer: %w", err)
	}
	created, ok := res.(*ogenclient.RegisterCustomerResult)
	if !ok {
		return fmt.Errorf("registerCustomer: unexpected answer %T %+v", res, res)
	}
	if created.Customer.Email != email || !created.Company.IsNull() {
		return fmt.Errorf("registerCustomer: got %q (company null: %v)", created.Customer.Email, created.Company.IsNull())
	}

	// generateCustomerToken: sign in and use the access token from now on.
	tokRes, err := c.GenerateCustomerToken(ctx, &ogenclient.GenerateTokenInput{Email: email, Password: password},
		ogenclient.GenerateCustomerTokenParams{})
	if err != nil {
		return fmt.Errorf("generateCustomerToken: %w", err)
	}
	tok, ok := tokRes.(*ogenclient.Token)
	if !ok {
		return fmt.Errorf("generateCustomerToken: unexpected answer %T %+v", tokRes, tokRes)
	}
	sec.token = tok.Token

	// getMe: the account with its ETag.
	me, err := getMe(ctx, c)
	if err != nil {
		return err
	}
	if me.Response.ID != created.Customer.ID || me.Response.MiddleName.Or("") != "Quinn" {
		return fmt.Errorf("getMe: got %+v", me.Response)
	}

	// updateMe as a merge patch: null clears middleName, only at the version just read.
	patch := ogenclient.UpdateMeInput{}
	patch.MiddleName.SetToNull()
	patch.IsSubscribed = ogenclient.NewOptBool(true)
	upRes, err := c.UpdateMe(ctx, (*ogenclient.UpdateMeApplicationMergePatchJSON)(&patch),
		ogenclient.UpdateMeParams{IfMatch: ogenclient.NewOptString(me.ETag)})
	if err != nil {
		return fmt.Errorf("updateMe: %w", err)
	}
	updated, ok := upRes.(*ogenclient.Customer)
	if !ok {
		return fmt.Errorf("updateMe: unexpected answer %T %+v", upRes, upRes)
	}
	if !updated.MiddleName.IsNull() || !updated.IsSubscribed || updated.Version != me.Response.Version+1 {
		return fmt.Errorf("updateMe: middleName %+v, isSubscribed %v, version %d", updated.MiddleName, updated.IsSubscribed, updated.Version)
	}

	// Read it back: middleName is null now.
	again, err := getMe(ctx, c)
	if err != nil {
		return err
	}
	if !again.Response.MiddleName.IsNull() {
		return fmt.Errorf("getMe after updateMe: middleName is %+v, want null", again.Response.MiddleName)
	}

	// The same email again: 409, a typed Problem with code CONFLICT.
	res, err = c.RegisterCustomer(ctx, reg, ogenclient.RegisterCustomerParams{})
	if err != nil {
		return fmt.Errorf("registerCustomer again: %w", err)
	}
	conflict, ok := res.(*ogenclient.RegisterCustomerConflict)
	if !ok || conflict.Code != ogenclient.ErrorCodeCONFLICT || conflict.Status != 409 {
		return fmt.Errorf("registerCustomer again: want a 409 CONFLICT, got %T %+v", res, res)
	}

	// A password under the policy's minimum: 422, a typed Problem naming the field.
	short := *reg
	short.Email = "short-" + email
	short.Password, short.ConfirmPassword = "short", "short"
	res, err = c.RegisterCustomer(ctx, &short, ogenclient.RegisterCustomerParams{})
	if err != nil {
		return fmt.Errorf("registerCustomer with a short password: %w", err)
	}
	invalid, ok := res.(*ogenclient.RegisterCustomerUnprocessableEntity)
	if !ok || invalid.Code != ogenclient.ErrorCodeVALIDATIONFAILED || !names(invalid.Errors, "password") {
		return fmt.Errorf("registerCustomer with a short password: want a 422 VALIDATION_FAILED on password, got %T %+v", res, res)
	}
	return nil
}

// getMe reads the signed-in customer and its ETag.
func getMe(ctx context.Context, c *ogenclient.Client) (*ogenclient.CustomerHeaders, error) {
	res, err := c.GetMe(ctx)
	if err != nil {
		return nil, fmt.Errorf("getMe: %w", err)
	}
	me, ok := res.(*ogenclient.CustomerHeaders)
	if !ok {
		return nil, fmt.Errorf("getMe: unexpected answer %T %+v", res, res)
	}
	return me, nil
}

// names reports whether a VALIDATION_FAILED problem's errors name field.
func names(errs []ogenclient.FieldError, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}
