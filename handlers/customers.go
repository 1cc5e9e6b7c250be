package handlers

import (
	"context"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/models"
)

func profile(email, firstName, lastName string, middleName, prefix, suffix, phone, dateOfBirth *string, gender *api.Gender,
	taxVat *string, isSubscribed *bool, locale, orderWebhookURL *string, attrs *[]api.Attribute) service.Profile {
	return service.Profile{
		Email: email, FirstName: firstName, LastName: lastName, MiddleName: middleName, Prefix: prefix, Suffix: suffix,
		Phone: phone, DateOfBirth: dateOfBirth, Gender: strOf(gender), TaxVat: taxVat, IsSubscribed: isSubscribed,
		Locale: locale, OrderWebhookURL: orderWebhookURL, Attributes: fromAPIAttributes(attrs),
	}
}

func registerInput(in api.RegisterCustomerInput) service.RegisterInput {
	return service.RegisterInput{
		Profile: profile(in.Email, in.FirstName, in.LastName, in.MiddleName, in.Prefix, in.Suffix, in.Phone, in.DateOfBirth,
			in.Gender, in.TaxVat, in.IsSubscribed, in.Locale, in.OrderWebhookUrl, in.Attributes),
		Password:        in.Password,
		ConfirmPassword: in.ConfirmPassword,
		Company:         companyRegistration(in.Company),
	}
}

// GetMe returns the calling customer.
func (s *Server) GetMe(ctx context.Context, _ api.GetMeRequestObject) (api.GetMeResponseObject, error) {
	v, err := s.svc.MeView(ctx)
	if err != nil {
		return nil, err
	}
	out := s.customerOf(ctx, v)
	return api.GetMe200JSONResponse{Body: out, Headers: api.GetMe200ResponseHeaders{ETag: etag(out.Version)}}, nil
}

// UpdateMe applies a merge patch to the calling customer.
func (s *Server) UpdateMe(ctx context.Context, r api.UpdateMeRequestObject) (api.UpdateMeResponseObject, error) {
	in := patchBody(r.JSONBody, r.ApplicationMergePatchPlusJSONBody)
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	c, err := s.svc.UpdateMe(ctx, actor(ctx), service.CustomerPatch{
		Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, Gender: strOf(in.Gender),
		IsSubscribed: in.IsSubscribed, OnboardingStatus: strOf(in.OnboardingStatus), Attributes: attributesPatch(in.Attributes),
		MiddleName: clearable(in.MiddleName), Prefix: clearable(in.Prefix), Suffix: clearable(in.Suffix),
		Phone: clearable(in.Phone), DateOfBirth: clearable(in.DateOfBirth), TaxVat: clearable(in.TaxVat),
		OrderWebhookURL: clearable(in.OrderWebhookUrl), Locale: clearable(in.Locale),
		CurrentPassword: in.CurrentPassword, ExpectedVersion: expected,
	})
	if err != nil {
		return nil, err
	}
	out, err := s.customer(ctx, c)
	if err != nil {
		return nil, err
	}
	return api.UpdateMe200JSONResponse(out), nil
}

func attributesPatch(in *[]api.Attribute) *[]models.Attribute {
	if in == nil {
		return nil
	}
	out := fromAPIAttributes(in)
	return &out
}

// ChangeMyPassword sets a new password for the calling customer.
func (s *Server) ChangeMyPassword(ctx context.Context, r api.ChangeMyPasswordRequestObject) (api.ChangeMyPasswordResponseObject, error) {
	in := orZero(r.Body)
	t, err := s.svc.ChangeMyPassword(ctx, actor(ctx), in.CurrentPassword, in.NewPassword, in.ConfirmPassword)
	if err != nil {
		return nil, err
	}
	return api.ChangeMyPassword200JSONResponse(toAPIToken(t)), nil
}

// ListCustomers returns a page of customers.
func (s *Server) ListCustomers(ctx context.Context, r api.ListCustomersRequestObject) (api.ListCustomersResponseObject, error) {
	p := r.Params
	args := pageArgs(p.Limit, p.Cursor, p.WithTotal)
	filter := service.CustomerFilter{
		Search: orZero(p.Search), Email: orZero(p.Email), Status: string(orZero(p.Status)),
		CreatedFrom: p.CreatedFrom, CreatedTo: p.CreatedTo, GroupID: orZero(p.GroupId), CompanyID: orZero(p.CompanyId),
	}
	page, err := s.svc.ListCustomerViews(ctx, actor(ctx), filter, string(orZero(p.Sort)), args)
	if err != nil {
		return nil, err
	}
	items := make([]api.Customer, len(page.Items))
	for i, v := range page.Items {
		items[i] = s.customerOf(ctx, v)
	}
	return customerList{Items: items, NextCursor: nextCursor(page.NextCursor), TotalCount: page.Total}, nil
}

// GetCustomer returns one customer.
func (s *Server) GetCustomer(ctx context.Context, r api.GetCustomerRequestObject) (api.GetCustomerResponseObject, error) {
	v, err := s.svc.GetCustomerView(ctx, r.Id)
	if err != nil {
		return nil, err
	}
	out := s.customerOf(ctx, v)
	return api.GetCustomer200JSONResponse{Body: out, Headers: api.GetCustomer200ResponseHeaders{ETag: etag(out.Version)}}, nil
}

