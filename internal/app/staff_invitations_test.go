package app_test

import (
	"testing"

	"github.com/clientele/clientele/api"
)

// An admin created without a password is invited: it can't sign in, the INVITATION in the
// outbox carries a token that sets its password once and signs it in as an admin.
func TestStaffInvitation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachStaffFace(t, e, func(t *testing.T, face staffFace) {
			f := face.(privacyFace)
			root := adminToken(t, f)
			email := f.Name() + "-invited-staff@example.com"
			readers := f.CreateRole(root, api.CreateRoleInput{Name: f.Name() + " staff readers", Permissions: []string{"admins:read"}}).ok(t)["id"].(string)
			in := api.CreateAdminInput{Email: email, Name: "Ivy Invited", ExternalId: ptrTo(f.Name() + "-hr-1"), RoleIds: &[]string{readers}}
			a := f.CreateAdmin(root, in).ok(t)
			id := a["id"].(string)
			if a["hasAccount"] != false || a["externalId"] != f.Name()+"-hr-1" {
				t.Fatalf("invited admin: hasAccount %v externalId %v", a["hasAccount"], a["externalId"])
			}

			// No password yet: signing in fails as a wrong password does.
			wrong := f.AdminToken(adminEmail, "not the root password")
			wrong.fails(t, "UNAUTHENTICATED")
			if r := f.AdminToken(email, goodPassword); r.Code != "UNAUTHENTICATED" || r.Message != wrong.Message {
				t.Fatalf("sign-in of an invited admin: %s %q, a wrong password: %q", r.Code, r.Message, wrong.Message)
			}

			invitation := mailedToken(t, f, root, email, "INVITATION")
			// Other one-time flows don't take an invitation.
			f.ResetPassword(invitation, goodPassword, goodPassword).fails(t, "VALIDATION_FAILED", "token")
			f.VerifyEmail(invitation).fails(t, "VALIDATION_FAILED", "token")
			// The password policy applies, and a refused attempt does not spend the token.
			f.AcceptInvitation(invitation, "short", "short").fails(t, "VALIDATION_FAILED", "password")
			f.AcceptInvitation(invitation, email, email).fails(t, "VALIDATION_FAILED", "password")
			f.AcceptInvitation(invitation, goodPassword, "something else").fails(t, "VALIDATION_FAILED", "confirmPassword")

			tok := f.AcceptInvitation(invitation, goodPassword, goodPassword).ok(t)["token"].(string)
			// An admin token: it works where admins:read is needed, not where a customer is.
			if me := f.CurrentAdmin(tok).ok(t); me["id"] != id || me["hasAccount"] != true {
				t.Fatalf("currentAdmin after accepting: %v", me)
			}
			f.Admins(tok).ok(t)
			f.Me(tok).fails(t, "FORBIDDEN")
			if got := f.Admin(root, id).ok(t); got["hasAccount"] != true {
				t.Fatalf("hasAccount after accepting: %v", got["hasAccount"])
			}
			// Single use.
			f.AcceptInvitation(invitation, "another passphrase here", "another passphrase here").fails(t, "VALIDATION_FAILED", "token")
			f.AdminToken(email, goodPassword).ok(t)
			events := f.AuditEvents(root, id, "admin.invitation_accepted").ok(t)["items"].([]any)
			if len(events) != 1 || events[0].(map[string]any)["actorType"] != "ADMIN" || events[0].(map[string]any)["actorId"] != id {
				t.Fatalf("admin.invitation_accepted events: %v", events)
			}

			// A customer's invitation signs in a customer, who is no admin.
			customer := f.Name() + "-invited-customer@example.com"
			f.CreateCustomer(root, api.CreateCustomerInput{Email: customer, FirstName: "Cy", LastName: "Customer"}).ok(t)
			ctok := f.AcceptInvitation(mailedToken(t, f, root, customer, "INVITATION"), goodPassword, goodPassword).ok(t)["token"].(string)
			f.Me(ctok).ok(t)
			f.CurrentAdmin(ctok).fails(t, "FORBIDDEN")
			f.Admins(ctok).fails(t, "FORBIDDEN")
		})
	})
}

// An invited Super Administrator may never accept: until it does, it does not count as the
// active one that must remain.
func TestInvitedSuperAdministratorIsNotTheLastOne(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachStaffFace(t, e, func(t *testing.T, f staffFace) {
			root := adminToken(t, f)
			me := f.CurrentAdmin(root).ok(t)
			super := me["roles"].([]any)[0].(map[string]any)["id"].(string)
			email := f.Name() + "-invited-root@example.com"
			id := f.CreateAdmin(root, api.CreateAdminInput{Email: email, Name: "Root to be", RoleIds: &[]string{super}}).ok(t)["id"].(string)
			f.UpdateAdmin(root, me["id"].(string), map[string]any{"roleIds": []string{}}).fails(t, "CONFLICT")
			second := f.AcceptInvitation(mailedToken(t, f, root, email, "INVITATION"), goodPassword, goodPassword).ok(t)["token"].(string)
			f.UpdateAdmin(root, me["id"].(string), map[string]any{"roleIds": []string{}}).ok(t)
			// Back as it was, for the next face.
			f.UpdateAdmin(second, me["id"].(string), map[string]any{"roleIds": []string{super}}).ok(t)
			f.DeleteAdmin(root, id).ok(t)
		})
	})
}

