package app_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/testdb"
)

func TestReplaceMyAddresses(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachSelfFace(t, e, func(t *testing.T, f selfFace) {
			admin := adminToken(t, f)
			c, tok := signUp(t, f, f.Name()+"-replace-me@example.com")
			id := c["id"].(string)
			old := f.CreateMyAddress(tok, newAddress("1 Old St")).ok(t)
			unchanged := func(when string) {
				t.Helper()
				if got := ids(f.MyAddresses(tok).ok(t)["items"]); len(got) != 1 || got[0] != old["id"] {
					t.Fatalf("%s changed the book: %v", when, got)
				}
			}

			// One transaction: a bad second address changes nothing, the first included.
			bad := newAddress("2 Bad St")
			bad.CountryCode = "QQ"
			r := f.ReplaceMyAddresses(tok, []api.AddressInput{newAddress("1 Good St"), bad}, 0)
			r.fails(t, "VALIDATION_FAILED", "addresses[1].countryCode")
			if f.Name() == "rest" && r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", r.Status)
			}
			twice := []api.AddressInput{newAddress("1"), newAddress("2")}
			twice[0].IsDefaultShipping, twice[1].IsDefaultShipping = ptrTo(true), ptrTo(true)
			f.ReplaceMyAddresses(tok, twice, 0).fails(t, "VALIDATION_FAILED", "addresses[1].isDefaultShipping")
			unchanged("a failed replacement")

			// Who may call: the customer itself, not anonymous callers or staff.
			r = f.ReplaceMyAddresses("", []api.AddressInput{newAddress("x")}, 0)
			r.fails(t, "UNAUTHENTICATED")
			if f.Name() == "rest" && r.Status != http.StatusUnauthorized {
				t.Fatalf("anonymous: status %d", r.Status)
			}
			r = f.ReplaceMyAddresses(admin, []api.AddressInput{newAddress("x")}, 0)
			r.fails(t, "FORBIDDEN")
			if f.Name() == "rest" && r.Status != http.StatusForbidden {
				t.Fatalf("admin: status %d", r.Status)
			}
			unchanged("a refused replacement")

			// A stale version is PRECONDITION_FAILED and changes nothing; the current one works.
			v := int(f.Me(tok).ok(t)["version"].(float64))
			f.UpdateMe(tok, map[string]any{"phone": "+44 20 7946 0000"}).ok(t)
			r = f.ReplaceMyAddresses(tok, []api.AddressInput{newAddress("x")}, v)
			r.fails(t, "PRECONDITION_FAILED")
			if f.Name() == "rest" && r.Status != http.StatusPreconditionFailed {
				t.Fatalf("stale If-Match: status %d", r.Status)
			}
			unchanged("a stale replacement")

			// The default rules of §2: a claimed default goes where it is claimed, an unclaimed one
			// to the first address.
			in := []api.AddressInput{newAddress("1 New St"), newAddress("2 New St"), newAddress("3 New St")}
			in[2].IsDefaultShipping = ptrTo(true)
			book := f.ReplaceMyAddresses(tok, in, v+1).ok(t)["items"].([]any)
			got := ids(book)
			if b, s := defaultsOf(t, book); len(got) != 3 || b != got[0] || s != got[2] || slices.Contains(got, old["id"].(string)) {
				t.Fatalf("replaced book %v: billing %s shipping %s", got, b, s)
			}
			for i, a := range book {
				if street := a.(map[string]any)["street"].([]any)[0]; street != in[i].Street[0] {
					t.Fatalf("address %d is %v, want the input's order", i, street)
				}
			}
			me := f.Me(tok).ok(t)
			if me["defaultBillingAddress"].(map[string]any)["id"] != got[0] || me["defaultShippingAddress"].(map[string]any)["id"] != got[2] {
				t.Fatalf("me after the replacement: billing %v shipping %v", me["defaultBillingAddress"], me["defaultShippingAddress"])
			}
			events := f.AuditEvents(admin, id, "customer.addresses_replaced").ok(t)["items"].([]any)
			if len(events) != 1 || events[0].(map[string]any)["actorType"] != "CUSTOMER" || events[0].(map[string]any)["actorId"] != id {
				t.Fatalf("audit of the replacement: %v", events)
			}

			// An empty list clears the book.
			if got := f.ReplaceMyAddresses(tok, nil, 0).ok(t)["items"]; got != nil && len(got.([]any)) != 0 {
				t.Fatalf("an empty replacement left %v", got)
			}
			if got := f.MyAddresses(tok).ok(t)["items"].([]any); len(got) != 0 {
				t.Fatalf("book after an empty replacement: %v", got)
			}

			// The admin twin takes the customer's version the same way, in both APIs.
			v = int(f.GetCustomer(admin, id).ok(t)["version"].(float64))
			f.ReplaceCustomerAddressesAt(admin, id, []api.AddressInput{newAddress("x")}, v-1).fails(t, "PRECONDITION_FAILED")
			if got := f.ReplaceCustomerAddressesAt(admin, id, []api.AddressInput{newAddress("9 Staff St")}, v).ok(t)["items"].([]any); len(got) != 1 {
				t.Fatalf("admin replacement at the current version: %v", got)
			}
		})
	})
}

