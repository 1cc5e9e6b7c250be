package service

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/apperr"
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
	Cursors    []string // the cursor of each item, for GraphQL edges
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
	page.Cursors = make([]string, len(rows))
	for i := range rows {
		page.Cursors[i] = cursorOf(&rows[i])
	}
	return page, nil
}
