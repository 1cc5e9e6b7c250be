package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"github.com/clientele/clientele/graph/loaders"
	"github.com/clientele/clientele/graph/model"
	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/models"
)

var errIDOrEmail = apperr.New(apperr.BadRequest, "Give exactly one of id and email.")

// selects reports whether the current field's selection set asks for field.
func selects(ctx context.Context, field string) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == field {
			return true
		}
	}
	return false
}

// nodeSelects reports which fields a connection's query selects on its nodes, through
// `nodes { … }` or `edges { node { … } }`: "groups", and one level down "groups.customerCount".
func nodeSelects(ctx context.Context) func(field string) bool {
	opCtx := graphql.GetOperationContext(ctx)
	fields := map[string]bool{}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		switch f.Name {
		case "nodes":
			addFields(opCtx, f.Selections, fields)
		case "edges":
			for _, e := range graphql.CollectFields(opCtx, f.Selections, nil) {
				if e.Name == "node" {
					addFields(opCtx, e.Selections, fields)
				}
			}
		}
	}
	return func(field string) bool { return fields[field] }
}

// objectSelects is nodeSelects for the object the resolving field returns.
func objectSelects(ctx context.Context) func(field string) bool {
	fields := map[string]bool{}
	addFields(graphql.GetOperationContext(ctx), graphql.GetFieldContext(ctx).Field.Selections, fields)
	return func(field string) bool { return fields[field] }
}

// addFields adds the fields sel selects to fields, with their children as "field.child".
func addFields(opCtx *graphql.OperationContext, sel ast.SelectionSet, fields map[string]bool) {
	for _, n := range graphql.CollectFields(opCtx, sel, nil) {
		fields[n.Name] = true
		for _, child := range graphql.CollectFields(opCtx, n.Selections, nil) {
			fields[n.Name+"."+child.Name] = true
		}
	}
}

// customerSort turns a GraphQL order into the service's sort key (the REST `sort` value).
func customerSort(o *model.CustomerOrder) string {
	if o == nil {
		return ""
	}
	field := map[model.CustomerOrderField]string{
		model.CustomerOrderFieldCreatedAt: "createdAt",
		model.CustomerOrderFieldEmail:     "email",
		model.CustomerOrderFieldLastName:  "lastName",
	}[o.Field]
	if o.Direction == model.OrderDirectionDesc {
		return "-" + field
	}
	return field
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

// nonNil keeps empty lists as [] in responses.
func nonNil[T any, S ~[]T](s S) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// pageArgs reads Relay arguments; WithTotal follows whether totalCount is selected.
func pageArgs(ctx context.Context, first *int, after *string) service.PageArgs {
	return service.NewPageArgs(first, after, selects(ctx, "totalCount"))
}

// pageInfo is a page's Relay page information. The page was read with args: a page asked for
// after a cursor the service accepted has a previous page (see PageInfo.hasPreviousPage).
func pageInfo[T any](args service.PageArgs, page service.Page[T]) *model.PageInfo {
	info := &model.PageInfo{HasNextPage: page.NextCursor != "", HasPreviousPage: args.Cursor != ""}
	if n := len(page.Items); n > 0 {
		start, end := page.Cursor(0), page.Cursor(n-1)
		info.StartCursor, info.EndCursor = &start, &end
	}
	return info
}

// customerConnection is a page of customers as a Relay connection.
func (r *Resolver) customerConnection(ctx context.Context, first *int, after *string, f service.CustomerFilter, sort string) (*model.CustomerConnection, error) {
	args := pageArgs(ctx, first, after)
	l, selected := loaders.For(ctx), nodeSelects(ctx)
	var page service.Page[models.Customer]
	var err error
	if loaders.ReadsAddresses(selected) {
		// The address books come with the page, in its statement.
		var views service.Page[service.CustomerView]
		views, err = r.svc.ListCustomersWithAddresses(ctx, auth.From(ctx), f, sort, args)
		l.PrimeAddresses(views.Items)
		page = service.Page[models.Customer]{Items: make([]models.Customer, len(views.Items)), NextCursor: views.NextCursor, Total: views.Total, Cursor: views.Cursor}
		for i := range views.Items {
			page.Items[i] = views.Items[i].Customer
		}
	} else {
		page, err = r.svc.ListCustomers(ctx, auth.From(ctx), f, sort, args)
	}
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(page.Items))
	for i := range page.Items {
		ids[i] = page.Items[i].ID
	}
	l.PrefetchCustomers(ctx, ids, selected)
	return &model.CustomerConnection{Nodes: page.Items, PageInfo: pageInfo(args, page), TotalCount: orZero(page.Total),
		Edges: edges(ctx, page, func(c string, n *models.Customer) model.CustomerEdge { return model.CustomerEdge{Cursor: c, Node: n} })}, nil
}

