// Package db opens Clientele's database (SQLite or MySQL/MariaDB) through GORM, carries
// transactions on the context, and runs the versioned migrations.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/clientele/clientele/internal/txretry"
)

// Dialects.
const (
	SQLite = "sqlite"
	MySQL  = "mysql"
)

// DB is the service's handle on the database.
type DB struct {
	gorm    *gorm.DB
	Dialect string
	url     string // as given to Open
	dbName  string // MySQL's database; set on a handle from withoutIOTimeouts
}

// Open connects to url: `sqlite:<path>` (`sqlite::memory:` for memory) or
// `mysql://user:pass@host:port/db?param=value`.
func Open(rawURL string) (*DB, error) {
	dialector, dialect, err := dialectorFor(rawURL)
	if err != nil {
		return nil, err
	}
	g, err := openGorm(dialector)
	if err != nil {
		return nil, err
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if dialect == SQLite {
		// SQLite allows one writer; one connection turns lock contention into queueing
		// (and is the only way an in-memory database is shared).
		sqlDB.SetMaxOpenConns(1)
	} else {
		sqlDB.SetMaxOpenConns(50)
		sqlDB.SetMaxIdleConns(50)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
	}
	return &DB{gorm: g, Dialect: dialect, url: rawURL}, nil
}

func openGorm(dialector gorm.Dialector) (*gorm.DB, error) {
	g, err := gorm.Open(dialector, &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard,
		NowFunc:                Now,
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return g, nil
}

// withoutIOTimeouts opens a second, one-connection handle on the same MySQL database whose
// statements may wait on the server longer than the pool's readTimeout lets a request's: a
// migration waits up to minutes for another instance's lock, and builds indexes on large
// tables. The dial timeout stays. Close it after use.
func (d *DB) withoutIOTimeouts() (*DB, error) {
	dsn, err := MySQLDSN(d.url)
	if err != nil {
		return nil, err
	}
	cfg, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	cfg.ReadTimeout, cfg.WriteTimeout = 0, 0
	g, err := openGorm(mysql.Open(cfg.FormatDSN()))
	if err != nil {
		return nil, err
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(2) // the named lock's connection and the migrations'
	return &DB{gorm: g, Dialect: MySQL, url: d.url, dbName: cfg.DBName}, nil
}

func dialectorFor(rawURL string) (gorm.Dialector, string, error) {
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		path := strings.TrimPrefix(rawURL, "sqlite:")
		if path == "" {
			return nil, "", errors.New("database url: sqlite needs a path, as in sqlite:clientele.db")
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		// Transactions begin IMMEDIATE: a writer takes the lock up front and waits its turn,
		// instead of failing when a read-then-write transaction meets another writer.
		dsn := path + sep + "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_txlock=immediate"
		if path != ":memory:" {
			dsn += "&_pragma=journal_mode(WAL)"
		}
		return sqlite.Open(dsn), SQLite, nil
	case strings.HasPrefix(rawURL, "mysql://"):
		dsn, err := MySQLDSN(rawURL)
		if err != nil {
			return nil, "", err
		}
		return mysql.Open(dsn), MySQL, nil
	default:
		return nil, "", fmt.Errorf("database url: want sqlite:<path> or mysql://user:pass@host:port/db, got %q", strings.SplitN(rawURL, ":", 2)[0])
	}
}

// MySQLDSN turns mysql://user:pass@host:port/db?x=y into a go-sql-driver DSN with the
// settings Clientele relies on (UTC times, interpolated parameters, utf8mb4).
func MySQLDSN(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("database url: %w", err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	if dbName == "" || u.Host == "" {
		return "", errors.New("database url: mysql needs a host and a database name, as in mysql://user:pass@host:3306/clientele")
	}
	host := u.Host
	if u.Port() == "" {
		host += ":3306"
	}
	q := u.Query()
	for k, v := range map[string]string{"parseTime": "true", "loc": "UTC", "interpolateParams": "true", "charset": "utf8mb4", "collation": "utf8mb4_unicode_ci",
		// MySQL's default of 1,024 bytes would cut a customer's groups short (MariaDB's is 1 MiB).
		"group_concat_max_len": "1048576",
		// A database that is down or hung fails a connection within these bounds instead of
		// holding it forever (SPEC §9 "Deadlines"); request contexts end statements sooner.
		"timeout": "5s", "readTimeout": "30s", "writeTimeout": "30s"} {
		if q.Get(k) == "" {
			q.Set(k, v)
		}
	}
	pass, _ := u.User.Password()
	return fmt.Sprintf("%s:%s@tcp(%s)/%s?%s", u.User.Username(), pass, host, dbName, q.Encode()), nil
}

// Now is the clock of every stored time: UTC, microsecond precision (what DATETIME(6) keeps),
// so a value read back equals the value written.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// SQL returns the underlying pool (health checks, closing).
func (d *DB) SQL() *sql.DB {
	s, _ := d.gorm.DB()
	return s
}

// Close closes the pool.
func (d *DB) Close() error { return d.SQL().Close() }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.SQL().PingContext(ctx) }

// Gorm returns the root handle; for callbacks and tests only.
func (d *DB) Gorm() *gorm.DB { return d.gorm }

type txKey struct{}

// commitHooks are the functions to run once the outermost transaction on a context commits.
type commitHooks struct{ fns []func() }

type hooksKey struct{}

// Tx runs fn in a transaction carried by ctx. An outer transaction on ctx is reused, so
// service methods compose. The outermost transaction, and only it, runs again from the start
// when the database refuses it for a deadlock or write conflict (txretry.Run): fn must
// therefore be safe to run twice. It may set captured results, but must start from the same
// inputs each time and change nothing outside the transaction. A database that cannot be
// reached, or a transaction that keeps losing, is UNAVAILABLE.
func (d *DB) Tx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	hooks := &commitHooks{}
	err := txretry.Run(ctx, func() error {
		hooks.fns = nil // an attempt that rolled back registered its hooks for nothing
		return d.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return fn(context.WithValue(context.WithValue(ctx, txKey{}, tx), hooksKey{}, hooks))
		})
	})
	if err == nil {
		for _, h := range hooks.fns {
			h()
		}
	}
	return err
}

// AfterCommit runs fn once the transaction on ctx has committed, and not at all if it rolls
// back; with no transaction on ctx, at once. It is for what must change outside the
// database only when the change inside it is done (an instance's memory of revocations).
func AfterCommit(ctx context.Context, fn func()) {
	if hooks, ok := ctx.Value(hooksKey{}).(*commitHooks); ok {
		hooks.fns = append(hooks.fns, fn)
		return
	}
	fn()
}

// Conn returns the transaction on ctx, or the pool bound to ctx.
func (d *DB) Conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	return d.gorm.WithContext(ctx)
}
