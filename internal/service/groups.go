package service

import (
	"context"
	"errors"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/models"
)

// Permissions of admin operations on customer groups.
const (
	PermGroupsRead  = "groups:read"
	PermGroupsWrite = "groups:write"
)

// GroupInput creates a group.
type GroupInput struct {
	Name        string
	Description *string
	Metadata    map[string]any
}

// Membership changes a group's customers: Set replaces them (SetGiven distinguishes an empty
// set from none); Connect and Disconnect add and remove.
type Membership struct {
	Connect    []string
	Disconnect []string
	Set        []string
	SetGiven   bool
}

// GroupPatch is a merge patch of a group.
type GroupPatch struct {
	Name            *string
	Description     Clearable[string]
	Metadata        *map[string]any
	Customers       *Membership
	ExpectedVersion *int
}

var errGroupNameTaken = &apperr.Error{Kind: apperr.Conflict, Message: "A customer group with the same name already exists.",
	Fields: []apperr.FieldError{{Field: "name", Message: "A customer group with the same name already exists."}}}

// ListCustomerGroups returns groups by name (case-insensitively), keyset-paginated.
func (s *Service) ListCustomerGroups(ctx context.Context, actor auth.Principal, args PageArgs) (Page[models.CustomerGroup], error) {
	if err := requireAdmin(actor, PermGroupsRead); err != nil {
		return Page[models.CustomerGroup]{}, err
	}
	return keysetByName(ctx, s, args, "customer_groups", s.db.Conn(ctx).Table("customer_groups"), "name_key", nil,
		func(g models.CustomerGroup) (string, string) { return g.NameKey, g.ID })
}

// GroupCustomerCounts counts the members of several groups in one statement. It is for
// callers that already authorized reading those groups.
func (s *Service) GroupCustomerCounts(ctx context.Context, groupIDs []string) (map[string]int, error) {
	var rows []struct {
		GroupID string
		N       int
	}
	err := s.db.Conn(ctx).Model(&models.CustomerGroupMember{}).Select("group_id, COUNT(*) AS n").
		Where("group_id IN ?", groupIDs).Group("group_id").Scan(&rows).Error
	if err != nil {
		return nil, dbErr(err, "", "")
	}
	out := make(map[string]int, len(groupIDs))
	for _, id := range groupIDs {
		out[id] = 0
	}
	for _, r := range rows {
		out[r.GroupID] = r.N
	}
	return out, nil
}

// GroupsOf returns the groups of several customers in one statement. It is for callers that
// already authorized reading those customers.
func (s *Service) GroupsOf(ctx context.Context, customerIDs []string) (map[string][]models.CustomerGroup, error) {
	out := make(map[string][]models.CustomerGroup, len(customerIDs))
	for _, id := range customerIDs {
		out[id] = []models.CustomerGroup{}
	}
	rows, err := s.db.Conn(ctx).Raw("SELECT m.customer_id, "+s.lists.group.list("g", "")+
		" FROM customer_groups g JOIN customer_group_members m ON m.group_id = g.id WHERE m.customer_id IN ?", customerIDs).Rows()
	if err != nil {
		return nil, dbErr(err, "", "")
	}
	var member string
	var g models.CustomerGroup
	err = eachRow(rows, s.lists.group.dests([]any{&member}, &g), func() { g = models.CustomerGroup{} }, func() { out[member] = append(out[member], g) })
	if err != nil {
		return nil, dbErr(err, "", "")
	}
	// Sorted here: a customer has few groups, and sorting the join in SQL spills to disk.
	for _, gs := range out {
		slices.SortFunc(gs, func(a, b models.CustomerGroup) int { return strings.Compare(a.NameKey, b.NameKey) })
	}
	return out, nil
}

// GetCustomerGroup returns one group.
func (s *Service) GetCustomerGroup(ctx context.Context, actor auth.Principal, id string) (models.CustomerGroup, error) {
	if err := requireAdmin(actor, PermGroupsRead); err != nil {
		return models.CustomerGroup{}, err
	}
	var g models.CustomerGroup
	err := s.db.Conn(ctx).Where("id = ?", id).Take(&g).Error
	return g, dbErr(err, "Customer group", "")
}

// CreateCustomerGroup creates a group; names are unique case-insensitively.
func (s *Service) CreateCustomerGroup(ctx context.Context, actor auth.Principal, in GroupInput) (models.CustomerGroup, error) {
	if err := requireAdmin(actor, PermGroupsWrite); err != nil {
		return models.CustomerGroup{}, err
	}
	now := s.now()
	g := models.CustomerGroup{ID: newID(), Name: strings.TrimSpace(in.Name), Description: trimmed(in.Description),
		Metadata: models.JSONObject(in.Metadata), Version: 1, CreatedAt: now, UpdatedAt: now}
	if g.Metadata == nil {
		g.Metadata = models.JSONObject{}
	}
	g.NameKey = strings.ToLower(g.Name)
	var f apperr.Fields
	checkGroup(&f, &g)
	if err := f.Err(); err != nil {
		return models.CustomerGroup{}, err
	}
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.db.Conn(ctx).Create(&g).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return errGroupNameTaken
			}
			return dbErr(err, "", "")
		}
		return s.audit(ctx, actor, "customer_group.created", "customer_group", g.ID, diff(nil, groupSnapshot(&g)))
	})
	return g, err
}

