package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/revocation"
	"github.com/clientele/clientele/models"
)

// Token is what a successful sign-in returns.
type Token struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    int
	ExpiresAt    time.Time
}

// errBadCredentials is the one answer to an unknown email, a wrong password and an account
// without a password.
var errBadCredentials = apperr.New(apperr.Unauthenticated, "The email or password is incorrect.")

func requireCustomer(actor auth.Principal) error {
	switch actor.Kind {
	case auth.Customer:
		return nil
	case auth.Admin:
		return apperr.New(apperr.Forbidden, "This operation needs a customer token.")
	}
	return unauthenticated(actor, "Authentication required: send a valid customer bearer token.")
}

func requireAdmin(actor auth.Principal, permission string) error {
	switch {
	case actor.Kind == auth.Admin && (permission == "" || actor.Can(permission)):
		return nil
	case actor.Kind == auth.Admin || actor.Kind == auth.Customer:
		return apperr.New(apperr.Forbidden, "You do not have authorization to perform this action.")
	}
	return unauthenticated(actor, "Authentication required: send a valid admin bearer token.")
}

// unauthenticated is the error for an anonymous caller: UNAUTHENTICATED, unless its token
// could not be checked at all (the database is unreachable), which is not the token's fault.
func unauthenticated(actor auth.Principal, message string) error {
	if actor.CheckErr != nil && apperr.KindOf(actor.CheckErr) != apperr.Unauthenticated {
		return actor.CheckErr
	}
	return apperr.New(apperr.Unauthenticated, "%s", message)
}

// GenerateCustomerToken signs a customer in with email and password.
func (s *Service) GenerateCustomerToken(ctx context.Context, actor auth.Principal, email, password string) (Token, error) {
	return s.signIn(ctx, actor, models.SubjectCustomer, email, password)
}

// GenerateAdminToken signs an admin in with email and password.
func (s *Service) GenerateAdminToken(ctx context.Context, actor auth.Principal, email, password string) (Token, error) {
	return s.signIn(ctx, actor, models.SubjectAdmin, email, password)
}

// signIn checks the email and password of a customer or admin and issues a token pair. An
// unknown email, a wrong password and an account without a password answer alike, after one
// password hash each; so does a locked account, with ACCOUNT_LOCKED.
func (s *Service) signIn(ctx context.Context, actor auth.Principal, subjectType, email, password string) (Token, error) {
	if err := s.checkRateLimit(ctx, actor, ActionSignIn, email); err != nil {
		return Token{}, err
	}
	a, found, err := s.signInAccount(ctx, subjectType, email, actor.IP)
	if err != nil {
		return Token{}, err
	}
	now := s.now()
	if found && a.locked(now) {
		// Still hash, so a locked account answers in the time a wrong password does.
		_, _ = s.hasher.Verify(ctx, nil, password)
		s.loginFailed(ctx, actor, subjectType, a.ID, "locked")
		return Token{}, errLocked
	}
	ok, err := s.hasher.Verify(ctx, a.PasswordHash, password)
	if err != nil {
		return Token{}, dbErr(err, "", "")
	}
	if !ok {
		if found && a.PasswordHash != nil {
			if err := s.countFailure(ctx, subjectType, a.ID, actor.IP, now); err != nil {
				return Token{}, err
			}
		}
		s.loginFailed(ctx, actor, subjectType, a.ID, "bad_credentials")
		return Token{}, errBadCredentials
	}
	if a.Status != models.StatusActive {
		s.loginFailed(ctx, actor, subjectType, a.ID, "inactive")
		return Token{}, apperr.New(apperr.Forbidden, "This account is inactive.")
	}
	if err := s.loginSucceeded(ctx, subjectType, a.ID, actor.IP, a.IPFailures, now); err != nil {
		return Token{}, err
	}
	return s.issue(ctx, subjectType, a.ID, a.SecurityStamp, "")
}

// loginFailed audits a refused sign-in. It is written on its own: the refusal commits nothing else.
func (s *Service) loginFailed(ctx context.Context, actor auth.Principal, subjectType, subjectID, reason string) {
	err := s.audit(ctx, actor, "auth.login_failed", subjectType, subjectID, map[string]Change{"reason": {To: reason}})
	if err != nil {
		s.log.ErrorContext(ctx, "audit login failure", "err", err)
	}
}