// CreateCustomer creates a customer as an admin.
func (s *Server) CreateCustomer(ctx context.Context, r api.CreateCustomerRequestObject) (api.CreateCustomerResponseObject, error) {
	in := orZero(r.Body)
	c, err := s.svc.CreateCustomer(ctx, actor(ctx), service.CreateCustomerInput{
		Profile: profile(in.Email, in.FirstName, in.LastName, in.MiddleName, in.Prefix, in.Suffix, in.Phone, in.DateOfBirth,
			in.Gender, in.TaxVat, in.IsSubscribed, in.Locale, in.OrderWebhookUrl, in.Attributes),
		Password:         in.Password,
		Status:           strOf(in.Status),
		OnboardingStatus: strOf(in.OnboardingStatus),
		ExternalID:       in.ExternalId,
		Metadata:         orZero(in.Metadata),
		GroupIDs:         orZero(in.GroupIds),
	})
	if err != nil {
		return nil, err
	}
	out, err := s.customer(ctx, c)
	if err != nil {
		return nil, err
	}
	return api.CreateCustomer201JSONResponse(out), nil
}

// UpdateCustomer applies an admin's merge patch to a customer.
func (s *Server) UpdateCustomer(ctx context.Context, r api.UpdateCustomerRequestObject) (api.UpdateCustomerResponseObject, error) {
	in := patchBody(r.JSONBody, r.ApplicationMergePatchPlusJSONBody)
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	c, err := s.svc.UpdateCustomer(ctx, actor(ctx), r.Id, service.CustomerPatch{
		Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, Gender: strOf(in.Gender),
		IsSubscribed: in.IsSubscribed, OnboardingStatus: strOf(in.OnboardingStatus), Attributes: attributesPatch(in.Attributes),
		MiddleName: clearable(in.MiddleName), Prefix: clearable(in.Prefix), Suffix: clearable(in.Suffix),
		Phone: clearable(in.Phone), DateOfBirth: clearable(in.DateOfBirth), TaxVat: clearable(in.TaxVat),
		OrderWebhookURL: clearable(in.OrderWebhookUrl), Locale: clearable(in.Locale),
		Status: strOf(in.Status), ExternalID: clearable(in.ExternalId), Metadata: metadataPatch(in.Metadata),
		GroupIDs: in.GroupIds, ExpectedVersion: expected,
	})
	if err != nil {
		return nil, err
	}
	out, err := s.customer(ctx, c)
	if err != nil {
		return nil, err
	}
	return api.UpdateCustomer200JSONResponse(out), nil
}

// DeleteCustomer deletes one customer.
func (s *Server) DeleteCustomer(ctx context.Context, r api.DeleteCustomerRequestObject) (api.DeleteCustomerResponseObject, error) {
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	if err := s.svc.DeleteCustomer(ctx, actor(ctx), r.Id, expected); err != nil {
		return nil, err
	}
	return api.DeleteCustomer204Response{}, nil
}

// DeleteCustomers deletes several customers.
func (s *Server) DeleteCustomers(ctx context.Context, r api.DeleteCustomersRequestObject) (api.DeleteCustomersResponseObject, error) {
	n, err := s.svc.DeleteCustomers(ctx, actor(ctx), orZero(r.Body).Ids)
	if err != nil {
		return nil, err
	}
	return api.DeleteCustomers200JSONResponse{DeletedCount: n}, nil
}

// GetCurrentAdmin returns the calling admin.
func (s *Server) GetCurrentAdmin(ctx context.Context, _ api.GetCurrentAdminRequestObject) (api.GetCurrentAdminResponseObject, error) {
	a, err := s.svc.CurrentAdmin(ctx, actor(ctx))
	if err != nil {
		return nil, err
	}
	return api.GetCurrentAdmin200JSONResponse{Body: toAPIAdmin(a), Headers: api.GetCurrentAdmin200ResponseHeaders{ETag: etag(a.Version)}}, nil
}

// customers converts customers with their addresses, groups and company memberships: one
// batch per kind, so a page costs the same few statements whatever its size.
func (s *Server) customers(ctx context.Context, cs []models.Customer) ([]api.Customer, error) {
	views, err := s.svc.CustomerViews(ctx, cs)
	if err != nil {
		return nil, err
	}
	out := make([]api.Customer, len(views))
	for i, v := range views {
		out[i] = s.customerOf(ctx, v)
	}
	return out, nil
}

// customerOf is the REST representation of a customer with its lists.
func (s *Server) customerOf(ctx context.Context, v service.CustomerView) api.Customer {
	out := toAPICustomer(v.Customer)
	out.Addresses = s.addresses(ctx, v.Addresses)
	out.DefaultBillingAddress, out.DefaultShippingAddress = defaultAddresses(out.Addresses)
	out.CompanyMemberships = toAPICompanyUsers(v.Memberships)
	out.Groups = make([]api.CustomerGroupRef, len(v.Groups))
	for j, g := range v.Groups {
		out.Groups[j] = api.CustomerGroupRef{Id: g.ID, Name: g.Name}
	}
	return out
}

func (s *Server) customer(ctx context.Context, c models.Customer) (api.Customer, error) {
	out, err := s.customers(ctx, []models.Customer{c})
	if err != nil {
		return api.Customer{}, err
	}
	return out[0], nil
}
