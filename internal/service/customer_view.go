package service

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/models"
)

// CustomerView is a customer with the lists its REST representation embeds (SPEC §2): its
// address book, its groups and its company memberships.
type CustomerView struct {
	models.Customer
	Addresses   []models.Address
	Groups      []GroupRef
	Memberships []CompanyUserView
}

// GroupRef names a group a customer belongs to.
type GroupRef struct {
	ID   string
	Name string
}

// CustomerViews adds to customers the caller may already read what their representation
// embeds, in constant statements whatever the number of customers.
func (s *Service) CustomerViews(ctx context.Context, cs []models.Customer) ([]CustomerView, error) {
	ids := make([]string, len(cs))
	for i := range cs {
		ids[i] = cs[i].ID
	}
	books, err := s.AddressesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	groups, err := s.GroupsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	memberships, err := s.MembershipsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]CustomerView, len(cs))
	for i, c := range cs {
		refs := make([]GroupRef, len(groups[c.ID]))
		for j, g := range groups[c.ID] {
			refs[j] = GroupRef{ID: g.ID, Name: g.Name}
		}
		out[i] = CustomerView{Customer: c, Addresses: books[c.ID], Groups: refs, Memberships: memberships[c.ID]}
	}
	return out, nil
}

// GetCustomer returns a customer by id (customers:read). The caller comes from ctx rather than
// as an argument because its token is checked in the statement that reads the customer.
func (s *Service) GetCustomer(ctx context.Context, id string) (models.Customer, error) {
	v, err := s.readCustomer(ctx, id, false)
	return v.Customer, err
}

// GetCustomerView is GetCustomer with what the customer's representation embeds, read in the
// same statement (and, for a member of a company, the memberships in MembershipsOf's).
func (s *Service) GetCustomerView(ctx context.Context, id string) (CustomerView, error) {
	return s.readCustomer(ctx, id, true)
}

// MeView returns the calling customer with what its representation embeds: one statement
// with the check of its token.
func (s *Service) MeView(ctx context.Context) (CustomerView, error) {
	return s.readCustomer(ctx, "", true)
}

// readCustomer reads customer id, or the calling customer when id is empty, with its lists
// when withLists. A token not checked yet is checked in the same statement; the data is looked
// at only once the check has passed and the caller is allowed.
func (s *Service) readCustomer(ctx context.Context, id string, withLists bool) (CustomerView, error) {
	self := id == ""
	allow := func(p auth.Principal) error { return requireAdmin(p, PermCustomersRead) }
	if self {
		allow = requireCustomer
	}
	items := "c.*"
	if withLists {
		items += ", " + s.customerListsSQL
	}
	var rows []checkedRow
	read := func(query string, args ...any) error { return s.db.Conn(ctx).Raw(query, args...).Scan(&rows).Error }
	var actor auth.Principal
	pending, kind, claims, unchecked := auth.Unchecked(ctx)
	switch {
	case unchecked && kind == auth.Admin && !self:
		check, from := callerCheckSQL(kind, "t")
		if err := read("SELECT "+check+", "+items+" FROM "+from+" LEFT JOIN customers c ON c.id = ? WHERE t.id = ?",
			claims.ID, claims.Session, id, claims.Subject); err != nil {
			return CustomerView{}, dbErr(err, "", "")
		}
		actor = pending.Settle(checkedPrincipal(kind, claims, rows))
	case unchecked && kind == auth.Customer && self:
		check, from := callerCheckSQL(kind, "c")
		if err := read("SELECT "+check+", "+items+" FROM "+from+" WHERE c.id = ?", claims.ID, claims.Session, claims.Subject); err != nil {
			return CustomerView{}, dbErr(err, "", "")
		}
		actor = pending.Settle(checkedPrincipal(kind, claims, rows))
	default:
		actor = auth.From(ctx)
		if err := allow(actor); err != nil {
			return CustomerView{}, err
		}
		if self {
			id = actor.ID
		}
		if err := read("SELECT "+items+" FROM customers c WHERE c.id = ?", id); err != nil {
			return CustomerView{}, dbErr(err, "", "")
		}
	}
	if err := allow(actor); err != nil {
		return CustomerView{}, err
	}
	if len(rows) == 0 || rows[0].Customer.ID == "" {
		return CustomerView{}, dbErr(gorm.ErrRecordNotFound, "Customer", "")
	}
	v := CustomerView{Customer: rows[0].Customer}
	if !withLists {
		return v, nil
	}
	return v, s.decodeLists(ctx, &v, rows[0].Lists)
}