// issue creates an access token and a refresh token in family (a new family when empty).
func (s *Service) issue(ctx context.Context, subjectType, subjectID, stamp, family string) (Token, error) {
	now := s.now()
	if family == "" {
		family = newID()
	}
	audience := auth.AudienceCustomer
	if subjectType == models.SubjectAdmin {
		audience = auth.AudienceAdmin
	}
	access, claims, err := s.signer.Issue(audience, subjectID, stamp, family, newID(), now)
	if err != nil {
		return Token{}, dbErr(err, "", "")
	}
	refresh := randomToken(32)
	row := models.RefreshToken{
		ID:          newID(),
		TokenHash:   hashToken(refresh),
		FamilyID:    family,
		SubjectType: subjectType,
		SubjectID:   subjectID,
		StampHash:   auth.StampDigest(stamp),
		ExpiresAt:   now.Add(s.cfg.RefreshTokenTTL),
		CreatedAt:   now,
	}
	if err := s.db.Conn(ctx).Create(&row).Error; err != nil {
		return Token{}, dbErr(err, "", "")
	}
	return Token{
		AccessToken:  access,
		RefreshToken: refresh,
		ExpiresIn:    int(s.signer.TTL().Seconds()),
		ExpiresAt:    claims.ExpiresAt.Time.UTC(),
	}, nil
}

// hashToken is how opaque tokens are stored: only their SHA-256.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

var errBadRefresh = apperr.New(apperr.Unauthenticated, "The refresh token is invalid, expired or revoked.")

// RefreshToken rotates a refresh token: the presented one is spent and a new pair is issued
// in the same family. Presenting a spent token revokes the whole family (it was stolen or replayed).
func (s *Service) RefreshToken(ctx context.Context, actor auth.Principal, refreshToken string) (Token, error) {
	if strings.TrimSpace(refreshToken) == "" {
		return Token{}, apperr.Invalid("refreshToken", "Refresh token is required.")
	}
	conn := s.db.Conn(ctx)
	var rt models.RefreshToken
	err := conn.Where("token_hash = ?", hashToken(refreshToken)).Take(&rt).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Token{}, errBadRefresh
	}
	if err != nil {
		return Token{}, dbErr(err, "", "")
	}
	now := s.now()
	if rt.RevokedAt != nil || !rt.ExpiresAt.After(now) {
		return Token{}, errBadRefresh
	}
	if rt.RotatedAt != nil {
		return Token{}, s.revokeFamilyOnReuse(ctx, actor, rt)
	}
	stamp, status, err := s.subjectStamp(ctx, rt.SubjectType, rt.SubjectID)
	if err != nil {
		return Token{}, err
	}
	if status != models.StatusActive || auth.StampDigest(stamp) != rt.StampHash {
		return Token{}, errBadRefresh
	}
	var tok Token
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		res := s.db.Conn(ctx).Model(&models.RefreshToken{}).
			Where("id = ? AND rotated_at IS NULL AND revoked_at IS NULL", rt.ID).Update("rotated_at", now)
		if res.Error != nil {
			return dbErr(res.Error, "", "")
		}
		if res.RowsAffected == 0 {
			return errReused
		}
		tok, err = s.issue(ctx, rt.SubjectType, rt.SubjectID, stamp, rt.FamilyID)
		return err
	})
	if errors.Is(err, errReused) {
		// Another request spent the same token at the same moment: treat as reuse.
		return Token{}, s.revokeFamilyOnReuse(ctx, actor, rt)
	}
	return tok, err
}

var errReused = errors.New("refresh token reused")

func (s *Service) revokeFamilyOnReuse(ctx context.Context, actor auth.Principal, rt models.RefreshToken) error {
	if err := s.db.Tx(ctx, func(ctx context.Context) error { return s.endSession(ctx, rt.FamilyID) }); err != nil {
		return err
	}
	s.loginFailed(ctx, actor, rt.SubjectType, rt.SubjectID, "refresh_token_reused")
	return errBadRefresh
}

// subjectStamp returns the security stamp and status of a customer or admin.
func (s *Service) subjectStamp(ctx context.Context, subjectType, id string) (stamp, status string, err error) {
	var row struct{ SecurityStamp, Status string }
	res := s.db.Conn(ctx).Table(accountTable(subjectType)).Select("security_stamp, status").Where("id = ?", id).Take(&row)
	if errors.Is(res.Error, gorm.ErrRecordNotFound) {
		return "", "", errBadRefresh
	}
	return row.SecurityStamp, row.Status, dbErr(res.Error, "", "")
}

// RevokeCustomerToken signs out the session of the calling customer token, or with
// everywhere every session of the customer.
func (s *Service) RevokeCustomerToken(ctx context.Context, actor auth.Principal, everywhere bool) error {
	if err := requireCustomer(actor); err != nil {
		return err
	}
	return s.revokeToken(ctx, actor, models.SubjectCustomer, everywhere)
}

