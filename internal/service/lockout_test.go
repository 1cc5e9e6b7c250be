package service_test

import (
	"sync"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

// Two client IPs: a stranger guessing passwords and the account's owner.
var (
	lockStranger = auth.Principal{IP: "203.0.113.7"}
	lockOwner    = auth.Principal{IP: "198.51.100.20"}
)

// lockFixture is a service whose lockout trips at 3 failures and lasts lockFor, with the rate
// limits off so that only the lockout refuses.
func lockFixture(t *testing.T, d *db.DB, lockFor time.Duration) *sessFixture {
	return newSessFixture(t, d, func(c *config.Config) {
		c.LockoutThreshold, c.LockoutDuration = 3, lockFor
		c.RateLimitPerEmail, c.RateLimitPerIP = 0, 0
	})
}

func (f *sessFixture) customerSignIn(from auth.Principal, email, password string) error {
	_, err := f.s.GenerateCustomerToken(f.ctx, from, email, password)
	return err
}

// ipRow reads the failures of ip for a customer or admin (zero when there is no row).
func ipRow(t *testing.T, d *db.DB, subjectType, id, ip string) models.LoginFailure {
	t.Helper()
	var row models.LoginFailure
	if err := d.Gorm().Where("subject_type = ? AND subject_id = ? AND ip = ?", subjectType, id, ip).Find(&row).Error; err != nil {
		t.Fatal(err)
	}
	return row
}

func TestLockoutIsPerClientIP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		const lockFor = time.Second
		f := lockFixture(t, d, lockFor)
		ada := f.register("ada@example.com")

		// Failures from two IPs are counted apart: 2 + 2 lock neither.
		for _, from := range []auth.Principal{lockStranger, lockStranger, lockOwner, lockOwner} {
			f.badCredentials(f.customerSignIn(from, "ada@example.com", sessWrongPW))
		}
		if c := f.customer(ada.ID); c.FailedLoginCount != 4 || c.IsLocked(time.Now()) || c.LockedUntil != nil {
			t.Fatalf("after 4 failures from 2 IPs: failedLoginCount %d, lockedUntil %v", c.FailedLoginCount, c.LockedUntil)
		}
		// A success clears its own IP's count and the account's count, not the other IP's.
		if err := f.customerSignIn(lockOwner, "ada@example.com", goodPassword); err != nil {
			t.Fatal(err)
		}
		if row := ipRow(t, d, models.SubjectCustomer, ada.ID, lockOwner.IP); row.Failures != 0 {
			t.Fatalf("the owner's failures after a success: %+v", row)
		}
		if c := f.customer(ada.ID); c.FailedLoginCount != 0 {
			t.Fatalf("failedLoginCount after a success = %d", c.FailedLoginCount)
		}

		// The stranger's third failure in a row locks the stranger out, with the generic answer.
		before := time.Now().Truncate(time.Microsecond)
		f.badCredentials(f.customerSignIn(lockStranger, "ada@example.com", sessWrongPW))
		after := time.Now()
		row := ipRow(t, d, models.SubjectCustomer, ada.ID, lockStranger.IP)
		if row.Failures != 3 || row.LockedUntil == nil || row.LockedUntil.Before(before.Add(lockFor)) || row.LockedUntil.After(after.Add(lockFor)) {
			t.Fatalf("the stranger after 3 failures: %+v, want locked until about %v", row, before.Add(lockFor))
		}
		until := *row.LockedUntil
		for _, pw := range []string{goodPassword, sessWrongPW, ""} {
			wantKind(t, f.customerSignIn(lockStranger, "ADA@example.com", pw), apperr.AccountLocked)
		}
		// Attempts while locked out do not extend the lockout.
		if row := ipRow(t, d, models.SubjectCustomer, ada.ID, lockStranger.IP); !row.LockedUntil.Equal(until) || row.Failures != 3 {
			t.Fatalf("after attempts while locked: %+v, was locked until %v", row, until)
		}

		// The owner, and anyone else who has not failed, still signs in; the account shows no lock.
		if err := f.customerSignIn(lockOwner, "ada@example.com", goodPassword); err != nil {
			t.Fatalf("the owner was locked out by a stranger: %v", err)
		}
		if err := f.customerSignIn(auth.Principal{IP: "2001:db8::1"}, "ada@example.com", goodPassword); err != nil {
			t.Fatalf("a third IP was locked out: %v", err)
		}
		if c := f.customer(ada.ID); c.IsLocked(time.Now()) || c.LockedUntil != nil {
			t.Fatalf("a per-IP lockout shows on the account: lockedUntil %v", c.LockedUntil)
		}

		// After the lockout a wrong password is an ordinary failure that starts a fresh count,
		// and the right one signs in.
		time.Sleep(time.Until(until) + 50*time.Millisecond)
		f.badCredentials(f.customerSignIn(lockStranger, "ada@example.com", sessWrongPW))
		if row := ipRow(t, d, models.SubjectCustomer, ada.ID, lockStranger.IP); row.Failures != 1 || row.LockedUntil != nil {
			t.Fatalf("first failure after the lockout: %+v", row)
		}
		if err := f.customerSignIn(lockStranger, "ada@example.com", goodPassword); err != nil {
			t.Fatalf("after the lockout: %v", err)
		}
		if row := ipRow(t, d, models.SubjectCustomer, ada.ID, lockStranger.IP); row.Failures != 0 {
			t.Fatalf("failures after a success: %+v", row)
		}
	})
}

