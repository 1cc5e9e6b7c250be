package models

import "time"

// Message statuses: QUEUED waits for the courier, SENT was accepted by the SMTP server,
// FAILED ran out of attempts, STORED was kept without sending (no SMTP server configured).
const (
	MessageQueued = "QUEUED"
	MessageSent   = "SENT"
	MessageFailed = "FAILED"
	MessageStored = "STORED"
)

// Message is one email of the courier's outbox.
type Message struct {
	ID            string     `gorm:"primaryKey;size:36"`
	To            string     `gorm:"column:to_address;size:254;not null"`
	Subject       string     `gorm:"size:255;not null"`
	Template      string     `gorm:"size:32;not null"`
	Body          string     `gorm:"type:text;not null"`
	Status        string     `gorm:"size:16;not null"`
	Attempts      int        `gorm:"not null"`
	LastError     *string    `gorm:"size:1024"`
	NextAttemptAt *time.Time `gorm:"precision:6"`
	CreatedAt     time.Time  `gorm:"precision:6;not null"`
	SentAt        *time.Time `gorm:"precision:6"`
}

// One-time token purposes.
const (
	PurposeVerifyEmail   = "VERIFY_EMAIL"
	PurposePasswordReset = "PASSWORD_RESET"
	PurposeInvitation    = "INVITATION"
)

// OneTimeToken is a single-use token sent by email to a customer or, for an invitation, to an
// admin (exactly one of CustomerID and AdminID is set). Only its SHA-256 is stored; Email is
// the address it was sent to, so it stops working if the holder's email changes.
type OneTimeToken struct {
	ID         string     `gorm:"primaryKey;size:36"`
	TokenHash  string     `gorm:"size:64;not null"`
	Purpose    string     `gorm:"size:32;not null"`
	CustomerID *string    `gorm:"size:36"`
	AdminID    *string    `gorm:"size:36"`
	Email      string     `gorm:"size:254;not null"`
	ExpiresAt  time.Time  `gorm:"precision:6;not null"`
	UsedAt     *time.Time `gorm:"precision:6"`
	CreatedAt  time.Time  `gorm:"precision:6;not null"`
}
