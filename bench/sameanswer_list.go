package main

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// checkAdmin checks an admin's token in memory or in a statement of its own, as Clientele does
// before a list.
func (s *sameAnswer) checkAdmin(r *http.Request, permission string) (int, error) {
	claims, err := s.bearer(r, "admin")
	if err != nil {
		return http.StatusUnauthorized, err
	}
	check := s.checkToken(claims, true)
	if decided, err := check.vouched(permission); decided {
		if err != nil {
			return checkStatus(err), err
		}
		return http.StatusOK, nil
	}
	items, from, args := check.sql("t")
	s.stmts.Add(1)
	rows, err := s.db.QueryContext(r.Context(), "SELECT "+items+" FROM "+from+" WHERE t.id = ?", append(args, claims.Subject)...)
	if err != nil {
		return http.StatusInternalServerError, err
	}
	defer rows.Close()
	var checks []checkCols
	for rows.Next() {
		var ck checkCols
		if err := rows.Scan(ck.dest()...); err != nil {
			return http.StatusInternalServerError, err
		}
		checks = append(checks, ck)
	}
	if err := rows.Err(); err != nil {
		return http.StatusInternalServerError, err
	}
	if err := check.pass(checks, permission); err != nil {
		return checkStatus(err), err
	}
	return http.StatusOK, nil
}

// listCursor is the position after a customer in the default order (newest first), as
// Clientele writes it: base64url of {"s","v","i"}.
type listCursor struct {
	Sort  string `json:"s"`
	Value string `json:"v"`
	ID    string `json:"i"`
}

const defaultSort = "-createdAt"

func cursorOf(c *customerJSON) string {
	b, _ := json.Marshal(listCursor{Sort: defaultSort, Value: c.CreatedAt.UTC().Format(time.RFC3339Nano), ID: c.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

var errBadRequest = errors.New("a parameter the same-answer baseline does not take, or a bad one")

// customerPage is one page of customers, newest first, after cursor: the rows, whether there
// is a next page, and the customers' addresses and groups read in one statement each.
func (s *sameAnswer) customerPage(ctx context.Context, limit int, cursor string) ([]customerJSON, bool, error) {
	q, args := "SELECT "+sameCustomerCols+" FROM customers c", []any{}
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(cursor, "="))
		var cur listCursor
		if err != nil || json.Unmarshal(raw, &cur) != nil || cur.ID == "" || cur.Sort != defaultSort {
			return nil, false, errBadRequest
		}
		t, err := time.Parse(time.RFC3339Nano, cur.Value)
		if y := t.UTC().Year(); err != nil || y < 1 || y > 9999 {
			return nil, false, errBadRequest
		}
		q += " WHERE (created_at < ? OR (created_at = ? AND id < ?))"
		args = append(args, t, t, cur.ID)
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT " + strconv.Itoa(limit+1)
	s.stmts.Add(1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	page := make([]customerJSON, 0, limit+1)
	for rows.Next() {
		var cu customerRow
		if err := rows.Scan(cu.dest()...); err != nil {
			return nil, false, err
		}
		cu.ID = cu.id.String
		page = append(page, cu.customerJSON)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(page) > limit
	page = page[:min(len(page), limit)]
	if len(page) == 0 {
		return page, more, nil
	}
	byID := make(map[string]*customerJSON, len(page))
	in, ids := strings.TrimSuffix(strings.Repeat("?, ", len(page)), ", "), make([]any, len(page))
	for i := range page {
		byID[page[i].ID], ids[i] = &page[i], page[i].ID
	}
	if err := s.addressesOf(ctx, in, ids, byID); err != nil {
		return nil, false, err
	}
	now := time.Now()
	for i := range page {
		page[i].finish(now)
	}
	return page, more, s.groupsOf(ctx, in, ids, byID)
}

// addressesOf reads the address books of a page in one statement, each in creation order.
func (s *sameAnswer) addressesOf(ctx context.Context, in string, ids []any, byID map[string]*customerJSON) error {
	s.stmts.Add(1)
	rows, err := s.db.QueryContext(ctx, "SELECT "+sameAddressCols+" FROM addresses a WHERE a.customer_id IN ("+in+") ORDER BY a.customer_id, a.created_at, a.id", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a addressJSON
		var n nullAddress
		if err := rows.Scan(a.dest(&n)...); err != nil {
			return err
		}
		a.finish(&n, s.countries)
		cu := byID[a.owner]
		cu.Addresses = append(cu.Addresses, a)
	}
	return rows.Err()
}

// groupsOf reads the groups of a page in one statement, each customer's by name as Clientele
// orders them (in Go: sorting the join in SQL spills to disk).
func (s *sameAnswer) groupsOf(ctx context.Context, in string, ids []any, byID map[string]*customerJSON) error {
	s.stmts.Add(1)
	rows, err := s.db.QueryContext(ctx, "SELECT g.id, g.name, m.customer_id FROM customer_groups g JOIN customer_group_members m ON m.group_id = g.id "+
		"WHERE m.customer_id IN ("+in+")", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g groupRef
		var member string
		if err := rows.Scan(&g.ID, &g.Name, &member); err != nil {
			return err
		}
		cu := byID[member]
		cu.Groups = append(cu.Groups, g)
	}
	for _, cu := range byID {
		sortGroups(cu.Groups)
	}
	return rows.Err()
}

// noMemberships is the statement of Clientele's memberships of a page; the baseline refuses a
// page with a company member (see errInCompany).
func (s *sameAnswer) noMemberships(ctx context.Context, page []customerJSON) error {
	if len(page) == 0 {
		return nil
	}
	ids := make([]any, len(page))
	for i := range page {
		ids[i] = page[i].ID
	}
	s.stmts.Add(1)
	var one int
	err := s.db.QueryRowContext(ctx, "SELECT 1 FROM company_users WHERE customer_id IN ("+
		strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+") LIMIT 1", ids...).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err == nil:
		return errInCompany
	}
	return err
}

// listCustomers is REST listCustomers in the default order: limit, cursor and withTotal.
func (s *sameAnswer) listCustomers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		var err error
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 200 {
			fail(w, http.StatusBadRequest, errBadRequest)
			return
		}
	}
	for k := range q {
		if k != "limit" && k != "cursor" && k != "withTotal" {
			fail(w, http.StatusBadRequest, errBadRequest)
			return
		}
	}
	if status, err := s.checkAdmin(r, "customers:read"); err != nil {
		fail(w, status, err)
		return
	}
	var out struct {
		Items      []customerJSON `json:"items"`
		NextCursor *string        `json:"nextCursor"`
		TotalCount *int           `json:"totalCount,omitempty"`
	}
	ctx := r.Context()
	if q.Get("withTotal") == "true" {
		var n int
		s.stmts.Add(1)
		if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM customers").Scan(&n); err != nil {
			fail(w, http.StatusInternalServerError, err)
			return
		}
		out.TotalCount = &n
	}
	page, more, err := s.customerPage(ctx, limit, q.Get("cursor"))
	if err == nil {
		err = s.noMemberships(ctx, page)
	}
	if err != nil {
		fail(w, statusOf(err), err)
		return
	}
	out.Items = page
	if more {
		next := cursorOf(&page[len(page)-1])
		out.NextCursor = &next
	}
	writeJSON(w, out)
}

func statusOf(err error) int {
	switch err {
	case errBadRequest:
		return http.StatusBadRequest
	case errInCompany:
		return http.StatusNotImplemented
	}
	return http.StatusInternalServerError
}
