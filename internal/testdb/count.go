package testdb

import (
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/db"
)

// Counter counts the SQL statements GORM runs on a database.
type Counter struct{ n atomic.Int64 }

// N is the number of statements counted since the last Reset.
func (c *Counter) N() int64 { return c.n.Load() }

// Reset starts counting again from zero.
func (c *Counter) Reset() { c.n.Store(0) }

// CountStatements registers callbacks that count every statement run through d.
func CountStatements(t testing.TB, d *db.DB) *Counter {
	t.Helper()
	c := &Counter{}
	inc := func(*gorm.DB) { c.n.Add(1) }
	cb := d.Gorm().Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register("testdb:count", inc),
		cb.Query().After("gorm:query").Register("testdb:count", inc),
		cb.Update().After("gorm:update").Register("testdb:count", inc),
		cb.Delete().After("gorm:delete").Register("testdb:count", inc),
		cb.Row().After("gorm:row").Register("testdb:count", inc),
		cb.Raw().After("gorm:raw").Register("testdb:count", inc),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return c
}
