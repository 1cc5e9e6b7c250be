package handlers

import (
	"context"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/models"
)

// addresses converts an address book, naming each address's country.
func (s *Server) addresses(ctx context.Context, book []models.Address) []api.Address {
	out := make([]api.Address, len(book))
	for i, a := range book {
		out[i] = s.address(ctx, a)
	}
	return out
}

func (s *Server) address(ctx context.Context, a models.Address) api.Address {
	c, _ := s.svc.Country(ctx, actor(ctx), a.CountryCode) // stored codes always name a country
	return toAPIAddress(a, c.Name)
}

// ListCountries lists every country.
func (s *Server) ListCountries(ctx context.Context, _ api.ListCountriesRequestObject) (api.ListCountriesResponseObject, error) {
	cs := s.svc.Countries(ctx, actor(ctx))
	items := make([]api.Country, len(cs))
	for i, c := range cs {
		items[i] = toAPICountry(c)
	}
	return api.ListCountries200JSONResponse{Items: items}, nil
}

// GetCountry returns one country.
func (s *Server) GetCountry(ctx context.Context, r api.GetCountryRequestObject) (api.GetCountryResponseObject, error) {
	c, err := s.svc.Country(ctx, actor(ctx), r.Code)
	if err != nil {
		return nil, err
	}
	return api.GetCountry200JSONResponse(toAPICountry(c)), nil
}

// ListMyAddresses returns the calling customer's address book.
func (s *Server) ListMyAddresses(ctx context.Context, _ api.ListMyAddressesRequestObject) (api.ListMyAddressesResponseObject, error) {
	book, err := s.svc.ListMyAddresses(ctx, actor(ctx))
	if err != nil {
		return nil, err
	}
	return api.ListMyAddresses200JSONResponse{Items: s.addresses(ctx, book)}, nil
}

// CreateMyAddress adds an address to the calling customer's book.
func (s *Server) CreateMyAddress(ctx context.Context, r api.CreateMyAddressRequestObject) (api.CreateMyAddressResponseObject, error) {
	a, err := s.svc.CreateMyAddress(ctx, actor(ctx), fromAPIAddress(orZero(r.Body)))
	if err != nil {
		return nil, err
	}
	return api.CreateMyAddress201JSONResponse(s.address(ctx, a)), nil
}

// UpdateMyAddress patches one of the calling customer's addresses.
func (s *Server) UpdateMyAddress(ctx context.Context, r api.UpdateMyAddressRequestObject) (api.UpdateMyAddressResponseObject, error) {
	p, err := addressPatch(r.JSONBody, r.ApplicationMergePatchPlusJSONBody, r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	a, err := s.svc.UpdateMyAddress(ctx, actor(ctx), r.Id, p)
	if err != nil {
		return nil, err
	}
	return api.UpdateMyAddress200JSONResponse(s.address(ctx, a)), nil
}

// DeleteMyAddress removes one of the calling customer's addresses.
func (s *Server) DeleteMyAddress(ctx context.Context, r api.DeleteMyAddressRequestObject) (api.DeleteMyAddressResponseObject, error) {
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	if err := s.svc.DeleteMyAddress(ctx, actor(ctx), r.Id, expected); err != nil {
		return nil, err
	}
	return api.DeleteMyAddress204Response{}, nil
}

// ListCustomerAddresses returns a customer's address book.
func (s *Server) ListCustomerAddresses(ctx context.Context, r api.ListCustomerAddressesRequestObject) (api.ListCustomerAddressesResponseObject, error) {
	book, err := s.svc.ListCustomerAddresses(ctx, actor(ctx), r.CustomerId)
	if err != nil {
		return nil, err
	}
	return api.ListCustomerAddresses200JSONResponse{Items: s.addresses(ctx, book)}, nil
}

// CreateCustomerAddress adds an address to a customer's book.
func (s *Server) CreateCustomerAddress(ctx context.Context, r api.CreateCustomerAddressRequestObject) (api.CreateCustomerAddressResponseObject, error) {
	a, err := s.svc.CreateCustomerAddress(ctx, actor(ctx), r.CustomerId, fromAPIAddress(orZero(r.Body)))
	if err != nil {
		return nil, err
	}
	return api.CreateCustomerAddress201JSONResponse(s.address(ctx, a)), nil
}

// ReplaceMyAddresses replaces the calling customer's address book.
func (s *Server) ReplaceMyAddresses(ctx context.Context, r api.ReplaceMyAddressesRequestObject) (api.ReplaceMyAddressesResponseObject, error) {
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	book, err := s.svc.ReplaceMyAddresses(ctx, actor(ctx), fromAPIAddresses(r.Body), expected)
	if err != nil {
		return nil, err
	}
	return api.ReplaceMyAddresses200JSONResponse{Items: s.addresses(ctx, book)}, nil
}

// ReplaceCustomerAddresses replaces a customer's address book.
func (s *Server) ReplaceCustomerAddresses(ctx context.Context, r api.ReplaceCustomerAddressesRequestObject) (api.ReplaceCustomerAddressesResponseObject, error) {
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	book, err := s.svc.ReplaceCustomerAddresses(ctx, actor(ctx), r.CustomerId, fromAPIAddresses(r.Body), expected)
	if err != nil {
		return nil, err
	}
	return api.ReplaceCustomerAddresses200JSONResponse{Items: s.addresses(ctx, book)}, nil
}

// fromAPIAddresses reads an address book to replace.
func fromAPIAddresses(body *api.ReplaceAddressesInput) []service.AddressInput {
	in := orZero(body).Addresses
	out := make([]service.AddressInput, len(in))
	for i, a := range in {
		out[i] = fromAPIAddress(a)
	}
	return out
}

// UpdateCustomerAddress patches one of a customer's addresses.
func (s *Server) UpdateCustomerAddress(ctx context.Context, r api.UpdateCustomerAddressRequestObject) (api.UpdateCustomerAddressResponseObject, error) {
	p, err := addressPatch(r.JSONBody, r.ApplicationMergePatchPlusJSONBody, r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	a, err := s.svc.UpdateCustomerAddress(ctx, actor(ctx), r.CustomerId, r.Id, p)
	if err != nil {
		return nil, err
	}
	return api.UpdateCustomerAddress200JSONResponse(s.address(ctx, a)), nil
}

// DeleteCustomerAddress removes one of a customer's addresses.
func (s *Server) DeleteCustomerAddress(ctx context.Context, r api.DeleteCustomerAddressRequestObject) (api.DeleteCustomerAddressResponseObject, error) {
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	if err := s.svc.DeleteCustomerAddress(ctx, actor(ctx), r.CustomerId, r.Id, expected); err != nil {
		return nil, err
	}
	return api.DeleteCustomerAddress204Response{}, nil
}

// addressPatch reads an address merge patch and its If-Match.
func addressPatch(asJSON, asMergePatch *api.UpdateAddressInput, ifMatch *string) (service.AddressPatch, error) {
	p := fromAPIAddressPatch(patchBody(asJSON, asMergePatch))
	expected, err := ifMatchVersion(ifMatch)
	p.ExpectedVersion = expected
	return p, err
}
