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

// customerPage is one page of customers, newest first, after cursor, with their address books,
// in one statement as Clientele's: the ids and sort keys of the page (and one row beyond,
// which tells there is a next page) from a narrow derived table, joined to the customers and
// their addresses, in the page's order. It returns the page and whether there is a next one.
func (s *sameAnswer) customerPage(ctx context.Context, limit int, cursor string) ([]customerJSON, bool, error) {
	where, args := "", []any{}
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
		where = " WHERE (c.created_at < ? OR (c.created_at = ? AND c.id < ?))"
		args = append(args, t, t, cur.ID)
	}
	s.stmts.Add(1)
	rows, err := s.db.QueryContext(ctx, "SELECT "+sameCustomerCols+", "+sameAddressCols+
		" FROM (SELECT c.id, c.created_at AS sort_key FROM customers c"+where+" ORDER BY c.created_at DESC, c.id DESC LIMIT ?) p"+
		" JOIN customers c ON c.id = p.id LEFT JOIN addresses a ON a.customer_id = c.id ORDER BY p.sort_key DESC, p.id DESC",
		append(args, limit+1)...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	page := make([]customerJSON, 0, limit+1)
	for rows.Next() {
		var cu customerRow
		var a addressJSON
		var n nullAddress
		if err := rows.Scan(append(cu.dest(), a.dest(&n)...)...); err != nil {
			return nil, false, err
		}
		if len(page) == 0 || page[len(page)-1].ID != cu.id.String {
			cu.ID = cu.id.String
			page = append(page, cu.customerJSON)
		}
		if a.finish(&n, s.countries) {
			last := &page[len(page)-1]
			last.Addresses = append(last.Addresses, a)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(page) > limit
	page = page[:min(len(page), limit)]
	now := time.Now()
	for i := range page {
		sortAddresses(page[i].Addresses)
		page[i].finish(now)
	}
	return page, more, nil
}

// pageIDs returns the placeholders and the ids of a page, and the page's customers by id.
func pageIDs(page []customerJSON) (string, []any, map[string]*customerJSON) {
	ids, byID := make([]any, len(page)), make(map[string]*customerJSON, len(page))
	for i := range page {
		ids[i], byID[page[i].ID] = page[i].ID, &page[i]
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(page)), ", "), ids, byID
}

// groupsOf reads the groups of a page in one statement, as Clientele's GraphQL group loader;
// with members, the same statement tells which customers of the page are company members, as
// Clientele's REST list does (a row without a group), and the baseline then refuses the page
// (see errInCompany) where Clientele reads their memberships. Each customer's groups are
// sorted by name in Go, as Clientele's (sorting the join in SQL spills to disk).
func (s *sameAnswer) groupsOf(ctx context.Context, page []customerJSON, members bool) error {
	if len(page) == 0 {
		return nil
	}
	in, ids, byID := pageIDs(page)
	q := "SELECT m.customer_id, g.id, g.name FROM customer_groups g JOIN customer_group_members m ON m.group_id = g.id WHERE m.customer_id IN (" + in + ")"
	if members {
		q += " UNION ALL SELECT u.customer_id, NULL, NULL FROM company_users u WHERE u.customer_id IN (" + in + ")"
		ids = append(ids, ids...)
	}
	s.stmts.Add(1)
	rows, err := s.db.QueryContext(ctx, q, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	inCompany := false
	for rows.Next() {
		var member string
		var id, name sql.NullString
		if err := rows.Scan(&member, &id, &name); err != nil {
			return err
		}
		if !id.Valid {
			inCompany = true
			continue
		}
		cu := byID[member]
		cu.Groups = append(cu.Groups, groupRef{ID: id.String, Name: name.String})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if inCompany {
		return errInCompany
	}
	for _, cu := range byID {
		sortGroups(cu.Groups)
	}
	return nil
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
		if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM customers c").Scan(&n); err != nil {
			fail(w, http.StatusInternalServerError, err)
			return
		}
		out.TotalCount = &n
	}
	page, more, err := s.customerPage(ctx, limit, q.Get("cursor"))
	if err == nil {
		err = s.groupsOf(ctx, page, true)
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