func TestLockoutForgetsOldFailures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		const window = 300 * time.Millisecond
		f := lockFixture(t, d, window)
		f.register("ada@example.com")
		// Two failures, then a pause longer than the lockout: the next failure counts from 1.
		f.badCredentials(f.customerSignIn(lockStranger, "ada@example.com", sessWrongPW))
		f.badCredentials(f.customerSignIn(lockStranger, "ada@example.com", sessWrongPW))
		time.Sleep(window + 50*time.Millisecond)
		f.badCredentials(f.customerSignIn(lockStranger, "ada@example.com", sessWrongPW))
		f.badCredentials(f.customerSignIn(lockStranger, "ada@example.com", sessWrongPW))
		if err := f.customerSignIn(lockStranger, "ada@example.com", goodPassword); err != nil {
			t.Fatalf("locked by failures further apart than the lockout: %v", err)
		}
	})
}

func TestUnlockCustomerLiftsIPLockouts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := lockFixture(t, d, time.Hour)
		ada := f.register("ada@example.com")
		for range 3 {
			f.badCredentials(f.customerSignIn(lockOwner, "ada@example.com", sessWrongPW))
		}
		wantKind(t, f.customerSignIn(lockOwner, "ada@example.com", goodPassword), apperr.AccountLocked)

		c := must[models.Customer](t)(f.s.UnlockCustomer(f.ctx, f.admin, ada.ID))
		if c.FailedLoginCount != 0 || c.IsLocked(time.Now()) {
			t.Fatalf("after unlock: failedLoginCount %d, lockedUntil %v", c.FailedLoginCount, c.LockedUntil)
		}
		if err := f.customerSignIn(lockOwner, "ada@example.com", goodPassword); err != nil {
			t.Fatalf("after unlockCustomer: %v", err)
		}

		// An admin's lock still locks every IP, the ones that never failed included.
		must[models.Customer](t)(f.s.LockCustomer(f.ctx, f.admin, ada.ID, nil, nil))
		wantKind(t, f.customerSignIn(lockStranger, "ada@example.com", goodPassword), apperr.AccountLocked)
		wantKind(t, f.customerSignIn(lockOwner, "ada@example.com", goodPassword), apperr.AccountLocked)
	})
}

func TestAdminLockoutIsPerClientIP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := lockFixture(t, d, time.Hour)
		// A stranger guessing the super administrator's password locks out only the stranger.
		for range 3 {
			_, err := f.s.GenerateAdminToken(f.ctx, lockStranger, sessRootEmail, sessWrongPW)
			f.badCredentials(err)
		}
		_, err := f.s.GenerateAdminToken(f.ctx, lockStranger, sessRootEmail, goodPassword)
		wantKind(t, err, apperr.AccountLocked)
		must[service.Token](t)(f.s.GenerateAdminToken(f.ctx, lockOwner, sessRootEmail, goodPassword))

		// Admins and customers are counted apart: the same id space never mixes.
		root := must[service.AdminView](t)(f.s.CurrentAdmin(f.ctx, f.admin))
		if row := ipRow(t, d, models.SubjectAdmin, root.ID, lockStranger.IP); row.Failures != 3 || row.LockedUntil == nil {
			t.Fatalf("the stranger's row: %+v", row)
		}
	})
}

