package service

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/models"
)

// Page bounds of every list.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// PageArgs asks for one page of a list.
type PageArgs struct {
	Limit     int    // 0: DefaultPageSize
	Cursor    string // empty: the first page
	WithTotal bool
}

// NewPageArgs reads a list request as both APIs receive it: limit nil for the default page
// size (an explicit 0 is out of bounds, like any size outside 1–200), the cursor if any, and
// whether to count.
func NewPageArgs(limit *int, cursor *string, withTotal bool) PageArgs {
	a := PageArgs{WithTotal: withTotal}
	if limit != nil {
		a.Limit = *limit
		if a.Limit == 0 {
			a.Limit = -1 // not "the default"
		}
	}
	if cursor != nil {
		a.Cursor = *cursor
	}
	return a
}

// Page is one page of a list. Total is set only when asked for.
type Page[T any] struct {
	Items      []T
	NextCursor string // empty on the last page
	Total      *int
	// Cursor is the cursor of Items[i], for GraphQL edges. It is computed when asked for:
	// most pages are read for their items alone.
	Cursor func(i int) string
}

// cursor is the position after an item: the sort key's value and the id breaking ties.
type cursor struct {
	Sort  string `json:"s"`
	Value string `json:"v"`
	ID    string `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, sort string) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, errBadCursor
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.ID == "" || c.Sort != sort {
		return nil, errBadCursor
	}
	return &c, nil
}

// errBadCursor is the answer to any cursor this list did not hand out.
var errBadCursor = apperr.New(apperr.BadRequest, "The cursor is not valid for this list; start again from the first page.")

// timeValue is the cursor's value as a time. Years outside 1–9999 in UTC are refused: no
// stored time has them, and MySQL's driver cannot send them.
func (c *cursor) timeValue() (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, c.Value)
	if y := t.UTC().Year(); err != nil || y < 1 || y > 9999 {
		return time.Time{}, errBadCursor
	}
	return t, nil
}

func (a PageArgs) limit() (int, error) {
	switch {
	case a.Limit == 0:
		return DefaultPageSize, nil
	case a.Limit < 1 || a.Limit > MaxPageSize:
		return 0, apperr.New(apperr.BadRequest, "The page size must be between 1 and %d.", MaxPageSize)
	}
	return a.Limit, nil
}

// newestFirst pages the rows q selects, newest first by a time column, id breaking ties.
// at reads that column and the id from a row.
func newestFirst[T any](q *gorm.DB, args PageArgs, column, sort string, at func(*T) (time.Time, string)) (Page[T], error) {
	return byTime(q, args, column, "id", sort, "DESC", at)
}

// byTime pages the rows q selects by a time column, idColumn breaking ties, in direction
// (ASC or DESC).
func byTime[T any](q *gorm.DB, args PageArgs, column, idColumn, sort, direction string, at func(*T) (time.Time, string)) (Page[T], error) {
	var page Page[T]
	limit, err := args.limit()
	if err != nil {
		return page, err
	}
	after, err := decodeCursor(args.Cursor, sort)
	if err != nil {
		return page, err
	}
	if args.WithTotal {
		var n int64
		if err := q.Session(&gorm.Session{}).Count(&n).Error; err != nil {
			return page, dbErr(err, "", "")
		}
		page.Total = ptr(int(n))
	}
	if after != nil {
		t, err := after.timeValue()
		if err != nil {
			return page, err
		}
		beyond := map[string]string{"ASC": " > ", "DESC": " < "}[direction]
		q = q.Where("("+column+beyond+"? OR ("+column+" = ? AND "+idColumn+beyond+"?))", t, t, after.ID)
	}
	var rows []T
	if err := q.Order(column + " " + direction + ", " + idColumn + " " + direction).Limit(limit + 1).Find(&rows).Error; err != nil {
		return page, dbErr(err, "", "")
	}
	cursorOf := func(row *T) string {
		t, id := at(row)
		return encodeCursor(cursor{Sort: sort, Value: t.UTC().Format(time.RFC3339Nano), ID: id})
	}
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = cursorOf(&rows[limit-1])
	}
	page.Items = rows
	page.Cursor = func(i int) string { return cursorOf(&rows[i]) }
	return page, nil
}

// listSQL is what the customer lists and reads scan by hand rather than with GORM's Scan,
// which cost more than the statements' round trips (bench/RESULTS.md).
type listSQL struct {
	customer, address, group columns
	checked                  map[string][]int // the fields of a checkedRow by column
}

func newListSQL(naming schema.Namer) listSQL {
	return listSQL{
		customer: columnsOf(&models.Customer{}, naming),
		address:  columnsOf(&models.Address{}, naming),
		group:    columnsOf(&models.CustomerGroup{}, naming),
		checked:  columnsOf(&checkedRow{}, naming).byName(),
	}
}

// searchArgs are the LIKE patterns of a search, one for each of searchedColumns: search,
// trimmed, is a prefix of the email, the first name or the last name, case-insensitively. Each column has an index that
// serves a prefix LIKE (migration 14): on MySQL the columns' utf8mb4_unicode_ci collation
// ignores case (and accents), and on SQLite LIKE ignores the case of ASCII letters and the
// indexes are COLLATE NOCASE. Emails are stored lower-cased, so the search is too.
func searchArgs(search string) []any {
	prefix := escapeLike(strings.ToLower(search)) + "%"
	return []any{prefix, prefix, prefix}
}

// columns are a GORM model's columns, in its schema's order, with the index of the field each
// one fills.
type columns struct {
	names []string
	index [][]int
}

func columnsOf(model any, naming schema.Namer) columns {
	s, err := schema.Parse(model, &sync.Map{}, naming)
	if err != nil {
		panic(err) // a model that does not parse fails every test
	}
	var c columns
	for _, f := range s.Fields {
		if f.DBName != "" {
			c.names = append(c.names, f.DBName)
			c.index = append(c.index, f.StructField.Index)
		}
	}
	return c
}

// byName maps each column to the index of the field it fills.
func (c columns) byName() map[string][]int {
	m := make(map[string][]int, len(c.names))
	for i, n := range c.names {
		m[n] = c.index[i]
	}
	return m
}

// list is the select list of the columns of table alias, each named prefix+column.
func (c columns) list(alias, prefix string) string {
	items := make([]string, len(c.names))
	for i, n := range c.names {
		items[i] = alias + "." + n
		if prefix != "" {
			items[i] += " AS " + prefix + n
		}
	}
	return strings.Join(items, ", ")
}

// dests appends to dst pointers to the fields of *model (a pointer to the model), in the
// columns' order.
func (c columns) dests(dst []any, model any) []any {
	v := reflect.ValueOf(model).Elem()
	for _, ix := range c.index {
		dst = append(dst, v.FieldByIndex(ix).Addr().Interface())
	}
	return dst
}

// nullableDests is dests for a model read through a LEFT JOIN: a NULL leaves the field zero.
func (c columns) nullableDests(dst []any, model any) []any {
	for _, d := range c.dests(nil, model) {
		dst = append(dst, orZeroDest(d))
	}
	return dst
}

// orZeroDest is the scan destination d (a pointer to a field) that NULL leaves zero.
func orZeroDest(d any) any {
	switch d := d.(type) {
	case *string:
		return orZero[string]{d}
	case *int:
		return orZero[int]{d}
	case *bool:
		return orZero[bool]{d}
	case *time.Time:
		return orZero[time.Time]{d}
	default: // pointers and scanners take NULL themselves
		return d
	}
}

// scanRows reads every row of rows into a T, each column into the field that fields (from
// columns.byName) names for it, as GORM's Scan does without its reflection on every value;
// a NULL leaves the field zero and a column without a field is dropped. It closes rows.
func scanRows[T any](rows *sql.Rows, fields map[string][]int) ([]T, error) {
	names, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, err
	}
	var row T
	v := reflect.ValueOf(&row).Elem()
	dests := make([]any, len(names))
	for i, n := range names {
		if ix, ok := fields[n]; ok {
			dests[i] = orZeroDest(v.FieldByIndex(ix).Addr().Interface())
		} else {
			dests[i] = new(any)
		}
	}
	var out []T
	err = eachRow(rows, dests, func() { row = *new(T) }, func() { out = append(out, row) })
	return out, err
}

// orZero scans a nullable column into a field that cannot be nil.
type orZero[T any] struct{ dst *T }

func (o orZero[T]) Scan(src any) error {
	var n sql.Null[T]
	err := n.Scan(src)
	*o.dst = n.V
	return err
}

// eachRow scans every row of rows into dests: reset runs before each row, and row after it.
// It closes rows.
func eachRow(rows *sql.Rows, dests []any, reset, row func()) error {
	defer rows.Close()
	for rows.Next() {
		reset()
		if err := rows.Scan(dests...); err != nil {
			return err
		}
		row()
	}
	return rows.Err()
}
