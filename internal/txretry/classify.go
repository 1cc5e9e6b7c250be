package txretry

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/clientele/clientele/internal/apperr"
)

// Seconds a client is asked to wait (Retry-After) before trying again.
const (
	retryAfterBusy        = 1 // a conflict or a deadline: the next try usually succeeds
	retryAfterUnreachable = 5 // an outage or failover: give the database time to come back
)

// MySQL, MariaDB and TiDB error numbers.
var (
	// conflictCodes refuse a transaction that may commit when run again.
	conflictCodes = map[uint16]bool{
		1213: true, // ER_LOCK_DEADLOCK
		1205: true, // ER_LOCK_WAIT_TIMEOUT
		9007: true, // TiDB: write conflict
		8022: true, // TiDB: transaction aborted, safe to retry
		8028: true, // TiDB: schema changed while the transaction ran
	}
	// unavailableCodes say the server cannot do the work now: read-only after a failover,
	// out of connections, shutting down, killed, over its statement time, or (TiDB) a storage
	// node not answering.
	unavailableCodes = map[uint16]bool{
		1290: true, // ER_OPTION_PREVENTS_STATEMENT: --read-only
		1792: true, // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
		1836: true, // ER_READ_ONLY_MODE
		1040: true, // ER_CON_COUNT_ERROR: too many connections
		1203: true, // ER_TOO_MANY_USER_CONNECTIONS
		1053: true, // ER_SERVER_SHUTDOWN
		1927: true, // MariaDB ER_CONNECTION_KILLED
		4031: true, // MySQL: disconnected by the server for inactivity
		1969: true, // MariaDB ER_STATEMENT_TIMEOUT (max_statement_time)
		3024: true, // MySQL ER_QUERY_TIMEOUT (max_execution_time)
		9001: true, // TiDB: PD server timeout
		9002: true, // TiDB: TiKV server timeout
		9003: true, // TiDB: TiKV server busy
		9005: true, // TiDB: region unavailable
	}
)

// SQLite's primary result codes (the low byte of an extended code).
const (
	sqliteBusy     = 5
	sqliteLocked   = 6
	sqliteReadOnly = 8
	sqliteIOErr    = 10
	sqliteFull     = 13
	sqliteCantOpen = 14
)

// sqliteError is what the SQLite driver's errors have; matched by method so that this
// package does not depend on one driver.
type sqliteError interface{ Code() int }

// Conflict reports whether err, anywhere in its chain, is the database refusing a
// transaction for the sake of another: a deadlock, a lock-wait timeout, a write conflict.
// Run again from the start, the transaction may well commit.
func Conflict(err error) bool {
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		// TiDB reports a pessimistic lock that lost too often (also from GET_LOCK) as a generic error.
		return conflictCodes[my.Number] || my.Number == 1105 && strings.Contains(my.Message, "pessimistic lock retry limit reached")
	}
	var lite sqliteError
	if errors.As(err, &lite) {
		code := lite.Code() & 0xff
		return code == sqliteBusy || code == sqliteLocked
	}
	return false
}

// Unreachable reports whether err says the database could not be reached or cannot take the
// work now (refused, reset, timed out, closed, read-only, out of connections), rather than
// that a statement was wrong. database/sql has no sentinel for a closed pool (an instance
// shutting down), hence the message.
func Unreachable(err error) bool {
	var netErr net.Error
	var my *mysql.MySQLError
	var lite sqliteError
	switch {
	case errors.As(err, &netErr), errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn),
		errors.Is(err, sql.ErrConnDone), strings.Contains(err.Error(), "sql: database is closed"):
		return true
	case errors.As(err, &my):
		return unavailableCodes[my.Number]
	case errors.As(err, &lite):
		switch lite.Code() & 0xff {
		case sqliteReadOnly, sqliteIOErr, sqliteFull, sqliteCantOpen:
			return true
		}
	}
	return false
}

// Unavailable returns the UNAVAILABLE error (with RetryAfter) that err amounts to when it is
// the database's fault or the request's deadline rather than the statement's: a conflict, an
// outage, a cancelled or timed-out context. For any other error it returns nil.
func Unavailable(err error) *apperr.Error {
	switch {
	case err == nil:
		return nil
	case Conflict(err):
		return busy(err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &apperr.Error{Kind: apperr.Unavailable, Message: "The request was cancelled or timed out.", RetryAfter: retryAfterBusy, Err: err}
	case Unreachable(err):
		return Outage(err)
	}
	return nil
}

// Outage is the UNAVAILABLE error of a database that cannot be reached.
func Outage(err error) *apperr.Error {
	return &apperr.Error{Kind: apperr.Unavailable, Message: "The database is unreachable.", RetryAfter: retryAfterUnreachable, Err: err}
}

// busy is the answer to a transaction that kept losing; an error that already says so (the
// service classifies the driver's error inside the transaction) is kept as it is.
func busy(err error) *apperr.Error {
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Kind == apperr.Unavailable && ae.RetryAfter > 0 {
		return ae
	}
	return &apperr.Error{Kind: apperr.Unavailable, Message: "The database is busy; try again.", RetryAfter: retryAfterBusy, Err: err}
}

func isAppErr(err error) bool {
	var ae *apperr.Error
	return errors.As(err, &ae)
}