func checkGroup(f *apperr.Fields, g *models.CustomerGroup) {
	checkRequired(f, "name", "Name", g.Name, 255)
	checkOptional(f, "description", "Description", g.Description, 1024)
	checkMetadata(f, "metadata", g.Metadata)
}

func groupSnapshot(g *models.CustomerGroup) map[string]any {
	return map[string]any{"name": g.Name, "description": g.Description, "metadata": map[string]any(g.Metadata)}
}

// UpdateCustomerGroup patches a group and changes its membership in one transaction.
func (s *Service) UpdateCustomerGroup(ctx context.Context, actor auth.Principal, id string, p GroupPatch) (models.CustomerGroup, error) {
	if err := requireAdmin(actor, PermGroupsWrite); err != nil {
		return models.CustomerGroup{}, err
	}
	var out models.CustomerGroup
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		conn := s.db.Conn(ctx)
		var before models.CustomerGroup
		if err := conn.Where("id = ?", id).Take(&before).Error; err != nil {
			return dbErr(err, "Customer group", "")
		}
		if err := checkVersion(p.ExpectedVersion, before.Version); err != nil {
			return err
		}
		g := before
		if p.Name != nil {
			g.Name = strings.TrimSpace(*p.Name)
			g.NameKey = strings.ToLower(g.Name)
		}
		if p.Description.Set {
			g.Description = trimmed(p.Description.Value)
		}
		if p.Metadata != nil {
			g.Metadata = models.JSONObject(*p.Metadata)
			if g.Metadata == nil {
				g.Metadata = models.JSONObject{}
			}
		}
		var f apperr.Fields
		checkGroup(&f, &g)
		if p.Customers != nil {
			if err := s.checkMembership(ctx, &f, *p.Customers); err != nil {
				return err
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		changes := diff(groupSnapshot(&before), groupSnapshot(&g))
		if p.Customers != nil {
			change, err := s.changeMembership(ctx, id, *p.Customers)
			if err != nil {
				return err
			}
			if change != nil {
				changes["customers"] = *change
			}
		}
		if len(changes) > 0 {
			g.Version, g.UpdatedAt = before.Version+1, s.now()
			if err := s.updateVersioned(ctx, &g, id, before.Version, p.ExpectedVersion, taken(errGroupNameTaken)); err != nil {
				return err
			}
			if err := s.audit(ctx, actor, "customer_group.updated", "customer_group", id, changes); err != nil {
				return err
			}
		}
		out = g
		return nil
	})
	return out, err
}

// checkMembership validates a membership change: set excludes connect/disconnect, every id
// names a customer.
func (s *Service) checkMembership(ctx context.Context, f *apperr.Fields, m Membership) error {
	if m.SetGiven && (len(m.Connect) > 0 || len(m.Disconnect) > 0) {
		f.Add("customers.set", "set replaces the membership and cannot be combined with connect or disconnect.")
		return nil
	}
	for _, list := range []struct {
		name string
		ids  []string
	}{{"connect", m.Connect}, {"disconnect", m.Disconnect}, {"set", m.Set}} {
		if len(list.ids) > MaxBatch {
			f.Add("customers."+list.name, "At most "+itoa(MaxBatch)+" ids at a time.")
			continue
		}
		if err := s.checkIDsExist(ctx, f, &models.Customer{}, "customers."+list.name, "customer", list.ids); err != nil {
			return err
		}
	}
	return nil
}

// changeMembership applies m to group id and reports the change for the audit trail (nil
// when nothing changed).
func (s *Service) changeMembership(ctx context.Context, groupID string, m Membership) (*Change, error) {
	conn := s.db.Conn(ctx)
	var before []string
	if err := conn.Model(&models.CustomerGroupMember{}).Where("group_id = ?", groupID).Order("customer_id").Pluck("customer_id", &before).Error; err != nil {
		return nil, dbErr(err, "", "")
	}
	remove, add := m.Disconnect, m.Connect
	if m.SetGiven {
		remove, add = before, m.Set
	}
	if len(remove) > 0 {
		if err := conn.Where("group_id = ? AND customer_id IN ?", groupID, remove).Delete(&models.CustomerGroupMember{}).Error; err != nil {
			return nil, dbErr(err, "", "")
		}
	}
	if err := s.addMembers(ctx, groupID, add); err != nil {
		return nil, err
	}
	var after []string
	if err := conn.Model(&models.CustomerGroupMember{}).Where("group_id = ?", groupID).Order("customer_id").Pluck("customer_id", &after).Error; err != nil {
		return nil, dbErr(err, "", "")
	}
	if strings.Join(before, ",") == strings.Join(after, ",") {
		return nil, nil
	}
	return &Change{From: before, To: after}, nil
}

