package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

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
	memberships, err := s.membershipsOf(ctx, ids, cs...)
	if err != nil {
		return nil, err
	}
	out := make([]CustomerView, len(cs))
	for i, c := range cs {
		out[i] = CustomerView{Customer: c, Addresses: books[c.ID], Groups: groupRefs(groups[c.ID]), Memberships: memberships[c.ID]}
	}
	return out, nil
}

func groupRefs(groups []models.CustomerGroup) []GroupRef {
	refs := make([]GroupRef, len(groups))
	for i, g := range groups {
		refs[i] = GroupRef{ID: g.ID, Name: g.Name}
	}
	return refs
}

// GetCustomer returns a customer by id (customers:read). The caller comes from ctx rather than
// as an argument because its token is checked in the statement that reads the customer.
func (s *Service) GetCustomer(ctx context.Context, id string) (models.Customer, error) {
	v, err := s.readCustomer(ctx, id, false)
	return v.Customer, err
}

// GetCustomerView is GetCustomer with what the customer's representation embeds, read in the
// same statement (and, for a member of a company, its memberships in two or three more).
func (s *Service) GetCustomerView(ctx context.Context, id string) (CustomerView, error) {
	return s.readCustomer(ctx, id, true)
}

// MeView returns the calling customer with what its representation embeds: one statement
// with the check of its token.
func (s *Service) MeView(ctx context.Context) (CustomerView, error) {
	return s.readCustomer(ctx, "", true)
}

// readCustomer reads customer id, or the calling customer when id is empty, with its lists
// when withLists. A token not checked yet is checked in memory when the revocation memory can
// vouch for it, and the statement reads only the customer tables; otherwise in the same
// statement. The data is looked at only once the check has passed and the caller is allowed.
func (s *Service) readCustomer(ctx context.Context, id string, withLists bool) (CustomerView, error) {
	self := id == ""
	allow := func(p auth.Principal) error { return requireAdmin(p, PermCustomersRead) }
	if self {
		allow = requireCustomer
	}
	items, join := "c.*", ""
	if withLists {
		items, join = items+", "+s.customerListsSQL.items, s.customerListsSQL.join
	}
	var query string
	var args []any
	var actor auth.Principal
	var ticket uint64
	pending, kind, claims, unchecked := auth.Unchecked(ctx)
	// The check folds into the read when the token is of the kind the operation needs and
	// memory cannot vouch for it.
	folded := unchecked && (kind == auth.Admin && !self || kind == auth.Customer && self)
	if folded {
		var decided bool
		var p auth.Principal
		var err error
		if ticket, decided, p, err = s.vouch(kind, claims); decided {
			pending.Settle(p, err)
			folded = false
		}
	}
	switch {
	case folded && !self:
		check, from := callerCheckSQL(kind, "t")
		query = "SELECT " + check + ", " + items + " FROM " + from + " LEFT JOIN customers c ON c.id = ?" + join + " WHERE t.id = ?"
		args = []any{claims.ID, claims.Session, id, claims.Subject}
	case folded:
		check, from := callerCheckSQL(kind, "c")
		query = "SELECT " + check + ", " + items + " FROM " + from + join + " WHERE c.id = ?"
		args = []any{claims.ID, claims.Session, claims.Subject}
	default:
		actor = auth.From(ctx)
		if err := allow(actor); err != nil {
			return CustomerView{}, err
		}
		if self {
			id = actor.ID
		}
		query, args = "SELECT "+items+" FROM customers c"+join+" WHERE c.id = ?", []any{id}
	}
	rows, err := s.checkedRows(ctx, query, args...)
	if err != nil {
		return CustomerView{}, dbErr(err, "", "")
	}
	if folded {
		actor = pending.Settle(s.checkedPrincipal(kind, claims, rows, ticket))
	}
	if err := allow(actor); err != nil {
		return CustomerView{}, err
	}
	if len(rows) == 0 || rows[0].Customer.ID == "" {
		if self { // deleted on an instance whose change memory has not read yet
			return CustomerView{}, errBadToken
		}
		return CustomerView{}, dbErr(gorm.ErrRecordNotFound, "Customer", "")
	}
	v := CustomerView{Customer: rows[0].Customer}
	if !withLists {
		return v, nil
	}
	return v, s.readLists(ctx, &v, rows)
}