func TestIsEmailAvailable(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachSelfFace(t, e, func(t *testing.T, f selfFace) {
			admin := adminToken(t, f)
			available := func(email string) bool {
				t.Helper()
				v, ok := f.IsEmailAvailable(email).ok(t)["isEmailAvailable"].(bool)
				if !ok {
					t.Fatalf("isEmailAvailable(%q) gave no boolean", email)
				}
				return v
			}
			taken := f.Name() + "-taken@example.com"
			f.Register(registration(taken)).ok(t)
			invited := f.Name() + "-invited@example.com"
			f.CreateCustomer(admin, api.CreateCustomerInput{Email: invited, FirstName: "I", LastName: "V"}).ok(t)

			for email, want := range map[string]bool{
				taken:                          false,
				strings.ToUpper(taken):         false, // case-insensitive: emails are stored lower-case
				"  " + taken + " ":             false,
				invited:                        false, // no password yet, but registering it is a CONFLICT
				f.Name() + "-free@example.com": true,
				adminEmail:                     true, // staff accounts are not customers
			} {
				if got := available(email); got != want {
					t.Errorf("isEmailAvailable(%q) = %t, want %t", email, got, want)
				}
			}
			for _, bad := range []string{"not-an-email", "a@b", "two@@example.com", ""} {
				r := f.IsEmailAvailable(bad)
				r.fails(t, "VALIDATION_FAILED", "email")
				if f.Name() == "rest" && r.Status != http.StatusUnprocessableEntity {
					t.Fatalf("%q: status %d", bad, r.Status)
				}
			}

			// Erasure frees the address: it is available again, as registering it succeeds. The
			// placeholder that replaced it cannot be had.
			erased := f.Name() + "-erased@example.com"
			c, tok := signUp(t, f, erased)
			f.EraseMe(tok, goodPassword).ok(t)
			if !available(erased) {
				t.Errorf("an erased customer's former email is not available")
			}
			placeholder := f.GetCustomer(admin, c["id"].(string)).ok(t)["email"].(string)
			if r := f.IsEmailAvailable(placeholder); r.Code != "VALIDATION_FAILED" && r.ok(t)["isEmailAvailable"] != false {
				t.Errorf("the erasure placeholder %s is available", placeholder)
			}
			f.Register(registration(erased)).ok(t)
			if available(erased) {
				t.Errorf("a re-registered email is available")
			}
		})
	})
}

// freshRateWindow waits, if need be, until the current one-minute rate-limit window has more
// than 10 s left, so a test counting attempts does not see its counter reset halfway.
func freshRateWindow() {
	if left := time.Minute - time.Duration(time.Now().Second())*time.Second; left < 10*time.Second {
		time.Sleep(left + time.Second)
	}
}

func TestIsEmailAvailableRateLimitedPerIP(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, testdb.New(t, dialect), func(c *config.Config) { c.RateLimitPerIP = 4 })
			rest, graph := selfFace(&restFace{e}), selfFace(&graphFace{e})
			freshRateWindow()
			// Four attempts from one IP through either API, whatever the email (an invalid one
			// counts too), then RATE_LIMITED with Retry-After.
			rest.IsEmailAvailable("one@example.com").ok(t)
			graph.IsEmailAvailable("two@example.com").ok(t)
			rest.IsEmailAvailable("not-an-email").fails(t, "VALIDATION_FAILED", "email")
			graph.IsEmailAvailable("four@example.com").ok(t)
			r := rest.IsEmailAvailable("five@example.com")
			r.fails(t, "RATE_LIMITED")
			if r.Status != http.StatusTooManyRequests {
				t.Fatalf("status %d", r.Status)
			}
			graph.IsEmailAvailable("six@example.com").fails(t, "RATE_LIMITED")
			resp, _ := do(t, "GET", e.url+"/v1/auth/email-available?email=seven@example.com", "", "")
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != http.StatusTooManyRequests || err != nil || s < 1 || s > 61 {
				t.Fatalf("status %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			// Its own counter: sign-in and validatePassword are not spent by it.
			rest.CustomerToken(adminEmail, "a wrong password").fails(t, "UNAUTHENTICATED")
			for _, f := range []selfFace{rest, graph} {
				for range 5 {
					if f.ValidatePassword(goodPassword, nil).ok(t)["valid"] != true {
						t.Fatalf("%s: validatePassword refused a good password", f.Name())
					}
				}
			}
		})
	}
}

