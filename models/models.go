// Package models holds the GORM structs that map Clientele's tables: tags, table names and
// tiny predicates only. Queries live in internal/service; schema changes in internal/db/migrations.
package models

import (
	"strings"
	"time"
)

// Subject kinds for tokens and principals.
const (
	SubjectCustomer = "customer"
	SubjectAdmin    = "admin"
)

// Customer statuses, genders and onboarding states, as they appear on the wire.
const (
	StatusActive   = "ACTIVE"
	StatusInactive = "INACTIVE"

	GenderNotSpecified = "NOT_SPECIFIED"
	GenderMale         = "MALE"
	GenderFemale       = "FEMALE"

	OnboardingNotStarted = "NOT_STARTED"
	OnboardingInProgress = "IN_PROGRESS"
	OnboardingCompleted  = "COMPLETED"
	OnboardingDismissed  = "DISMISSED"
)

// Customer is a person who can sign in.
type Customer struct {
	ID               string     `gorm:"primaryKey;size:36"`
	Email            string     `gorm:"size:254;not null"`
	FirstName        string     `gorm:"size:255;not null"`
	MiddleName       *string    `gorm:"size:255"`
	LastName         string     `gorm:"size:255;not null"`
	Prefix           *string    `gorm:"size:40"`
	Suffix           *string    `gorm:"size:40"`
	Phone            *string    `gorm:"size:64"`
	DateOfBirth      *string    `gorm:"size:10"`
	Gender           string     `gorm:"size:16;not null"`
	TaxVat           *string    `gorm:"size:64"`
	IsSubscribed     bool       `gorm:"not null"`
	Status           string     `gorm:"size:16;not null"`
	LockedUntil      *time.Time `gorm:"precision:6"`
	EmailVerified    bool       `gorm:"not null"`
	PasswordHash     *string    `gorm:"size:255"`
	SecurityStamp    string     `gorm:"size:64;not null"`
	OnboardingStatus string     `gorm:"size:16;not null"`
	OrderWebhookURL  *string    `gorm:"column:order_webhook_url;size:2048"`
	ExternalID       *string    `gorm:"column:external_id;size:255"`
	Locale           *string    `gorm:"size:35"`
	Metadata         JSONObject `gorm:"type:text;not null"`
	Attributes       Attributes `gorm:"type:text;not null"`
	FailedLoginCount int        `gorm:"not null"`
	LastLoginAt      *time.Time `gorm:"precision:6"`
	ErasedAt         *time.Time `gorm:"precision:6"`
	Version          int        `gorm:"not null"`
	CreatedAt        time.Time  `gorm:"precision:6;not null"`
	UpdatedAt        time.Time  `gorm:"precision:6;not null"`
}

// IsLocked reports whether an admin's lock refuses every sign-in at now. The automatic lockout
// after failed sign-ins is per client IP and lives in LoginFailure.
func (c *Customer) IsLocked(now time.Time) bool {
	return c.LockedUntil != nil && c.LockedUntil.After(now)
}

// LockedForever is the locked_until of a lock without an end: a time that never passes keeps
// IsLocked and every SQL check of locked_until simple.
var LockedForever = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// LockEnd is a stored locked_until as the APIs, exports and audit show it: nil for a lock
// without an end (and for no lock).
func LockEnd(until *time.Time) *time.Time {
	if until == nil || !until.Before(LockedForever) {
		return nil
	}
	return until
}

// ShownLockedUntil is the customer's lockedUntil on the wire (see LockEnd).
func (c *Customer) ShownLockedUntil() *time.Time { return LockEnd(c.LockedUntil) }

// FullName joins prefix, first, middle and last name and suffix, skipping empty parts.
func (c *Customer) FullName() string {
	parts := make([]string, 0, 5)
	for _, p := range []*string{c.Prefix, &c.FirstName, c.MiddleName, &c.LastName, c.Suffix} {
		if p != nil && *p != "" {
			parts = append(parts, *p)
		}
	}
	return strings.Join(parts, " ")
}

// HasAccount reports whether a password is set.
func (c *Customer) HasAccount() bool { return c.PasswordHash != nil }

// Admin is a staff user.
type Admin struct {
	ID               string     `gorm:"primaryKey;size:36"`
	Email            string     `gorm:"size:254;not null"`
	Name             string     `gorm:"size:255;not null"`
	Status           string     `gorm:"size:16;not null"`
	PasswordHash     *string    `gorm:"size:255"` // nil until an invited admin accepts
	SecurityStamp    string     `gorm:"size:64;not null"`
	ExternalID       *string    `gorm:"column:external_id;size:255"`
	FailedLoginCount int        `gorm:"not null"`
	LockedUntil      *time.Time `gorm:"precision:6"`
	LastLoginAt      *time.Time `gorm:"precision:6"`
	Version          int        `gorm:"not null"`
	CreatedAt        time.Time  `gorm:"precision:6;not null"`
	UpdatedAt        time.Time  `gorm:"precision:6;not null"`
}