// customerLists is what a customer's representation embeds, read in the customer's own
// statement: the address book and the groups as JSON arrays, and whether the customer belongs
// to any company (rare; MembershipsOf then reads the memberships).
type customerLists struct {
	AddressesJSON []byte
	GroupsJSON    []byte
	InCompany     bool
}

func (s *Service) decodeLists(ctx context.Context, v *CustomerView, l customerLists) error {
	v.Addresses, v.Groups, v.Memberships = []models.Address{}, []GroupRef{}, []CompanyUserView{}
	var groups []struct{ ID, Name, NameKey string }
	if err := decodeJSONList(l.AddressesJSON, &v.Addresses); err != nil {
		return err
	}
	if err := decodeJSONList(l.GroupsJSON, &groups); err != nil {
		return err
	}
	// Sorted here as AddressesOf and GroupsOf sort them: MySQL's JSON_ARRAYAGG takes no ORDER BY.
	slices.SortFunc(v.Addresses, func(a, b models.Address) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	slices.SortFunc(groups, func(a, b struct{ ID, Name, NameKey string }) int { return strings.Compare(a.NameKey, b.NameKey) })
	for _, g := range groups {
		v.Groups = append(v.Groups, GroupRef{ID: g.ID, Name: g.Name})
	}
	if l.InCompany {
		memberships, err := s.MembershipsOf(ctx, []string{v.ID})
		if err != nil {
			return err
		}
		v.Memberships = memberships[v.ID]
	}
	return nil
}

// decodeJSONList decodes a JSON array aggregate; an aggregate of no rows is NULL on MySQL.
func decodeJSONList[T any](raw []byte, into *[]T) error {
	if len(raw) == 0 || raw[0] != '[' {
		return nil
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return apperr.Wrap(apperr.Internal, err, "An internal error occurred.")
	}
	return nil
}

// customerListsSQL builds the select-list items that read into customerLists for customer c of
// a statement. The JSON objects' keys are the
// models' Go field names, taken from their GORM schema, so encoding/json decodes them into the
// models; times are written as RFC 3339 and JSON columns embedded as JSON.
func customerListsSQL(dialect string, naming schema.Namer) string {
	object, array, embed, timestamp := "JSON_OBJECT", "JSON_ARRAYAGG", "JSON_EXTRACT(%s, '$')", "DATE_FORMAT(%s, '%%Y-%%m-%%dT%%H:%%i:%%s.%%fZ')"
	if dialect == db.SQLite {
		// SQLite keeps times as "2006-01-02 15:04:05.999999-07:00".
		object, array, embed, timestamp = "json_object", "json_group_array", "json(%s)", "replace(%s, ' ', 'T')"
	}
	address, err := schema.Parse(&models.Address{}, &sync.Map{}, naming)
	if err != nil {
		panic(err) // a model that does not parse fails every test
	}
	var pairs []string
	for _, f := range address.Fields {
		column := "a." + f.DBName
		switch f.FieldType {
		case reflect.TypeFor[time.Time](), reflect.TypeFor[*time.Time]():
			column = fmt.Sprintf(timestamp, column)
		case reflect.TypeFor[models.StringList]():
			column = fmt.Sprintf(embed, column)
		}
		pairs = append(pairs, "'"+f.Name+"', "+column)
	}
	return "(SELECT " + array + "(" + object + "(" + strings.Join(pairs, ", ") + ")) FROM addresses a WHERE a.customer_id = c.id) AS addresses_json, " +
		"(SELECT " + array + "(" + object + "('ID', g.id, 'Name', g.name, 'NameKey', g.name_key)) " +
		"FROM customer_group_members m JOIN customer_groups g ON g.id = m.group_id WHERE m.customer_id = c.id) AS groups_json, " +
		"EXISTS (SELECT 1 FROM company_users u WHERE u.customer_id = c.id) AS in_company"
}