func TestIsEmailAvailableTurnedOff(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, testdb.New(t, dialect), func(c *config.Config) {
				c.EmailAvailability, c.RateLimitPerIP = false, 2 // a registration for each API
			})
			eachSelfFace(t, e, func(t *testing.T, f selfFace) {
				f.Register(registration(f.Name() + "-off@example.com")).ok(t)
				// FORBIDDEN every time, for a taken, a free and an invalid email alike: nothing is
				// looked up or counted, so it never becomes RATE_LIMITED either.
				for _, email := range []string{f.Name() + "-off@example.com", "free@example.com", "not-an-email", "x@example.com"} {
					r := f.IsEmailAvailable(email)
					r.fails(t, "FORBIDDEN")
					if f.Name() == "rest" && r.Status != http.StatusForbidden {
						t.Fatalf("status %d", r.Status)
					}
				}
				if f.ValidatePassword(goodPassword, nil).ok(t)["valid"] != true {
					t.Fatalf("validatePassword is off with isEmailAvailable")
				}
			})
		})
	}
}

// passwordCodes returns validatePassword's codes and messages.
func passwordCodes(t *testing.T, r result) (valid bool, codes, messages []string) {
	t.Helper()
	data := r.ok(t)
	for _, item := range data["errors"].([]any) {
		e := item.(map[string]any)
		codes = append(codes, e["code"].(string))
		messages = append(messages, e["message"].(string))
	}
	return data["valid"].(bool), codes, messages
}

func TestValidatePassword(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachSelfFace(t, e, func(t *testing.T, f selfFace) {
			const email = "someone@example.com"
			for _, tc := range []struct {
				name, password string
				email          *string
				want           []string
			}{
				{"valid", goodPassword, ptr(email), nil},
				{"valid without email", goodPassword, nil, nil},
				{"too short", "qzvkwmx", ptr(email), []string{"TOO_SHORT"}},
				{"too long", strings.Repeat("q", 257), ptr(email), []string{"TOO_LONG"}},
				{"equals email", "SomeOne@Example.com", ptr(email), []string{"EQUALS_EMAIL"}},
				{"too common", "passwordpassword", ptr(email), []string{"TOO_COMMON"}},
				{"short and common", "123456", ptr(email), []string{"TOO_SHORT", "TOO_COMMON"}},
				{"short and the email", "A@B.IO", ptr("a@b.io"), []string{"TOO_SHORT", "EQUALS_EMAIL"}},
				{"without email the email is not compared", email, nil, nil},
				{"without email the rest still counts", "123456", nil, []string{"TOO_SHORT", "TOO_COMMON"}},
				{"empty", "", nil, []string{"TOO_SHORT"}},
			} {
				valid, codes, messages := passwordCodes(t, f.ValidatePassword(tc.password, tc.email))
				if valid != (len(tc.want) == 0) || !slices.Equal(codes, tc.want) {
					t.Errorf("%s: valid=%t codes=%v, want %v", tc.name, valid, codes, tc.want)
				}
				for _, m := range messages {
					if m == "" {
						t.Errorf("%s: an error without a message", tc.name)
					}
				}
			}
			if _, _, m := passwordCodes(t, f.ValidatePassword("short", nil)); len(m) != 1 || m[0] != "Password must be at least 10 characters." {
				t.Errorf("TOO_SHORT message %v", m)
			}
		})
	})
}

// TestPasswordRuleMessagesAreSignUps checks that sign-up's VALIDATION_FAILED gives, for the
// password, exactly the messages validatePassword gives: one per rule broken.
func TestPasswordRuleMessagesAreSignUps(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachSelfFace(t, e, func(t *testing.T, f selfFace) {
			email := f.Name() + "-rules@example.com"
			_, tok := signUp(t, f, email)
			for _, pw := range []string{"qzvkwmx", strings.Repeat("q", 257), strings.ToUpper(email), "passwordpassword", "123456"} {
				_, _, want := passwordCodes(t, f.ValidatePassword(pw, &email))
				if len(want) == 0 {
					t.Fatalf("%q: validatePassword found nothing wrong", pw)
				}

				in := registration(email)
				in.Password, in.ConfirmPassword = pw, pw
				r := f.Register(in)
				r.fails(t, "VALIDATION_FAILED")
				if got := fieldMessages(t, r, "password"); !slices.Equal(got, want) {
					t.Errorf("register with %q: messages %q, validatePassword %q", pw, got, want)
				}

				r = f.ChangeMyPassword(tok, goodPassword, pw, pw)
				r.fails(t, "VALIDATION_FAILED")
				if got := fieldMessages(t, r, "newPassword"); !slices.Equal(got, want) {
					t.Errorf("changeMyPassword to %q: messages %q, validatePassword %q", pw, got, want)
				}
			}
		})
	})
}