// IsLocked reports whether an admin's lock refuses every sign-in at now. The automatic lockout
// after failed sign-ins is per client IP and lives in LoginFailure.
func (a *Admin) IsLocked(now time.Time) bool {
	return a.LockedUntil != nil && a.LockedUntil.After(now)
}

// HasAccount reports whether a password is set.
func (a *Admin) HasAccount() bool { return a.PasswordHash != nil }

// Role is a named set of admin permissions.
type Role struct {
	ID          string     `gorm:"primaryKey;size:36"`
	Name        string     `gorm:"size:255;not null"`
	Description *string    `gorm:"size:1024"`
	Permissions StringList `gorm:"type:text;not null"`
	Version     int        `gorm:"not null"`
	CreatedAt   time.Time  `gorm:"precision:6;not null"`
	UpdatedAt   time.Time  `gorm:"precision:6;not null"`
}

// AdminRole assigns a role to an admin.
type AdminRole struct {
	AdminID string `gorm:"primaryKey;size:36"`
	RoleID  string `gorm:"primaryKey;size:36"`
}

// RefreshToken is one refresh token of a sign-in session (its family). Only the SHA-256 of
// the token is stored; StampHash pins it to the subject's security stamp at issue time.
type RefreshToken struct {
	ID          string     `gorm:"primaryKey;size:36"`
	TokenHash   string     `gorm:"size:64;not null"`
	FamilyID    string     `gorm:"size:36;not null"`
	SubjectType string     `gorm:"size:16;not null"`
	SubjectID   string     `gorm:"size:36;not null"`
	StampHash   string     `gorm:"size:64;not null"`
	ExpiresAt   time.Time  `gorm:"precision:6;not null"`
	RotatedAt   *time.Time `gorm:"precision:6"`
	RevokedAt   *time.Time `gorm:"precision:6"`
	CreatedAt   time.Time  `gorm:"precision:6;not null"`
}

// RevokedToken is an access-token id (jti) signed out before it expired.
type RevokedToken struct {
	JTI       string    `gorm:"column:jti;primaryKey;size:36"`
	ExpiresAt time.Time `gorm:"precision:6;not null"`
}

// Setting is a key/value the service keeps for itself (the generated JWT secret).
type Setting struct {
	Key   string `gorm:"primaryKey;size:64"`
	Value string `gorm:"type:text;not null"`
}

// Audit actor types.
const (
	ActorCustomer  = "CUSTOMER"
	ActorAdmin     = "ADMIN"
	ActorSystem    = "SYSTEM"
	ActorAnonymous = "ANONYMOUS"
)

// AuditEvent records one mutation or security event.
type AuditEvent struct {
	ID         string     `gorm:"primaryKey;size:36"`
	OccurredAt time.Time  `gorm:"precision:6;not null"`
	ActorType  string     `gorm:"size:16;not null"`
	ActorID    *string    `gorm:"size:36"`
	Action     string     `gorm:"size:64;not null"`
	TargetType string     `gorm:"size:32;not null"`
	TargetID   *string    `gorm:"size:36"`
	Changes    JSONObject `gorm:"type:text;not null"`
	RequestID  string     `gorm:"size:64;not null"`
	IP         string     `gorm:"column:ip;size:64;not null"`
}

// APIToken is a customer's long-lived integration token (only its SHA-256 is kept).
type APIToken struct {
	CustomerID string    `gorm:"primaryKey;size:36"`
	TokenHash  string    `gorm:"size:64;not null"`
	StampHash  string    `gorm:"size:64;not null"`
	CreatedAt  time.Time `gorm:"precision:6;not null"`
}

// TableName keeps GORM from naming the table a_p_i_tokens.
func (APIToken) TableName() string { return "api_tokens" }

// RateLimit counts attempts in one bucket during one minute.
type RateLimit struct {
	Bucket      string    `gorm:"primaryKey;size:128"`
	WindowStart time.Time `gorm:"primaryKey;precision:6"`
	Hits        int       `gorm:"not null"`
}

// IdempotencyKey is a REST POST's response kept under the caller's Idempotency-Key. StatusCode
// is nil while the first request is still running; Body is encrypted.
type IdempotencyKey struct {
	Caller      string    `gorm:"primaryKey;size:100"`
	IdemKey     string    `gorm:"primaryKey;size:255"`
	RequestHash string    `gorm:"size:64;not null"`
	StatusCode  *int      `gorm:""`
	ContentType *string   `gorm:"size:100"`
	Body        *string   `gorm:"type:text"`
	CreatedAt   time.Time `gorm:"precision:6;not null"`
}

// LoginFailure counts the consecutive failed sign-ins to one customer or admin from one client
// IP; at the lockout threshold LockedUntil locks that IP out of that account.
type LoginFailure struct {
	SubjectType   string     `gorm:"primaryKey;size:16"`
	SubjectID     string     `gorm:"primaryKey;size:36"`
	IP            string     `gorm:"column:ip;primaryKey;size:64"`
	Failures      int        `gorm:"not null"`
	LockedUntil   *time.Time `gorm:"precision:6"`
	LastFailureAt time.Time  `gorm:"precision:6;not null"`
}
