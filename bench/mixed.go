package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/service"
)

// mixedWrites is the load of a busy shop (issue 13): registrations, address-book writes to a few
// shared customers, sign-ins to those customers, teams and users added to two companies, and
// admin reads, all at once. Every answer must be a 2xx: a deadlock or lock-wait timeout that
// reached a client would count as an error.
type mixedWrites struct {
	customerTokens []string // a few customers whose address books every worker writes to
	customerEmails []string
	companies      []string // ids
	ownerTokens    []string // the owner of each company
	adminToken     string
	ids            []string
	seq            atomic.Int64 // makes emails and names unique within a run
	run            string       // and across runs on the same database
}

// newMixedWrites signs in the customers and creates the companies the mix writes to.
func newMixedWrites(ctx context.Context, e *env) (*mixedWrites, error) {
	m := &mixedWrites{adminToken: e.adminToken, ids: e.ids, run: strconv.FormatInt(rand.Int64N(1<<40), 36)}
	const sharedCustomers, companies = 4, 2
	if len(e.emails) < 1+sharedCustomers+companies {
		return nil, fmt.Errorf("mixedWrites needs %d seeded customers", 1+sharedCustomers+companies)
	}
	signIn := func(email string) (string, error) {
		tok, err := e.svc.GenerateCustomerToken(ctx, auth.Principal{}, email, password)
		return tok.AccessToken, err
	}
	for _, email := range e.emails[1 : 1+sharedCustomers] {
		tok, err := signIn(email)
		if err != nil {
			return nil, err
		}
		m.customerTokens, m.customerEmails = append(m.customerTokens, tok), append(m.customerEmails, email)
	}
	for i, email := range e.emails[1+sharedCustomers : 1+sharedCustomers+companies] {
		tok, err := signIn(email)
		if err != nil {
			return nil, err
		}
		p, err := e.svc.Authenticate(ctx, tok)
		if err != nil {
			return nil, err
		}
		c, err := e.svc.CreateCompany(ctx, p, service.CompanyInput{Name: fmt.Sprintf("Bench Mix %s %d", m.run, i)})
		if err != nil {
			return nil, err
		}
		m.companies, m.ownerTokens = append(m.companies, c.ID), append(m.ownerTokens, tok)
	}
	return m, nil
}

func (m *mixedWrites) next(base string, rnd *rand.Rand) *http.Request {
	n := m.seq.Add(1)
	unique := fmt.Sprintf("%s-%d", m.run, n)
	body := func(v any) []byte { b, _ := json.Marshal(v); return b }
	c := rnd.IntN(len(m.customerTokens))
	k := rnd.IntN(len(m.companies))
	switch p := rnd.IntN(100); {
	case p < 15:
		return newRequest("POST", base+"/v1/auth/register", "", body(map[string]any{
			"email": "mix-" + unique + "@bench.test", "password": password, "confirmPassword": password,
			"firstName": "Mix", "lastName": "Load"}))
	case p < 40:
		return newRequest("POST", base+"/v1/me/addresses", m.customerTokens[c], body(map[string]any{
			"firstName": "Mix", "lastName": "Load", "street": []string{unique + " Dock Road"}, "city": "London",
			"countryCode": "GB", "isDefaultShipping": rnd.IntN(4) == 0}))
	case p < 45:
		return newRequest("POST", base+"/v1/auth/customer/token", "", body(map[string]any{
			"email": m.customerEmails[c], "password": password}))
	case p < 60:
		return newRequest("POST", base+"/v1/companies/"+m.companies[k]+"/teams", m.ownerTokens[k], body(map[string]any{
			"name": "Team " + unique}))
	case p < 75:
		return newRequest("POST", base+"/v1/companies/"+m.companies[k]+"/users", m.ownerTokens[k], body(map[string]any{
			"email": "mix-user-" + unique + "@bench.test", "firstName": "Mix", "lastName": "User"}))
	default:
		return newRequest("GET", base+"/v1/customers/"+m.ids[rnd.IntN(len(m.ids))], m.adminToken, nil)
	}
}
