package service

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/models"
)

// The automatic lockout (SPEC §7) counts consecutive failed sign-ins per account and client IP
// in login_failures: CLIENTELE_LOCKOUT_THRESHOLD failures in a row from one IP lock that IP
// out of that account for CLIENTELE_LOCKOUT_DURATION, so a stranger's guesses never lock the
// owner out. A failure more than the lockout duration after the previous one starts a fresh
// count. The per-email rate limit bounds guessing from many IPs. The account's own
// locked_until is an admin's lock only; its failed_login_count counts the failures from every
// IP since the last success, for staff to see.

// accountTable is the table of a subject type.
func accountTable(subjectType string) string {
	if subjectType == models.SubjectAdmin {
		return "admins"
	}
	return "customers"
}

// signInAccount is what signing in needs of a customer or admin, with the lockout of the
// calling IP.
type signInAccount struct {
	ID            string
	PasswordHash  *string
	SecurityStamp string
	Status        string
	LockedUntil   *time.Time // an admin's lock
	IPFailures    int        // consecutive failures from the calling IP
	IPLockedUntil *time.Time // the calling IP's lockout
}

// locked reports whether the account refuses sign-in from the calling IP at now.
func (a signInAccount) locked(now time.Time) bool {
	return a.LockedUntil != nil && a.LockedUntil.After(now) || a.IPLockedUntil != nil && a.IPLockedUntil.After(now)
}

// signInAccount reads the account of subjectType with email and the lockout of ip, in one
// statement whether or not the email exists, so both answer in the same time.
func (s *Service) signInAccount(ctx context.Context, subjectType, email, ip string) (signInAccount, bool, error) {
	var a signInAccount
	res := s.db.Conn(ctx).Raw(`SELECT a.id, a.password_hash, a.security_stamp, a.status, a.locked_until,
			COALESCE(f.failures, 0) AS ip_failures, f.locked_until AS ip_locked_until
		FROM `+accountTable(subjectType)+` a
		LEFT JOIN login_failures f ON f.subject_type = ? AND f.subject_id = a.id AND f.ip = ?
		WHERE a.email = ?`, subjectType, clientIP(ip), normalizeEmail(email)).Scan(&a)
	if res.Error != nil {
		return a, false, dbErr(res.Error, "", "")
	}
	return a, res.RowsAffected > 0, nil
}

// ipLockedOut reports whether ip is locked out of the account at now.
func (s *Service) ipLockedOut(ctx context.Context, subjectType, id, ip string, now time.Time) (bool, error) {
	var n int64
	err := s.db.Conn(ctx).Model(&models.LoginFailure{}).
		Where("subject_type = ? AND subject_id = ? AND ip = ? AND locked_until > ?", subjectType, id, clientIP(ip), now).
		Count(&n).Error
	return n > 0, dbErr(err, "", "")
}

// loginSucceeded records the sign-in time and clears the failures: the account's count and
// the calling IP's (ipFailures says whether it has any). It is not a profile change: version
// and updatedAt stay.
func (s *Service) loginSucceeded(ctx context.Context, subjectType, id, ip string, ipFailures int, now time.Time) error {
	conn := s.db.Conn(ctx)
	err := conn.Table(accountTable(subjectType)).Where("id = ?", id).
		UpdateColumns(map[string]any{"failed_login_count": 0, "last_login_at": now}).Error
	if err == nil && ipFailures > 0 {
		return s.clearIPFailures(ctx, subjectType, id, ip)
	}
	return dbErr(err, "", "")
}

// clearIPFailures forgets the failures of an account from ip.
func (s *Service) clearIPFailures(ctx context.Context, subjectType, id, ip string) error {
	err := s.db.Conn(ctx).Where("subject_type = ? AND subject_id = ? AND ip = ?", subjectType, id, clientIP(ip)).
		Delete(&models.LoginFailure{}).Error
	return dbErr(err, "", "")
}

// clearLoginFailures lifts the automatic lockouts of an account from every IP (an unlock, a
// password reset).
func (s *Service) clearLoginFailures(ctx context.Context, subjectType, id string) error {
	err := s.db.Conn(ctx).Where("subject_type = ? AND subject_id = ?", subjectType, id).Delete(&models.LoginFailure{}).Error
	return dbErr(err, "", "")
}

// countFailure counts a failed sign-in to an account from ip and, at the threshold, locks ip
// out of it. The writes commit on their own, outside any transaction, and survive the client
// hanging up, so every failure counts. The count is one upsert, atomic under concurrency; the
// lock is set once, by whichever request first sees the count at the threshold.
func (s *Service) countFailure(ctx context.Context, subjectType, id, ip string, now time.Time) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), failureWriteTimeout)
	defer cancel()
	conn := s.db.Conn(ctx)
	err := conn.Table(accountTable(subjectType)).Where("id = ?", id).
		UpdateColumn("failed_login_count", gorm.Expr("failed_login_count + 1")).Error
	if err != nil || s.cfg.LockoutThreshold <= 0 {
		return dbErr(err, "", "")
	}
	ip = clientIP(ip)
	// While locked a failure changes nothing (attempts do not extend a lockout); after a
	// lockout ends, or when the previous failure is older than the lockout duration, the count
	// starts again at 1. Each assignment reads only columns assigned after it, because MySQL
	// evaluates ON DUPLICATE KEY UPDATE left to right while SQLite reads the old row.
	locked := gorm.Expr("locked_until > ?", now)
	err = conn.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "subject_type"}, {Name: "subject_id"}, {Name: "ip"}},
		DoUpdates: []clause.Assignment{
			{Column: clause.Column{Name: "failures"}, Value: gorm.Expr(
				"CASE WHEN ? THEN failures WHEN locked_until IS NOT NULL OR last_failure_at <= ? THEN 1 ELSE failures + 1 END",
				locked, now.Add(-s.cfg.LockoutDuration))},
			{Column: clause.Column{Name: "last_failure_at"}, Value: gorm.Expr("CASE WHEN ? THEN last_failure_at ELSE ? END", locked, now)},
			{Column: clause.Column{Name: "locked_until"}, Value: gorm.Expr("CASE WHEN ? THEN locked_until ELSE NULL END", locked)},
		},
	}).Create(&models.LoginFailure{SubjectType: subjectType, SubjectID: id, IP: ip, Failures: 1, LastFailureAt: now}).Error
	if err != nil {
		return dbErr(err, "", "")
	}
	err = conn.Model(&models.LoginFailure{}).
		Where("subject_type = ? AND subject_id = ? AND ip = ? AND failures >= ? AND locked_until IS NULL", subjectType, id, ip, s.cfg.LockoutThreshold).
		Update("locked_until", now.Add(s.cfg.LockoutDuration)).Error
	return dbErr(err, "", "")
}

// failureWriteTimeout bounds the writes of a failed sign-in once the client has gone.
const failureWriteTimeout = 5 * time.Second

// clientIP is how an IP is keyed: the column holds 64 characters, more than any IPv6 address
// with a zone takes.
func clientIP(ip string) string {
	if len(ip) > 64 {
		return ip[:64]
	}
	return ip
}

var errLocked = apperr.New(apperr.AccountLocked, "The account is locked. Try again later or contact support.")
