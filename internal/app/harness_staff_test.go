package app_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/clientele/clientele/api"
)

// staffFace is the account-lifecycle and staff half of an API.
type staffFace interface {
	addressFace
	RequestPasswordReset(email string) result
	ResetPassword(token, password, confirm string) result
	SendVerifyEmail(email string) result
	VerifyEmail(token string) result
	AcceptInvitation(token, password, confirm string) result
	RegenerateCustomerToken(token string) result
	LockCustomer(token, id string, until *time.Time, reason string) result
	UnlockCustomer(token, id string) result
	Messages(token, to, template string) result
	Admins(token string) result
	Admin(token, id string) result
	CreateAdmin(token string, in api.CreateAdminInput) result
	UpdateAdmin(token, id string, patch map[string]any) result
	DeleteAdmin(token, id string) result
	Roles(token string) result
	Role(token, id string) result
	CreateRole(token string, in api.CreateRoleInput) result
	UpdateRole(token, id string, patch map[string]any) result
	DeleteRole(token, id string) result
	Permissions(token string) result
}

func eachStaffFace(t *testing.T, e *env, fn func(t *testing.T, f staffFace)) {
	eachFace(t, e, func(t *testing.T, f face) { fn(t, f.(staffFace)) })
}

// ---- REST ----

func (r *restFace) RequestPasswordReset(email string) result {
	resp, err := r.e.rest.RequestPasswordResetWithResponse(ctx, &api.RequestPasswordResetParams{}, api.RequestPasswordResetInput{Email: email})
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) ResetPassword(token, password, confirm string) result {
	resp, err := r.e.rest.ResetPasswordWithResponse(ctx, &api.ResetPasswordParams{}, api.ResetPasswordInput{Token: token, NewPassword: password, ConfirmPassword: confirm})
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) SendVerifyEmail(email string) result {
	resp, err := r.e.rest.SendVerifyEmailWithResponse(ctx, &api.SendVerifyEmailParams{}, api.SendVerifyEmailInput{Email: email})
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) VerifyEmail(token string) result {
	resp, err := r.e.rest.VerifyEmailWithResponse(ctx, &api.VerifyEmailParams{}, api.VerifyEmailInput{Token: token})
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) AcceptInvitation(token, password, confirm string) result {
	resp, err := r.e.rest.AcceptInvitationWithResponse(ctx, &api.AcceptInvitationParams{}, api.AcceptInvitationInput{Token: token, Password: password, ConfirmPassword: confirm})
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) RegenerateCustomerToken(token string) result {
	resp, err := r.e.rest.RegenerateCustomerTokenWithResponse(ctx, &api.RegenerateCustomerTokenParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) LockCustomer(token, id string, until *time.Time, reason string) result {
	resp, err := r.e.rest.LockCustomerWithResponse(ctx, id, &api.LockCustomerParams{}, api.LockCustomerInput{Until: until, Reason: &reason}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) UnlockCustomer(token, id string) result {
	resp, err := r.e.rest.UnlockCustomerWithResponse(ctx, id, &api.UnlockCustomerParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) Messages(token, to, template string) result {
	r.e.settle()
	p := api.ListMessagesParams{To: &to}
	if template != "" {
		p.Template = ptrTo(api.MessageTemplate(template))
	}
	resp, err := r.e.rest.ListMessagesWithResponse(ctx, &p, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) Admins(token string) result {
	resp, err := r.e.rest.ListAdminsWithResponse(ctx, &api.ListAdminsParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) Admin(token, id string) result {
	resp, err := r.e.rest.GetAdminWithResponse(ctx, id, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CreateAdmin(token string, in api.CreateAdminInput) result {
	resp, err := r.e.rest.CreateAdminWithResponse(ctx, &api.CreateAdminParams{}, in, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) UpdateAdmin(token, id string, patch map[string]any) result {
	b, _ := json.Marshal(patch)
	resp, err := r.e.rest.UpdateAdminWithBodyWithResponse(ctx, id, &api.UpdateAdminParams{}, "application/merge-patch+json", bytes.NewReader(b), bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) DeleteAdmin(token, id string) result {
	resp, err := r.e.rest.DeleteAdminWithResponse(ctx, id, &api.DeleteAdminParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) Roles(token string) result {
	resp, err := r.e.rest.ListRolesWithResponse(ctx, &api.ListRolesParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) Role(token, id string) result {
	resp, err := r.e.rest.GetRoleWithResponse(ctx, id, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CreateRole(token string, in api.CreateRoleInput) result {
	resp, err := r.e.rest.CreateRoleWithResponse(ctx, &api.CreateRoleParams{}, in, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) UpdateRole(token, id string, patch map[string]any) result {
	b, _ := json.Marshal(patch)
	resp, err := r.e.rest.UpdateRoleWithBodyWithResponse(ctx, id, &api.UpdateRoleParams{}, "application/merge-patch+json", bytes.NewReader(b), bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) DeleteRole(token, id string) result {
	resp, err := r.e.rest.DeleteRoleWithResponse(ctx, id, &api.DeleteRoleParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) Permissions(token string) result {
	resp, err := r.e.rest.ListPermissionsWithResponse(ctx, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

// ---- GraphQL ----

const (
	roleFields    = `id name description permissions adminsCount version createdAt updatedAt`
	adminFields   = `id email name status externalId hasAccount permissions lastLoginAt version createdAt updatedAt roles { ` + roleFields + ` }`
	messageFields = `id to subject template body status createdAt sentAt`
)

func (g *graphFace) RequestPasswordReset(email string) result {
	return g.call("", `mutation($e: String!) { requestPasswordReset(email: $e) { accepted } }`, map[string]any{"e": email}, "requestPasswordReset")
}

func (g *graphFace) ResetPassword(token, password, confirm string) result {
	return g.call("", `mutation($t: String!, $p: String!, $c: String!) { resetPassword(token: $t, newPassword: $p, confirmPassword: $c) { `+tokenFields+` } }`,
		map[string]any{"t": token, "p": password, "c": confirm}, "resetPassword")
}

func (g *graphFace) SendVerifyEmail(email string) result {
	return g.call("", `mutation($e: String!) { sendVerifyEmail(email: $e) { accepted } }`, map[string]any{"e": email}, "sendVerifyEmail")
}

func (g *graphFace) VerifyEmail(token string) result {
	return g.call("", `mutation($t: String!) { verifyEmail(token: $t) { `+customerFields+` } }`, map[string]any{"t": token}, "verifyEmail")
}

func (g *graphFace) AcceptInvitation(token, password, confirm string) result {
	return g.call("", `mutation($t: String!, $p: String!, $c: String!) { acceptInvitation(token: $t, password: $p, confirmPassword: $c) { `+tokenFields+` } }`,
		map[string]any{"t": token, "p": password, "c": confirm}, "acceptInvitation")
}

func (g *graphFace) RegenerateCustomerToken(token string) result {
	return g.call(token, `mutation { regenerateCustomerToken { success token } }`, nil, "regenerateCustomerToken")
}

func (g *graphFace) LockCustomer(token, id string, until *time.Time, reason string) result {
	return g.call(token, `mutation($id: ID!, $u: Time, $r: String) { lockCustomer(id: $id, until: $u, reason: $r) { `+customerFields+` } }`,
		map[string]any{"id": id, "u": until, "r": reason}, "lockCustomer")
}

func (g *graphFace) UnlockCustomer(token, id string) result {
	return g.call(token, `mutation($id: ID!) { unlockCustomer(id: $id) { `+customerFields+` } }`, map[string]any{"id": id}, "unlockCustomer")
}

func (g *graphFace) Messages(token, to, template string) result {
	g.e.settle()
	filter := map[string]any{"to": to}
	if template != "" {
		filter["template"] = template
	}
	return nodesAsItems(g.call(token, `query($f: MessageFilter) { messages(filter: $f) { nodes { `+messageFields+` } totalCount } }`,
		map[string]any{"f": filter}, "messages"))
}

// nodesAsItems reshapes a connection like a REST list.
func nodesAsItems(r result) result {
	if r.Code == "" {
		r.Data = map[string]any{"items": r.Data["nodes"], "totalCount": r.Data["totalCount"]}
	}
	return r
}

func (g *graphFace) Admins(token string) result {
	return nodesAsItems(g.call(token, `{ admins { nodes { `+adminFields+` } totalCount } }`, nil, "admins"))
}

func (g *graphFace) Admin(token, id string) result {
	return g.call(token, `query($id: ID!) { admin(id: $id) { `+adminFields+` } }`, map[string]any{"id": id}, "admin")
}

func (g *graphFace) CreateAdmin(token string, in api.CreateAdminInput) result {
	return g.call(token, `mutation($input: CreateAdminInput!) { createAdmin(input: $input) { `+adminFields+` } }`,
		map[string]any{"input": asVars(in)}, "createAdmin")
}

func (g *graphFace) UpdateAdmin(token, id string, patch map[string]any) result {
	return g.call(token, `mutation($id: ID!, $input: UpdateAdminInput!) { updateAdmin(id: $id, input: $input) { `+adminFields+` } }`,
		map[string]any{"id": id, "input": patch}, "updateAdmin")
}

func (g *graphFace) DeleteAdmin(token, id string) result {
	return g.call(token, `mutation($id: ID!) { deleteAdmin(id: $id) }`, map[string]any{"id": id}, "deleteAdmin")
}

func (g *graphFace) Roles(token string) result {
	return nodesAsItems(g.call(token, `{ roles { nodes { `+roleFields+` } totalCount } }`, nil, "roles"))
}

func (g *graphFace) Role(token, id string) result {
	return g.call(token, `query($id: ID) { role(id: $id) { `+roleFields+` } }`, map[string]any{"id": id}, "role")
}

func (g *graphFace) CreateRole(token string, in api.CreateRoleInput) result {
	return g.call(token, `mutation($input: CreateRoleInput!) { createRole(input: $input) { `+roleFields+` } }`,
		map[string]any{"input": asVars(in)}, "createRole")
}

func (g *graphFace) UpdateRole(token, id string, patch map[string]any) result {
	return g.call(token, `mutation($id: ID!, $input: UpdateRoleInput!) { updateRole(id: $id, input: $input) { `+roleFields+` } }`,
		map[string]any{"id": id, "input": patch}, "updateRole")
}

func (g *graphFace) DeleteRole(token, id string) result {
	return g.call(token, `mutation($id: ID!) { deleteRole(id: $id) }`, map[string]any{"id": id}, "deleteRole")
}

func (g *graphFace) Permissions(token string) result {
	return items(g.call(token, `{ permissions { name description } }`, nil, "permissions"))
}
