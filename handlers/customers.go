package handlers

import (
	"context"

	"github.com/oapi-codegen/nullable"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/apperr"
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
	}
}

// GetMe returns the calling customer.
func (s *Server) GetMe(ctx context.Context, _ api.GetMeRequestObject) (api.GetMeResponseObject, error) {
	c, err := s.svc.Me(ctx, actor(ctx))
	if err != nil {
		return nil, err
	}
	return api.GetMe200JSONResponse(toAPICustomer(c)), nil
}

// UpdateMe applies a merge patch to the calling customer.
func (s *Server) UpdateMe(ctx context.Context, r api.UpdateMeRequestObject) (api.UpdateMeResponseObject, error) {
	in := orZero(r.JSONBody)
	if r.ApplicationMergePatchPlusJSONBody != nil {
		in = *r.ApplicationMergePatchPlusJSONBody
	}
	c, err := s.svc.UpdateMe(ctx, actor(ctx), service.CustomerPatch{
		Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, Gender: strOf(in.Gender),
		IsSubscribed: in.IsSubscribed, OnboardingStatus: strOf(in.OnboardingStatus), Attributes: attributesPatch(in.Attributes),
		MiddleName: clearable(in.MiddleName), Prefix: clearable(in.Prefix), Suffix: clearable(in.Suffix),
		Phone: clearable(in.Phone), DateOfBirth: clearable(in.DateOfBirth), TaxVat: clearable(in.TaxVat),
		OrderWebhookURL: clearable(in.OrderWebhookUrl), Locale: clearable(in.Locale),
		CurrentPassword: in.CurrentPassword,
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateMe200JSONResponse(toAPICustomer(c)), nil
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
	args := service.PageArgs{WithTotal: p.WithTotal == nil || *p.WithTotal}
	if p.Limit != nil {
		args.Limit = *p.Limit
		if args.Limit == 0 {
			return nil, apperr.New(apperr.BadRequest, "limit must be between 1 and %d.", service.MaxPageSize)
		}
	}
	if p.Cursor != nil {
		args.Cursor = *p.Cursor
	}
	filter := service.CustomerFilter{CreatedFrom: p.CreatedFrom, CreatedTo: p.CreatedTo}
	if p.Search != nil {
		filter.Search = *p.Search
	}
	if p.Email != nil {
		filter.Email = *p.Email
	}
	if p.Status != nil {
		filter.Status = string(*p.Status)
	}
	sort := ""
	if p.Sort != nil {
		sort = string(*p.Sort)
	}
	page, err := s.svc.ListCustomers(ctx, actor(ctx), filter, sort, args)
	if err != nil {
		return nil, err
	}
	items := make([]api.Customer, len(page.Items))
	for i, c := range page.Items {
		items[i] = toAPICustomer(c)
	}
	next := nullable.NewNullNullable[string]()
	if page.NextCursor != "" {
		next.Set(page.NextCursor)
	}
	return api.ListCustomers200JSONResponse{Items: items, NextCursor: next, TotalCount: page.Total}, nil
}

// GetCustomer returns one customer.
func (s *Server) GetCustomer(ctx context.Context, r api.GetCustomerRequestObject) (api.GetCustomerResponseObject, error) {
	c, err := s.svc.GetCustomer(ctx, actor(ctx), r.Id)
	if err != nil {
		return nil, err
	}
	return api.GetCustomer200JSONResponse(toAPICustomer(c)), nil
}

// CreateCustomer creates a customer as an admin.
func (s *Server) CreateCustomer(ctx context.Context, r api.CreateCustomerRequestObject) (api.CreateCustomerResponseObject, error) {
	in := orZero(r.Body)
	var metadata map[string]any
	if in.Metadata != nil {
		metadata = *in.Metadata
	}
	c, err := s.svc.CreateCustomer(ctx, actor(ctx), service.CreateCustomerInput{
		Profile: profile(in.Email, in.FirstName, in.LastName, in.MiddleName, in.Prefix, in.Suffix, in.Phone, in.DateOfBirth,
			in.Gender, in.TaxVat, in.IsSubscribed, in.Locale, in.OrderWebhookUrl, in.Attributes),
		Password:         in.Password,
		Status:           strOf(in.Status),
		OnboardingStatus: strOf(in.OnboardingStatus),
		ExternalID:       in.ExternalId,
		Metadata:         metadata,
	})
	if err != nil {
		return nil, err
	}
	return api.CreateCustomer201JSONResponse(toAPICustomer(c)), nil
}

// UpdateCustomer applies an admin's merge patch to a customer.
func (s *Server) UpdateCustomer(ctx context.Context, r api.UpdateCustomerRequestObject) (api.UpdateCustomerResponseObject, error) {
	in := orZero(r.JSONBody)
	if r.ApplicationMergePatchPlusJSONBody != nil {
		in = *r.ApplicationMergePatchPlusJSONBody
	}
	var metadata *map[string]any
	if in.Metadata != nil {
		m := map[string]any(*in.Metadata)
		metadata = &m
	}
	c, err := s.svc.UpdateCustomer(ctx, actor(ctx), r.Id, service.CustomerPatch{
		Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, Gender: strOf(in.Gender),
		IsSubscribed: in.IsSubscribed, OnboardingStatus: strOf(in.OnboardingStatus), Attributes: attributesPatch(in.Attributes),
		MiddleName: clearable(in.MiddleName), Prefix: clearable(in.Prefix), Suffix: clearable(in.Suffix),
		Phone: clearable(in.Phone), DateOfBirth: clearable(in.DateOfBirth), TaxVat: clearable(in.TaxVat),
		OrderWebhookURL: clearable(in.OrderWebhookUrl), Locale: clearable(in.Locale),
		Status: strOf(in.Status), ExternalID: clearable(in.ExternalId), Metadata: metadata,
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateCustomer200JSONResponse(toAPICustomer(c)), nil
}

// DeleteCustomer deletes one customer.
func (s *Server) DeleteCustomer(ctx context.Context, r api.DeleteCustomerRequestObject) (api.DeleteCustomerResponseObject, error) {
	if err := s.svc.DeleteCustomer(ctx, actor(ctx), r.Id); err != nil {
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
	return api.GetCurrentAdmin200JSONResponse(toAPIAdmin(a)), nil
}
