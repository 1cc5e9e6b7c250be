package main

import (
	"encoding/json"
	"net/http"
	"time"
)

// graphql answers the bench's two GraphQL queries, recognised by their text: one hand-written
// endpoint per query, as persisted queries would be, with no GraphQL engine.
func (s *sameAnswer) graphql(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Query     string `json:"query"`
		Variables struct {
			ID    string `json:"id"`
			First *int   `json:"first"`
		} `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	switch req.Query {
	case gqlCustomer:
		s.gqlCustomer(w, r, req.Variables.ID)
	case gqlCustomers:
		first := 50
		if req.Variables.First != nil {
			first = *req.Variables.First
		}
		s.gqlCustomers(w, r, first)
	default:
		fail(w, http.StatusBadRequest, errBadRequest)
	}
}

func (s *sameAnswer) gqlCustomer(w http.ResponseWriter, r *http.Request, id string) {
	cu, status, err := s.readCustomer(r, id, false)
	if err != nil {
		fail(w, status, err)
		return
	}
	var out struct {
		Data struct {
			Customer struct {
				ID        string    `json:"id"`
				Email     string    `json:"email"`
				FirstName string    `json:"firstName"`
				LastName  string    `json:"lastName"`
				Status    string    `json:"status"`
				CreatedAt time.Time `json:"createdAt"`
			} `json:"customer"`
		} `json:"data"`
	}
	c := &out.Data.Customer
	c.ID, c.Email, c.FirstName, c.LastName, c.Status, c.CreatedAt = cu.ID, cu.Email, cu.FirstName, cu.LastName, cu.Status, cu.CreatedAt
	writeJSON(w, out) // Clientele's GraphQL transport writes as REST does
}

type gqlAddress struct {
	ID               string  `json:"id"`
	Street           rawJSON `json:"street"`
	City             string  `json:"city"`
	PostalCode       *string `json:"postalCode"`
	CountryCode      string  `json:"countryCode"`
	IsDefaultBilling bool    `json:"isDefaultBilling"`
}

type gqlNode struct {
	ID        string       `json:"id"`
	Email     string       `json:"email"`
	FirstName string       `json:"firstName"`
	LastName  string       `json:"lastName"`
	Status    string       `json:"status"`
	CreatedAt time.Time    `json:"createdAt"`
	Addresses []gqlAddress `json:"addresses"`
	Groups    []groupRef   `json:"groups"`
}

// gqlCustomers is the customers(first) page with addresses and groups: the token's check, the
// page with its address books, and the groups, as Clientele's list and its group loader.
func (s *sameAnswer) gqlCustomers(w http.ResponseWriter, r *http.Request, first int) {
	if first < 1 || first > 200 {
		fail(w, http.StatusBadRequest, errBadRequest)
		return
	}
	if status, err := s.checkAdmin(r, "customers:read"); err != nil {
		fail(w, status, err)
		return
	}
	page, more, err := s.customerPage(r.Context(), first, "")
	if err == nil {
		err = s.groupsOf(r.Context(), page, false)
	}
	if err != nil {
		fail(w, statusOf(err), err)
		return
	}
	var out struct {
		Data struct {
			Customers struct {
				Nodes    []gqlNode `json:"nodes"`
				PageInfo struct {
					HasNextPage bool    `json:"hasNextPage"`
					EndCursor   *string `json:"endCursor"`
				} `json:"pageInfo"`
			} `json:"customers"`
		} `json:"data"`
	}
	conn := &out.Data.Customers
	conn.Nodes = make([]gqlNode, len(page))
	for i, c := range page {
		n := gqlNode{ID: c.ID, Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, Status: c.Status, CreatedAt: c.CreatedAt,
			Addresses: make([]gqlAddress, len(c.Addresses)), Groups: c.Groups}
		for j, a := range c.Addresses {
			n.Addresses[j] = gqlAddress{ID: a.ID, Street: a.Street, City: a.City, PostalCode: a.PostalCode, CountryCode: a.CountryCode,
				IsDefaultBilling: a.IsDefaultBilling}
		}
		conn.Nodes[i] = n
	}
	conn.PageInfo.HasNextPage = more
	if len(page) > 0 {
		end := cursorOf(&page[len(page)-1])
		conn.PageInfo.EndCursor = &end
	}
	writeJSON(w, out) // Clientele's GraphQL transport writes as REST does
}