// TestChangeMyPasswordCountsAsSignIn: guessing the current password with a stolen token locks
// the guesser's IP out like failed sign-ins do, and does not lock out the owner.
func TestChangeMyPasswordCountsAsSignIn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := lockFixture(t, d, time.Hour)
		f.register("ada@example.com")
		_, p := f.signIn("ada@example.com", goodPassword)
		thief, owner := p, p
		thief.IP, owner.IP = lockStranger.IP, lockOwner.IP

		for range 3 {
			_, err := f.s.ChangeMyPassword(f.ctx, thief, sessWrongPW, sessNewPassword, sessNewPassword)
			wantKind(t, err, apperr.ValidationFailed)
		}
		_, err := f.s.ChangeMyPassword(f.ctx, thief, goodPassword, sessNewPassword, sessNewPassword)
		wantKind(t, err, apperr.AccountLocked)
		wantKind(t, f.customerSignIn(lockStranger, "ada@example.com", goodPassword), apperr.AccountLocked)

		// From the owner's IP a wrong guess counts, and the change then succeeds and clears it.
		_, err = f.s.ChangeMyPassword(f.ctx, owner, sessWrongPW, sessNewPassword, sessNewPassword)
		wantKind(t, err, apperr.ValidationFailed)
		must[service.Token](t)(f.s.ChangeMyPassword(f.ctx, owner, goodPassword, sessNewPassword, sessNewPassword))
		c := must[models.Customer](t)(f.s.GetCustomer(auth.With(f.ctx, f.admin), p.ID))
		if c.FailedLoginCount != 0 || ipRow(t, d, models.SubjectCustomer, p.ID, lockOwner.IP).Failures != 0 {
			t.Fatalf("after the change: failedLoginCount %d", c.FailedLoginCount)
		}
		if err := f.customerSignIn(lockOwner, "ada@example.com", sessNewPassword); err != nil {
			t.Fatal(err)
		}
	})
}

// TestConcurrentFailuresCountExactly: parallel failures from one IP are each counted once, and
// the lockout begins exactly at the threshold.
func TestConcurrentFailuresCountExactly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		const parallel = 32
		f := newSessFixture(t, d, func(c *config.Config) {
			c.LockoutThreshold, c.LockoutDuration = parallel, time.Hour
			c.RateLimitPerEmail, c.RateLimitPerIP = 0, 0
		})
		ada := f.register("ada@example.com")
		var wg sync.WaitGroup
		errs := make(chan error, parallel)
		for range parallel {
			wg.Go(func() { errs <- f.customerSignIn(lockStranger, "ada@example.com", sessWrongPW) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			f.badCredentials(err)
		}
		row := ipRow(t, d, models.SubjectCustomer, ada.ID, lockStranger.IP)
		if row.Failures != parallel || row.LockedUntil == nil {
			t.Fatalf("after %d parallel failures: %+v", parallel, row)
		}
		if c := f.customer(ada.ID); c.FailedLoginCount != parallel {
			t.Fatalf("failedLoginCount = %d, want %d", c.FailedLoginCount, parallel)
		}
		wantKind(t, f.customerSignIn(lockStranger, "ada@example.com", goodPassword), apperr.AccountLocked)
		if err := f.customerSignIn(lockOwner, "ada@example.com", goodPassword); err != nil {
			t.Fatal(err)
		}
	})
}

// TestEmailChangeAndErasureCountAsSignIn: the other operations that ask a signed-in customer
// for the password (an email change, erasing the account) are limited as a sign-in is: a
// wrong password counts as a failure from the caller's IP, and a locked-out IP is refused
// even with the right one, so a stolen access token cannot guess the password without limit.
func TestEmailChangeAndErasureCountAsSignIn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := lockFixture(t, d, time.Hour)
		f.register("ada@example.com")
		_, p := f.signIn("ada@example.com", goodPassword)
		thief := p
		thief.IP = lockStranger.IP
		changeEmail := func(password string) error {
			_, err := f.s.UpdateMe(f.ctx, thief, service.CustomerPatch{Email: ptr("ada@new.example.com"), CurrentPassword: ptr(password)})
			return err
		}
		wantKind(t, changeEmail(sessWrongPW), apperr.ValidationFailed)
		_, err := f.s.EraseMe(f.ctx, thief, sessWrongPW)
		wantKind(t, err, apperr.ValidationFailed)
		wantKind(t, changeEmail(sessWrongPW), apperr.ValidationFailed)
		if row := ipRow(t, d, models.SubjectCustomer, p.ID, lockStranger.IP); row.Failures != 3 || row.LockedUntil == nil {
			t.Fatalf("after 3 wrong passwords through updateMe and eraseMe: %+v, want locked", row)
		}
		wantKind(t, changeEmail(goodPassword), apperr.AccountLocked)
		_, err = f.s.EraseMe(f.ctx, thief, goodPassword)
		wantKind(t, err, apperr.AccountLocked)
		if c := f.customer(p.ID); c.Email != "ada@example.com" || c.ErasedAt != nil {
			t.Fatalf("a locked-out caller changed the account: %s, erased %v", c.Email, c.ErasedAt)
		}
		// From the owner's IP the change goes through.
		owner := p
		owner.IP = lockOwner.IP
		if _, err := f.s.UpdateMe(f.ctx, owner, service.CustomerPatch{Email: ptr("ada@new.example.com"), CurrentPassword: ptr(goodPassword)}); err != nil {
			t.Fatal(err)
		}
	})
}