// RevokeAdminToken is RevokeCustomerToken for admins.
func (s *Service) RevokeAdminToken(ctx context.Context, actor auth.Principal, everywhere bool) error {
	if err := requireAdmin(actor, ""); err != nil {
		return err
	}
	return s.revokeToken(ctx, actor, models.SubjectAdmin, everywhere)
}

func (s *Service) revokeToken(ctx context.Context, actor auth.Principal, subjectType string, everywhere bool) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		if everywhere {
			if err := s.rotateStamp(ctx, subjectType, actor.ID); err != nil {
				return err
			}
			if err := s.revokeAllRefreshTokens(ctx, subjectType, actor.ID); err != nil {
				return err
			}
		} else {
			if actor.TokenID != "" {
				if err := s.revokeJTI(ctx, actor.TokenID, time.Unix(actor.TokenExpiry, 0).UTC()); err != nil {
					return err
				}
			}
			if actor.SessionID != "" {
				if err := s.endSession(ctx, actor.SessionID); err != nil {
					return err
				}
			}
		}
		return s.audit(ctx, actor, "auth.token_revoked", subjectType, actor.ID, map[string]Change{"everywhere": {To: everywhere}})
	})
}

// revokeJTI adds id to the revoked token ids until expires, after which no token can carry it.
func (s *Service) revokeJTI(ctx context.Context, id string, expires time.Time) error {
	err := s.db.Conn(ctx).Create(&models.RevokedToken{JTI: id, ExpiresAt: expires}).Error
	if err != nil && !errors.Is(err, gorm.ErrDuplicatedKey) {
		return dbErr(err, "", "")
	}
	return s.revokeInFeed(ctx, revocation.Event{Kind: revocation.Token, Key: id, Expires: expires})
}

// endSession revokes a refresh-token family and every access token issued in it: the
// family's id is revoked like a jti (the check looks for both), for as long as an access
// token issued now could live.
func (s *Service) endSession(ctx context.Context, familyID string) error {
	err := s.db.Conn(ctx).Model(&models.RefreshToken{}).
		Where("family_id = ? AND revoked_at IS NULL", familyID).Update("revoked_at", s.now()).Error
	if err != nil {
		return dbErr(err, "", "")
	}
	return s.revokeJTI(ctx, familyID, s.now().Add(s.cfg.AccessTokenTTL+auth.Leeway))
}

// rotateStamp gives the subject a new security stamp, which invalidates every token issued before.
func (s *Service) rotateStamp(ctx context.Context, subjectType, id string) error {
	model := any(&models.Customer{})
	if subjectType == models.SubjectAdmin {
		model = &models.Admin{}
	}
	err := s.db.Conn(ctx).Model(model).Where("id = ?", id).UpdateColumn("security_stamp", randomToken(16)).Error
	if err != nil {
		return dbErr(err, "", "")
	}
	return s.subjectsChanged(ctx, subjectType, id)
}

func (s *Service) revokeAllRefreshTokens(ctx context.Context, subjectType, id string) error {
	err := s.db.Conn(ctx).Model(&models.RefreshToken{}).
		Where("subject_type = ? AND subject_id = ? AND revoked_at IS NULL", subjectType, id).Update("revoked_at", s.now()).Error
	return dbErr(err, "", "")
}

// Authenticate turns a bearer token into a principal, checking it now. Any invalid token is
// UNAUTHENTICATED without saying why.
func (s *Service) Authenticate(ctx context.Context, bearer string) (auth.Principal, error) {
	c, err := s.Credential(bearer)
	if err != nil {
		return auth.Principal{}, err
	}
	p := auth.From(auth.WithPending(ctx, auth.Principal{}, c))
	if p.Kind == auth.Anonymous {
		return p, errBadToken
	}
	return p, nil
}

// Credential verifies what a bearer token proves by itself (signature, audience, lifetime)
// and returns it pending the database check, which runs once, when the request first needs
// its principal (auth.From) or within the first statement of an operation that folds it in.
func (s *Service) Credential(bearer string) (*auth.Pending, error) {
	if strings.HasPrefix(bearer, apiTokenPrefix) {
		return auth.NewOpaquePending(func(ctx context.Context) (auth.Principal, error) { return s.apiTokenPrincipal(ctx, bearer) }), nil
	}
	claims, audience, err := s.signer.Verify(bearer)
	if err != nil {
		return nil, errBadToken
	}
	kind := auth.Customer
	if audience == auth.AudienceAdmin {
		kind = auth.Admin
	}
	return auth.NewPending(kind, claims, func(ctx context.Context) (auth.Principal, error) {
		return s.principal(ctx, kind, claims)
	}), nil
}