// addMembers puts customers into a group, skipping those already in it.
func (s *Service) addMembers(ctx context.Context, groupID string, customerIDs []string) error {
	if len(customerIDs) == 0 {
		return nil
	}
	conn := s.db.Conn(ctx)
	var present []string
	if err := conn.Model(&models.CustomerGroupMember{}).Where("group_id = ? AND customer_id IN ?", groupID, customerIDs).Pluck("customer_id", &present).Error; err != nil {
		return dbErr(err, "", "")
	}
	skip := map[string]bool{}
	for _, id := range present {
		skip[id] = true
	}
	var rows []models.CustomerGroupMember
	for _, id := range customerIDs {
		if !skip[id] {
			skip[id] = true
			rows = append(rows, models.CustomerGroupMember{GroupID: groupID, CustomerID: id, CreatedAt: s.now()})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return dbErr(conn.Create(&rows).Error, "", "")
}

// DeleteCustomerGroup deletes a group and its memberships; the seeded groups stay.
func (s *Service) DeleteCustomerGroup(ctx context.Context, actor auth.Principal, id string, expectedVersion *int) error {
	if err := requireAdmin(actor, PermGroupsWrite); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		var g models.CustomerGroup
		if err := s.db.Conn(ctx).Where("id = ?", id).Take(&g).Error; err != nil {
			return dbErr(err, "Customer group", "")
		}
		if err := checkVersion(expectedVersion, g.Version); err != nil {
			return err
		}
		if g.IsSystem {
			return apperr.New(apperr.Conflict, "The seeded group %s cannot be deleted.", g.Name)
		}
		if err := s.db.Conn(ctx).Delete(&models.CustomerGroup{}, "id = ?", id).Error; err != nil {
			return dbErr(err, "", "")
		}
		return s.audit(ctx, actor, "customer_group.deleted", "customer_group", id, diff(groupSnapshot(&g), nil))
	})
}

// setCustomerGroups replaces a customer's groups (nil: join General) and returns the change.
func (s *Service) setCustomerGroups(ctx context.Context, customerID string, groupIDs []string, isNew bool) (*Change, error) {
	if groupIDs == nil {
		groupIDs = []string{db.GroupGeneral}
	}
	conn := s.db.Conn(ctx)
	var before []string
	if !isNew {
		if err := conn.Model(&models.CustomerGroupMember{}).Where("customer_id = ?", customerID).Order("group_id").Pluck("group_id", &before).Error; err != nil {
			return nil, dbErr(err, "", "")
		}
		if err := conn.Where("customer_id = ?", customerID).Delete(&models.CustomerGroupMember{}).Error; err != nil {
			return nil, dbErr(err, "", "")
		}
	}
	seen := map[string]bool{}
	var rows []models.CustomerGroupMember
	var after []string
	for _, g := range groupIDs {
		if !seen[g] {
			seen[g] = true
			after = append(after, g)
			rows = append(rows, models.CustomerGroupMember{GroupID: g, CustomerID: customerID, CreatedAt: s.now()})
		}
	}
	if len(rows) > 0 {
		if err := conn.Create(&rows).Error; err != nil {
			return nil, dbErr(err, "", "")
		}
	}
	return &Change{From: before, To: after}, nil
}

// checkGroupIDs reports the given group ids that do not exist.
func (s *Service) checkGroupIDs(ctx context.Context, f *apperr.Fields, ids []string) error {
	if len(ids) > maxGroupsPerCustomer {
		f.Add("groupIds", "At most "+itoa(maxGroupsPerCustomer)+" groups.")
		return nil
	}
	return s.checkIDsExist(ctx, f, &models.CustomerGroup{}, "groupIds", "customer group", ids)
}

// checkIDsExist adds a field error `field[i]` for each of ids that names no row of model.
func (s *Service) checkIDsExist(ctx context.Context, f *apperr.Fields, model any, field, what string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	var found []string
	if err := s.db.Conn(ctx).Model(model).Where("id IN ?", ids).Pluck("id", &found).Error; err != nil {
		return dbErr(err, "", "")
	}
	known := map[string]bool{}
	for _, id := range found {
		known[id] = true
	}
	for i, id := range ids {
		if !known[id] {
			f.Add(field+"["+itoa(i)+"]", "No "+what+" with id "+id+".")
		}
	}
	return nil
}

const maxGroupsPerCustomer = 50
