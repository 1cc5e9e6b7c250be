package db

import "slices"

// OnlyMigrationsThrough makes Migrate stop at version until restore is called, so a test can
// put data in an older schema and watch a later migration carry it over.
func OnlyMigrationsThrough(version int) (restore func()) {
	all := migrations
	migrations = slices.DeleteFunc(slices.Clone(all), func(m Migration) bool { return m.Version > version })
	return func() { migrations = all }
}