// customerLists is what a customer's representation embeds, read in the customer's own
// statement: one row per address (addresses are joined), the groups as a count and
// "id:length:name" entries (parseGroupRefs) and whether the customer belongs to any company (rare; the
// memberships are then read apart). MariaDB's JSON aggregates, and HEX in a
// GROUP_CONCAT, cost several plain reads each (a temporary table on disk per row); a join and
// a GROUP_CONCAT of plain strings cost little.
type customerLists struct {
	Address   models.Address `gorm:"embedded;embeddedPrefix:address_"`
	GroupRefs *string
	InCompany bool
}

// readLists sets v's lists from the rows of its statement.
func (s *Service) readLists(ctx context.Context, v *CustomerView, rows []checkedRow) error {
	v.Addresses, v.Groups, v.Memberships = []models.Address{}, []GroupRef{}, []CompanyUserView{}
	for _, r := range rows {
		a := r.Lists.Address
		// An admin with several roles reads each address once per role.
		if a.ID != "" && !slices.ContainsFunc(v.Addresses, func(b models.Address) bool { return b.ID == a.ID }) {
			v.Addresses = append(v.Addresses, a)
		}
	}
	slices.SortFunc(v.Addresses, func(a, b models.Address) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	if refs := rows[0].Lists.GroupRefs; refs != nil {
		groups, err := parseGroupRefs(*refs)
		if err == nil {
			// In GroupsOf's order: a group's NameKey is its lower-cased name.
			slices.SortFunc(groups, func(a, b GroupRef) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
		} else {
			// MySQL cuts a GROUP_CONCAT at group_concat_max_len with only a warning; the
			// connection sets it high, but a URL or a proxy may not. Read the groups apart.
			s.log.WarnContext(ctx, "a customer's group list came back cut short; raise group_concat_max_len", "error", err)
			byCustomer, err := s.GroupsOf(ctx, []string{v.ID})
			if err != nil {
				return err
			}
			groups = groupRefs(byCustomer[v.ID])
		}
		v.Groups = groups
	}
	if rows[0].Lists.InCompany {
		memberships, err := s.membershipsOf(ctx, []string{v.ID}, v.Customer)
		if err != nil {
			return err
		}
		v.Memberships = memberships[v.ID]
	}
	return nil
}

// parseGroupRefs reads "count/" and then count "id:length:name" entries written one after
// another. The length, in bytes, lets a name hold any character, separators included; the
// count tells a list cut short, even at an entry's end.
func parseGroupRefs(refs string) ([]GroupRef, error) {
	count, refs, found := strings.Cut(refs, "/")
	want, err := strconv.Atoi(count)
	if !found || err != nil {
		return nil, fmt.Errorf("malformed group list %q", count)
	}
	out := []GroupRef{}
	for refs != "" {
		id, rest, found := strings.Cut(refs, ":")
		length, rest, found2 := strings.Cut(rest, ":")
		n, err := strconv.Atoi(length)
		if !found || !found2 || err != nil || n < 0 || n > len(rest) {
			return nil, fmt.Errorf("malformed group list after %d entries", len(out))
		}
		out = append(out, GroupRef{ID: id, Name: rest[:n]})
		refs = rest[n:]
	}
	if len(out) != want {
		return nil, fmt.Errorf("group list holds %d of %d entries", len(out), want)
	}
	return out, nil
}

// listsSQL is the SQL that reads into customerLists for customer c of a statement: select-list
// items, and a join to put after the FROM clause that names c.
type listsSQL struct{ items, join string }

// customerListsSQL builds listsSQL for a dialect. The address columns are named after the
// model's GORM schema, with customerLists' prefix.
func customerListsSQL(dialect string, naming schema.Namer) listsSQL {
	groupRef := "CONCAT(COUNT(*), '/', GROUP_CONCAT(g.id, ':', LENGTH(g.name), ':', g.name SEPARATOR ''))"
	if dialect == db.SQLite {
		groupRef = "count(*) || '/' || group_concat(g.id || ':' || length(CAST(g.name AS BLOB)) || ':' || g.name, '')"
	}
	address, err := schema.Parse(&models.Address{}, &sync.Map{}, naming)
	if err != nil {
		panic(err) // a model that does not parse fails every test
	}
	var items []string
	for _, f := range address.DBNames {
		items = append(items, "a."+f+" AS address_"+f)
	}
	items = append(items,
		"(SELECT "+groupRef+" FROM customer_group_members m JOIN customer_groups g ON g.id = m.group_id WHERE m.customer_id = c.id) AS group_refs",
		"EXISTS (SELECT 1 FROM company_users u WHERE u.customer_id = c.id) AS in_company")
	return listsSQL{items: strings.Join(items, ", "), join: " LEFT JOIN addresses a ON a.customer_id = c.id"}
}
