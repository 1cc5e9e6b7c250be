// Package loaders batches the nested lists of a GraphQL request: every customer's addresses,
// groups and company memberships on a page are read with a constant number of statements,
// whatever the page size; a company's addresses and its teams' users are read once per company.
package loaders

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/models"
)

// Loaders are one request's batch loaders. They cache for the request only, so a mutation's
// response reads what it wrote.
type Loaders struct {
	Addresses   *dataloadgen.Loader[string, []models.Address]
	Groups      *dataloadgen.Loader[string, []models.CustomerGroup]
	GroupCounts *dataloadgen.Loader[string, int]
	// Memberships are customers' company memberships.
	Memberships *dataloadgen.Loader[string, []service.CompanyUserView]
	// CompanyAddresses are companies' address books, of companies the caller could read.
	CompanyAddresses *dataloadgen.Loader[string, []models.Address]
	// TeamUsers are teams' users, read with one service call per company.
	TeamUsers *dataloadgen.Loader[Team, []service.CompanyUserView]

	svc *service.Service
	// countGroups is set when the query asks for the customerCount of customers' groups.
	countGroups atomic.Bool
}

// wait is how long a loader collects keys before it queries: resolvers of one list run
// concurrently, so a short window catches a whole page.
const wait = 2 * time.Millisecond

// New returns fresh loaders over svc.
func New(svc *service.Service) *Loaders {
	l := &Loaders{
		svc:              svc,
		Addresses:        dataloadgen.NewMappedLoader(svc.AddressesOf, dataloadgen.WithWait(wait)),
		GroupCounts:      dataloadgen.NewMappedLoader(svc.GroupCustomerCounts, dataloadgen.WithWait(wait)),
		Memberships:      dataloadgen.NewMappedLoader(svc.MembershipsOf, dataloadgen.WithWait(wait)),
		CompanyAddresses: dataloadgen.NewMappedLoader(svc.CompanyAddressesOf, dataloadgen.WithWait(wait)),
		TeamUsers: dataloadgen.NewLoader(func(ctx context.Context, teams []Team) ([][]service.CompanyUserView, []error) {
			return teamUsers(ctx, svc, teams)
		}, dataloadgen.WithWait(wait)),
	}
	l.Groups = dataloadgen.NewMappedLoader(func(ctx context.Context, customerIDs []string) (map[string][]models.CustomerGroup, error) {
		return l.groupsOf(ctx, customerIDs)
	}, dataloadgen.WithWait(wait))
	return l
}

// groupsOf reads customers' groups. When the query asks for it, it also counts those groups'
// members, so a page's groups cost two statements however their customerCount resolvers are
// scheduled. Counting is costly (it reads every membership of the groups), so only then.
func (l *Loaders) groupsOf(ctx context.Context, customerIDs []string) (map[string][]models.CustomerGroup, error) {
	groups, err := l.svc.GroupsOf(ctx, customerIDs)
	if err != nil || !l.countGroups.Load() {
		return groups, err
	}
	var ids []string
	seen := map[string]bool{}
	for _, gs := range groups {
		for _, g := range gs {
			if !seen[g.ID] {
				seen[g.ID] = true
				ids = append(ids, g.ID)
			}
		}
	}
	if len(ids) > 0 {
		counts, err := l.svc.GroupCustomerCounts(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			l.GroupCounts.Prime(id, counts[id])
		}
	}
	return groups, nil
}

// PrefetchCustomers queues a page's customers into the loaders their selected fields use,
// before any field resolver runs: the page is then one batch however the resolvers are
// scheduled. selected answers for node fields ("groups") and their children ("groups.customerCount").
func (l *Loaders) PrefetchCustomers(ctx context.Context, ids []string, selected func(field string) bool) {
	if ReadsAddresses(selected) {
		l.Addresses.LoadAllThunk(ctx, ids)
	}
	if selected("groups") {
		l.countGroups.Store(selected("groups.customerCount"))
		// Read now and primed, as a page's address books are: the resolvers then wait for no
		// batch window. After an error their loads read again, and report it on their fields.
		if groups, err := l.groupsOf(ctx, ids); err == nil {
			for id, gs := range groups {
				l.Groups.Prime(id, gs)
			}
		}
	}
	if selected("companyMemberships") {
		l.Memberships.LoadAllThunk(ctx, ids)
	}
}

// ReadsAddresses tells whether a selection of customer fields reads the address books.
func ReadsAddresses(selected func(field string) bool) bool {
	return selected("addresses") || selected("defaultBillingAddress") || selected("defaultShippingAddress")
}

// PrimeAddresses gives the address loader the books read with a page of customers, so that
// the page's addresses cost no statement of their own.
func (l *Loaders) PrimeAddresses(views []service.CustomerView) {
	for _, v := range views {
		l.Addresses.Prime(v.ID, v.Addresses)
	}
}

// PrefetchCompanies queues a page of companies into the address loader when their addresses
// or defaults are selected.
func (l *Loaders) PrefetchCompanies(ctx context.Context, ids []string, selected func(field string) bool) {
	if selected("addresses") || selected("defaultBillingAddress") || selected("defaultShippingAddress") {
		l.CompanyAddresses.LoadAllThunk(ctx, ids)
	}
}

// PrefetchGroupCounts queues groups into the member-count loader when their customerCount is
// selected. Lists of groups are marshalled in order (graph/internal/execpatch), so whoever returns
// one calls this first.
func (l *Loaders) PrefetchGroupCounts(ctx context.Context, groups []models.CustomerGroup, selected func(field string) bool) {
	if !selected("customerCount") || len(groups) == 0 {
		return
	}
	ids := make([]string, len(groups))
	for i := range groups {
		ids[i] = groups[i].ID
	}
	l.GroupCounts.LoadAllThunk(ctx, ids)
}

// PrefetchTeamUsers queues a company's teams into the team-user loader, so that their users
// are one service call however the teams' resolvers are scheduled.
func (l *Loaders) PrefetchTeamUsers(ctx context.Context, teams []Team) {
	l.TeamUsers.LoadAllThunk(ctx, teams)
}

// Team names a team of a company, the key of the team-user loader.
type Team struct {
	CompanyID string
	TeamID    string
}

// teamUsers reads the users of teams with one service call per company.
func teamUsers(ctx context.Context, svc *service.Service, teams []Team) ([][]service.CompanyUserView, []error) {
	actor := auth.From(ctx)
	var companies []string
	byCompany := map[string][]string{}
	for _, t := range teams {
		if _, ok := byCompany[t.CompanyID]; !ok {
			companies = append(companies, t.CompanyID)
		}
		byCompany[t.CompanyID] = append(byCompany[t.CompanyID], t.TeamID)
	}
	users := map[string]map[string][]service.CompanyUserView{}
	failed := map[string]error{}
	for _, c := range companies {
		users[c], failed[c] = svc.TeamUsers(ctx, actor, c, byCompany[c])
	}
	out, errs := make([][]service.CompanyUserView, len(teams)), make([]error, len(teams))
	for i, t := range teams {
		if errs[i] = failed[t.CompanyID]; errs[i] == nil {
			out[i] = users[t.CompanyID][t.TeamID]
		}
	}
	return out, errs
}

type key struct{}

// Middleware gives each request its own loaders.
func Middleware(svc *service.Service, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, New(svc))))
	})
}

// For returns the request's loaders.
func For(ctx context.Context) *Loaders {
	return ctx.Value(key{}).(*Loaders)
}
