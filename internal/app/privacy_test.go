package app_test

import (
	"testing"

	"github.com/clientele/clientele/api"
)

// privacyFace is the audit and privacy part of an API.
type privacyFace interface {
	staffFace
	ExportMe(token string) result
	ExportCustomer(token, id string) result
	EraseMe(token, password string) result
	EraseCustomer(token, id string) result
	AuditEvents(token, targetID, action string) result
}

func (r *restFace) ExportMe(token string) result {
	resp, err := r.e.rest.ExportMeWithResponse(ctx, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) ExportCustomer(token, id string) result {
	resp, err := r.e.rest.ExportCustomerWithResponse(ctx, id, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) EraseMe(token, password string) result {
	resp, err := r.e.rest.EraseMeWithResponse(ctx, &api.EraseMeParams{}, api.EraseMeInput{Password: password}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) EraseCustomer(token, id string) result {
	resp, err := r.e.rest.EraseCustomerWithResponse(ctx, id, &api.EraseCustomerParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) AuditEvents(token, targetID, action string) result {
	resp, err := r.e.rest.ListAuditEventsWithResponse(ctx, &api.ListAuditEventsParams{TargetId: &targetID, Action: &action}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

const exportFields = `exportedAt customer { id email isLocked lockedUntil } addresses { id } groups { id name }
	auditEvents { id action actorType actorId targetType targetId changes requestId ip occurredAt }`

func (g *graphFace) ExportMe(token string) result {
	return g.call(token, `{ exportMe { `+exportFields+` } }`, nil, "exportMe")
}

func (g *graphFace) ExportCustomer(token, id string) result {
	return g.call(token, `query($id: ID!) { exportCustomer(id: $id) { `+exportFields+` } }`, map[string]any{"id": id}, "exportCustomer")
}

func (g *graphFace) EraseMe(token, password string) result {
	return g.call(token, `mutation($p: String!) { eraseMe(password: $p) { `+customerFields+` } }`, map[string]any{"p": password}, "eraseMe")
}

func (g *graphFace) EraseCustomer(token, id string) result {
	return g.call(token, `mutation($id: ID!) { eraseCustomer(id: $id) { `+customerFields+` } }`, map[string]any{"id": id}, "eraseCustomer")
}

func (g *graphFace) AuditEvents(token, targetID, action string) result {
	return nodesAsItems(g.call(token, `query($f: AuditEventFilter) { auditEvents(filter: $f) { nodes { id action actorType actorId targetId changes requestId ip } totalCount } }`,
		map[string]any{"f": map[string]any{"targetId": targetID, "action": action}}, "auditEvents"))
}

func TestExportEraseAndAudit(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachFace(t, e, func(t *testing.T, face face) {
			f := face.(privacyFace)
			admin := adminToken(t, f)
			email := f.Name() + "-private@example.com"
			c, tok := signUp(t, f, email)
			id := c["id"].(string)
			f.CreateMyAddress(tok, newAddress("1 Private Lane")).ok(t)

			exp := f.ExportMe(tok).ok(t)
			if exp["customer"].(map[string]any)["email"] != email || len(exp["addresses"].([]any)) != 1 || len(exp["auditEvents"].([]any)) < 2 {
				t.Fatalf("export = %v", exp)
			}
			f.ExportCustomer(tok, id).fails(t, "FORBIDDEN")
			f.ExportCustomer(admin, id).ok(t)

			created := f.AuditEvents(admin, id, "customer.created").ok(t)["items"].([]any)
			if len(created) != 1 {
				t.Fatalf("customer.created events: %d", len(created))
			}
			ev := created[0].(map[string]any)
			if ev["actorType"] != "CUSTOMER" || ev["actorId"] != id || ev["requestId"] == "" {
				t.Fatalf("event = %v", ev)
			}
			f.AuditEvents(tok, id, "").fails(t, "FORBIDDEN")

			f.EraseMe(tok, "wrong password!").fails(t, "VALIDATION_FAILED", "password")
			erased := f.EraseMe(tok, goodPassword).ok(t)
			if erased["email"] != "erased+"+id+"@erased.invalid" || erased["status"] != "INACTIVE" || erased["erasedAt"] == nil || erased["firstName"] != "" {
				t.Fatalf("erased = %v", erased)
			}
			f.Me(tok).fails(t, "UNAUTHENTICATED")
			f.Register(registration(email)).ok(t) // the email is free again
			f.EraseCustomer(admin, id).fails(t, "CONFLICT")
		})
	})
}