var errBadToken = apperr.New(apperr.Unauthenticated, "The access token is invalid, expired or revoked.")

// callerCheck is what the database says about an access token's subject: one row per role
// for an admin.
type callerCheck struct {
	CallerStamp       string
	CallerStatus      string
	CallerPermissions models.StringList
	CallerRevoked     int
}

// callerCheckSQL returns the select-list items and the FROM clause of the check of a token of
// kind, with its subject's table as alias. The items take the token's jti and session as
// arguments, and the statement must end with `WHERE <alias>.id = <subject>`. One statement
// checks the subject, its stamp, and whether the token or its session (the refresh-token
// family, which covers the tokens issued before a refresh; see endSession) was revoked; for
// an admin it also brings the permissions of each role.
func callerCheckSQL(kind auth.Kind, alias string) (columns, from string) {
	permissions, from := "NULL", "customers "+alias
	if kind == auth.Admin {
		permissions = "r.permissions"
		from = "admins " + alias + " LEFT JOIN admin_roles ar ON ar.admin_id = " + alias + ".id LEFT JOIN roles r ON r.id = ar.role_id"
	}
	columns = alias + ".security_stamp AS caller_stamp, " + alias + ".status AS caller_status, " + permissions + " AS caller_permissions, " +
		"(SELECT COUNT(*) FROM revoked_tokens WHERE jti IN (?, ?)) AS caller_revoked"
	return columns, from
}

// checkedRow is a row of a caller check; for a customer, and for an admin's read of one, it
// also holds the customer and, when asked for, what the customer's representation embeds.
type checkedRow struct {
	Check    callerCheck     `gorm:"embedded"`
	Customer models.Customer `gorm:"embedded"`
	Lists    customerLists   `gorm:"embedded"`
}

// checkedRows runs a caller check's statement.
func (s *Service) checkedRows(ctx context.Context, query string, args ...any) ([]checkedRow, error) {
	rows, err := s.db.Conn(ctx).Raw(query, args...).Rows()
	if err != nil {
		return nil, err
	}
	return scanRows[checkedRow](rows, s.lists.checked)
}

// checkedState is what the rows of a caller check say of the token's subject, whatever the token.
func checkedState(rows []checkedRow) revocation.State {
	if len(rows) == 0 {
		return revocation.State{}
	}
	st := revocation.State{Found: true, Active: rows[0].Check.CallerStatus == models.StatusActive, Stamp: auth.StampDigest(rows[0].Check.CallerStamp)}
	for _, r := range rows {
		st.Permissions = append(st.Permissions, r.Check.CallerPermissions...)
	}
	slices.Sort(st.Permissions)
	st.Permissions = slices.Compact(st.Permissions)
	return st
}

// checkedPrincipal turns the rows of a caller check into the principal of the token, or
// UNAUTHENTICATED. What they say of the subject is kept in the revocation memory, unless the
// subject changed since ticket (from Vouch).
func (s *Service) checkedPrincipal(kind auth.Kind, c auth.Claims, rows []checkedRow, ticket uint64) (auth.Principal, error) {
	st := checkedState(rows)
	s.revocations.Learn(ticket, kind == auth.Admin, c.Subject, st)
	if !st.Admits(c.Stamp) || rows[0].Check.CallerRevoked > 0 {
		return auth.Principal{}, errBadToken
	}
	p := tokenPrincipal(kind, c, st.Permissions)
	if kind == auth.Customer {
		p.Customer = &rows[0].Customer
	}
	return p, nil
}

// tokenPrincipal is the principal of a token found good.
func tokenPrincipal(kind auth.Kind, c auth.Claims, permissions []string) auth.Principal {
	return auth.Principal{Kind: kind, ID: c.Subject, Permissions: permissions, TokenID: c.ID, SessionID: c.Session, TokenExpiry: c.ExpiresAt.Unix()}
}

// vouch asks the revocation memory about a token: when it decides, the token's principal or
// UNAUTHENTICATED; when it cannot, the ticket for checkedPrincipal.
func (s *Service) vouch(kind auth.Kind, c auth.Claims) (ticket uint64, decided bool, p auth.Principal, err error) {
	var verdict revocation.Verdict
	var permissions []string
	verdict, permissions, ticket = s.revocations.Vouch(feedClaims(kind, c))
	switch verdict {
	case revocation.Accept:
		return ticket, true, tokenPrincipal(kind, c, permissions), nil
	case revocation.Refuse:
		return ticket, true, auth.Principal{}, errBadToken
	}
	return ticket, false, auth.Principal{}, nil
}