// ptrOrNil is the usual end of a resolver returning one object.
func ptrOrNil[T any](v T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// done is the end of a resolver returning Boolean for a deletion.
func done(err error) (*bool, error) {
	if err != nil {
		return nil, err
	}
	ok := true
	return &ok, nil
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// presentIDs returns an omittable id list that was given and not null; [] is kept.
func presentIDs(o graphql.Omittable[[]string]) *[]string {
	v, set := o.ValueOK()
	if !set || v == nil {
		return nil
	}
	return &v
}

// defaultAddress picks an owner's default address of one kind from its address book, as
// the loader books reads it (a customer's or a company's).
func defaultAddress(ctx context.Context, books *dataloadgen.Loader[string, []models.Address], ownerID string, isDefault func(*models.Address) bool) (*models.Address, error) {
	book, err := books.Load(ctx, ownerID)
	if err != nil {
		return nil, err
	}
	for i := range book {
		if isDefault(&book[i]) {
			return &book[i], nil
		}
	}
	return nil, nil
}

func addressInput(in model.AddressInput) service.AddressInput {
	return service.AddressInput{
		Label: in.Label, FirstName: in.FirstName, MiddleName: in.MiddleName, LastName: in.LastName, Prefix: in.Prefix,
		Suffix: in.Suffix, Company: in.Company, Street: in.Street, City: in.City, Region: in.Region,
		PostalCode: in.PostalCode, CountryCode: in.CountryCode, Phone: in.Phone, Fax: in.Fax, VatID: in.VatID,
		Type: in.Type, IsDefaultBilling: in.IsDefaultBilling, IsDefaultShipping: in.IsDefaultShipping,
	}
}

// addressInputs converts an address book to replace.
func addressInputs(in []model.AddressInput) []service.AddressInput {
	out := make([]service.AddressInput, len(in))
	for i, a := range in {
		out[i] = addressInput(a)
	}
	return out
}

func addressPatch(in model.UpdateAddressInput) service.AddressPatch {
	p := service.AddressPatch{
		FirstName: in.FirstName, LastName: in.LastName, City: in.City, CountryCode: in.CountryCode, Type: in.Type,
		IsDefaultBilling: in.IsDefaultBilling, IsDefaultShipping: in.IsDefaultShipping,
		Label: clearable(in.Label), MiddleName: clearable(in.MiddleName), Prefix: clearable(in.Prefix),
		Suffix: clearable(in.Suffix), Company: clearable(in.Company), Region: clearable(in.Region),
		PostalCode: clearable(in.PostalCode), Phone: clearable(in.Phone), Fax: clearable(in.Fax), VatID: clearable(in.VatID),
		ExpectedVersion: in.ExpectedVersion,
	}
	if in.Street != nil {
		p.Street = &in.Street
	}
	return p
}

func orZero[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// edges builds a connection's edges in page order; an empty page has [] edges, never null.
// A query that does not select them gets none built: each edge encodes a cursor.
func edges[N, E any](ctx context.Context, page service.Page[N], edge func(cursor string, node *N) E) []E {
	if !selects(ctx, "edges") {
		return nil
	}
	out := make([]E, len(page.Items))
	for i := range page.Items {
		out[i] = edge(page.Cursor(i), &page.Items[i])
	}
	return out
}

// prefetchCompanies queues companies into the loaders their selected fields use.
func prefetchCompanies(ctx context.Context, companies []models.Company, selected func(field string) bool) {
	ids := make([]string, len(companies))
	for i := range companies {
		ids[i] = companies[i].ID
	}
	loaders.For(ctx).PrefetchCompanies(ctx, ids, selected)
}

// prefetchUserCustomers queues the customers of a page of company users that the caller may
// see into the loaders their selected fields (`customer { … }`) use.
func prefetchUserCustomers(ctx context.Context, svc *service.Service, users []service.CompanyUserView, selected func(field string) bool) {
	if !selected("customer") {
		return
	}
	actor := auth.From(ctx)
	var ids []string
	for i := range users {
		if svc.VisibleCustomer(actor, &users[i].Customer) != nil {
			ids = append(ids, users[i].CustomerID)
		}
	}
	loaders.For(ctx).PrefetchCustomers(ctx, ids, func(field string) bool { return selected("customer." + field) })
}

// companyRegistration is the company of a sign-up, if any.
func companyRegistration(in *model.CompanyRegistrationInput) *service.CompanyRegistration {
	if in == nil {
		return nil
	}
	reg := &service.CompanyRegistration{
		Name: in.Name, LegalName: in.LegalName, Email: in.Email, Phone: in.Phone, VatID: in.VatID,
		BusinessCategory: in.BusinessCategory, Description: in.Description,
	}
	if in.Address != nil {
		a := addressInput(*in.Address)
		reg.Address = &a
	}
	return reg
}