// externalId is unique among admins when set; a duplicate is a CONFLICT naming it, on create
// and on update, and null clears it.
func TestAdminExternalID(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachStaffFace(t, e, func(t *testing.T, f staffFace) {
			root := adminToken(t, f)
			ext := f.Name() + "-hr-7"
			first := f.CreateAdmin(root, api.CreateAdminInput{Email: f.Name() + "-ext1@example.com", Name: "One", ExternalId: &ext, Password: ptrTo(goodPassword)}).ok(t)
			if first["externalId"] != ext || first["hasAccount"] != true {
				t.Fatalf("created: externalId %v hasAccount %v", first["externalId"], first["hasAccount"])
			}
			f.CreateAdmin(root, api.CreateAdminInput{Email: f.Name() + "-ext2@example.com", Name: "Two", ExternalId: &ext}).fails(t, "CONFLICT", "externalId")
			f.CreateAdmin(root, api.CreateAdminInput{Email: f.Name() + "-ext1@example.com", Name: "Two", ExternalId: ptrTo("other")}).fails(t, "CONFLICT", "email")
			second := f.CreateAdmin(root, api.CreateAdminInput{Email: f.Name() + "-ext2@example.com", Name: "Two"}).ok(t)
			if second["externalId"] != nil {
				t.Fatalf("externalId of an admin without one: %v", second["externalId"])
			}
			sid := second["id"].(string)
			f.UpdateAdmin(root, sid, map[string]any{"externalId": ext}).fails(t, "CONFLICT", "externalId")
			f.UpdateAdmin(root, first["id"].(string), map[string]any{"externalId": nil}).ok(t)
			if got := f.UpdateAdmin(root, sid, map[string]any{"externalId": ext}).ok(t); got["externalId"] != ext {
				t.Fatalf("externalId after update: %v", got["externalId"])
			}
			if got := f.Admin(root, first["id"].(string)).ok(t); got["externalId"] != nil {
				t.Fatalf("externalId after clearing: %v", got["externalId"])
			}
		})
	})
}

// Sending an invitation again revokes the earlier one. An invitation is sent again when the
// invitee's email changes (updateAdmin for staff, updateCustomer and updateCompanyUser for
// customers); changing the email back shows the earlier token is revoked, not only addressed
// elsewhere.
func TestResentInvitationRevokesTheEarlierOne(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachStaffFace(t, e, func(t *testing.T, face staffFace) {
			f := face.(companyFace)
			root := adminToken(t, f)
			email, elsewhere := f.Name()+"-resent-staff@example.com", f.Name()+"-resent-staff-2@example.com"
			id := f.CreateAdmin(root, api.CreateAdminInput{Email: email, Name: "Rex Resent"}).ok(t)["id"].(string)
			first := mailedToken(t, f, root, email, "INVITATION")
			f.UpdateAdmin(root, id, map[string]any{"email": elsewhere}).ok(t)
			second := mailedToken(t, f, root, elsewhere, "INVITATION")
			f.UpdateAdmin(root, id, map[string]any{"email": email}).ok(t)
			third := mailedToken(t, f, root, email, "INVITATION")
			if first == third {
				t.Fatal("the same invitation token was sent twice")
			}
			for _, stale := range []string{first, second} {
				f.AcceptInvitation(stale, goodPassword, goodPassword).fails(t, "VALIDATION_FAILED", "token")
			}
			f.CurrentAdmin(f.AcceptInvitation(third, goodPassword, goodPassword).ok(t)["token"].(string)).ok(t)
			// Once the admin has a password, an email change sends no invitation.
			f.UpdateAdmin(root, id, map[string]any{"email": elsewhere}).ok(t)
			if n := len(f.Messages(root, elsewhere, "INVITATION").ok(t)["items"].([]any)); n != 1 {
				t.Fatalf("%d invitations to %s, want the one sent before the password was set", n, elsewhere)
			}

			c := registerCompany(t, f, f.Name()+"-resent-owner@example.com", f.Name()+" Resent Ltd")
			person, moved := f.Name()+"-resent-buyer@example.com", f.Name()+"-resent-buyer-2@example.com"
			uid := f.CreateCompanyUser(c.owner, c.id, api.CreateCompanyUserInput{Email: &person, FirstName: ptr("Bo"), LastName: ptr("Buyer")}).ok(t)["id"].(string)
			first = mailedToken(t, f, root, person, "INVITATION")
			f.UpdateCompanyUser(c.owner, c.id, uid, map[string]any{"email": moved}, 0).ok(t)
			second = mailedToken(t, f, root, moved, "INVITATION")
			f.UpdateCompanyUser(c.owner, c.id, uid, map[string]any{"email": person}, 0).ok(t)
			third = mailedToken(t, f, root, person, "INVITATION")
			for _, stale := range []string{first, second} {
				f.AcceptInvitation(stale, goodPassword, goodPassword).fails(t, "VALIDATION_FAILED", "token")
			}
			f.Me(f.AcceptInvitation(third, goodPassword, goodPassword).ok(t)["token"].(string)).ok(t)

			invited, corrected := f.Name()+"-resent-typo@example.con", f.Name()+"-resent-typo@example.com"
			cid := f.CreateCustomer(root, api.CreateCustomerInput{Email: invited, FirstName: "Ty", LastName: "Po"}).ok(t)["id"].(string)
			first = mailedToken(t, f, root, invited, "INVITATION")
			f.UpdateCustomer(root, cid, map[string]any{"email": corrected}).ok(t)
			second = mailedToken(t, f, root, corrected, "INVITATION")
			f.AcceptInvitation(first, goodPassword, goodPassword).fails(t, "VALIDATION_FAILED", "token")
			f.Me(f.AcceptInvitation(second, goodPassword, goodPassword).ok(t)["token"].(string)).ok(t)
			// Once the customer has a password, an email change sends no invitation.
			f.UpdateCustomer(root, cid, map[string]any{"email": invited}).ok(t)
			if n := len(f.Messages(root, invited, "INVITATION").ok(t)["items"].([]any)); n != 1 {
				t.Fatalf("%d invitations to %s, want the one sent before the password was set", n, invited)
			}
		})
	})
}