// principal checks a token on its own: in memory when the revocation memory can vouch for
// it, else against the database, where a customer's whole row comes along, so `me` needs no
// second statement.
func (s *Service) principal(ctx context.Context, kind auth.Kind, c auth.Claims) (auth.Principal, error) {
	ticket, decided, p, err := s.vouch(kind, c)
	if decided {
		return p, err
	}
	columns, from := callerCheckSQL(kind, "t")
	if kind == auth.Customer {
		columns += ", t.*"
	}
	rows, err := s.checkedRows(ctx, "SELECT "+columns+" FROM "+from+" WHERE t.id = ?", c.ID, c.Session, c.Subject)
	if err != nil {
		return auth.Principal{}, dbErr(err, "", "")
	}
	return s.checkedPrincipal(kind, c, rows, ticket)
}

// ChangeMyPassword sets a new password after checking the current one. Every earlier token

// guardPasswordGuess limits the password checks a signed-in customer's sensitive changes ask
// for (password, email, erasure) as a sign-in is limited, so a stolen access token cannot
// guess the password: rate limited, and refused while the caller's IP is locked out.
func (s *Service) guardPasswordGuess(ctx context.Context, actor auth.Principal, c *models.Customer) error {
	if err := s.checkRateLimit(ctx, actor, ActionSignIn, c.Email); err != nil {
		return err
	}
	locked, err := s.ipLockedOut(ctx, models.SubjectCustomer, c.ID, actor.IP, s.now())
	if err == nil && locked {
		err = errLocked
	}
	return err
}

// verifyPasswordGuess checks password against c's, after guardPasswordGuess; a wrong one is
// VALIDATION_FAILED on field and counts as a failed sign-in from the caller's IP. It must run
// outside a transaction, or the count would roll back with the refusal.
func (s *Service) verifyPasswordGuess(ctx context.Context, actor auth.Principal, c *models.Customer, field, password, wrong string) error {
	ok, err := s.hasher.Verify(ctx, c.PasswordHash, password)
	if err != nil {
		return dbErr(err, "", "")
	}
	if ok {
		return nil
	}
	if err := s.countFailure(ctx, models.SubjectCustomer, c.ID, actor.IP, s.now()); err != nil {
		return err
	}
	return apperr.Invalid(field, wrong)
}

// stops working; the returned one is the only valid session.
func (s *Service) ChangeMyPassword(ctx context.Context, actor auth.Principal, current, next, confirm string) (Token, error) {
	if err := requireCustomer(actor); err != nil {
		return Token{}, err
	}
	c, err := s.loadCustomer(ctx, actor.ID)
	if err != nil {
		return Token{}, err
	}
	if err := s.guardPasswordGuess(ctx, actor, &c); err != nil {
		return Token{}, err
	}
	var f apperr.Fields
	if current == "" {
		f.Add("currentPassword", "The current password is required.")
	}
	s.checkNewPassword(&f, "newPassword", next, c.Email)
	if confirm != next {
		f.Add("confirmPassword", "Passwords do not match.")
	}
	if err := f.Err(); err != nil {
		return Token{}, err
	}
	if err := s.verifyPasswordGuess(ctx, actor, &c, "currentPassword", current, "The current password is incorrect."); err != nil {
		return Token{}, err
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return Token{}, dbErr(err, "", "")
	}
	var tok Token
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		stamp := randomToken(16)
		res := s.db.Conn(ctx).Model(&models.Customer{}).Where("id = ? AND version = ?", c.ID, c.Version).Updates(map[string]any{
			"password_hash": hash, "security_stamp": stamp, "failed_login_count": 0, "version": c.Version + 1, "updated_at": s.now(),
		})
		if res.Error != nil {
			return dbErr(res.Error, "", "")
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "The customer was changed at the same time; try again.")
		}
		if err := s.subjectsChanged(ctx, models.SubjectCustomer, c.ID); err != nil {
			return err
		}
		if err := s.revokeAllRefreshTokens(ctx, models.SubjectCustomer, c.ID); err != nil {
			return err
		}
		if err := s.clearIPFailures(ctx, models.SubjectCustomer, c.ID, actor.IP); err != nil {
			return err
		}
		if err := s.audit(ctx, actor, "customer.password_changed", "customer", c.ID, nil); err != nil {
			return err
		}
		if err := s.queueMessage(ctx, c.Email, TemplatePasswordChanged, ""); err != nil {
			return err
		}
		tok, err = s.issue(ctx, models.SubjectCustomer, c.ID, stamp, "")
		return err
	})
	return tok, err
}
