// What a partner's TypeScript code looks like against openapi-typescript types and openapi-fetch.
// .ci/ts/check generates schema.d.ts from openapi.yaml and compiles this file with tsc --strict,
// so a renamed path, operation, field or error code fails CI before partners see it. With
// CLIENTELE_URL set, run.cjs also calls run() against that server: it throws on any answer
// the contract does not promise.
import createClient from "openapi-fetch";
import type { components, operations, paths } from "./schema";

type Customer = components["schemas"]["Customer"];
type ErrorCode = components["schemas"]["ErrorCode"];
type Problem = components["schemas"]["Problem"];
type UpdateMeInput = components["schemas"]["UpdateMeInput"];

const password = "correct horse battery staple";

// expect fails the run with what was expected and what came back.
function expect(ok: boolean, what: string, got: unknown): asserts ok {
	if (!ok) throw new Error(`openapi-fetch: expected ${what}, got ${JSON.stringify(got)}`);
}

export async function run(baseUrl: string): Promise<void> {
	const client = createClient<paths>({ baseUrl });
	const email = `ts-fetch-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;

	// registerCustomer: 201 with the customer; company is null when none was asked for.
	const registered = await client.POST("/v1/auth/register", {
		params: { header: { "Idempotency-Key": crypto.randomUUID() } },
		body: { email, password, confirmPassword: password, firstName: "Jane", middleName: "Q.", lastName: "Doe" },
	});
	expect(registered.response.status === 201 && registered.data !== undefined, "201 from registerCustomer", registered.error);
	const customer: Customer = registered.data.customer;
	expect(customer.email === email && customer.middleName === "Q.", "the registered customer", customer);
	expect(registered.data.company === null, "company null", registered.data.company);

	// The same email again: 409 CONFLICT, read as a typed Problem.
	const again = await client.POST("/v1/auth/register", {
		body: { email, password, confirmPassword: password, firstName: "Jane", lastName: "Doe" },
	});
	const conflict: Problem | undefined = again.error;
	const conflictCode: ErrorCode | undefined = conflict?.code;
	expect(again.response.status === 409 && conflictCode === "CONFLICT", "409 CONFLICT", again.error);

	// A short password: 422 VALIDATION_FAILED naming the field.
	const invalid = await client.POST("/v1/auth/register", {
		body: { email: `short-${email}`, password: "short", confirmPassword: "short", firstName: "Jane", lastName: "Doe" },
	});
	const fields: string[] = invalid.error?.errors?.map((e) => e.field) ?? [];
	expect(
		invalid.response.status === 422 && invalid.error?.code === "VALIDATION_FAILED" && fields.includes("password"),
		"422 VALIDATION_FAILED naming password",
		invalid.error,
	);

	// generateCustomerToken
	const signedIn = await client.POST("/v1/auth/customer/token", { body: { email, password } });
	if (signedIn.error) {
		throw new Error(`openapi-fetch: sign-in failed: ${signedIn.error.code}: ${signedIn.error.detail ?? signedIn.error.title}`);
	}
	const bearer: string = signedIn.data.token;
	const expiresIn: number = signedIn.data.expiresIn;
	expect(signedIn.data.tokenType === "Bearer" && expiresIn > 0, "a bearer token", signedIn.data);
	const auth = { Authorization: `Bearer ${bearer}` };

	// getMe, with its ETag for If-Match.
	const me = await client.GET("/v1/me", { headers: auth });
	expect(me.data?.email === email, "getMe to return the customer", me.error);
	const etag = me.response.headers.get("ETag");
	expect(etag === `"${me.data.version}"`, `ETag "${me.data.version}"`, etag);

	// updateMe as a JSON merge patch: null clears middleName, a nullable field. The body is
	// declared with its type so that tsc also refuses a key UpdateMeInput does not name (an
	// inline body is not checked for extra keys); the server would answer 400.
	const patch: UpdateMeInput = { middleName: null, phone: "+44 20 7946 0958" };
	const patched = await client.PATCH("/v1/me", {
		params: { header: { "If-Match": etag } },
		headers: { ...auth, "Content-Type": "application/merge-patch+json" },
		body: patch,
	});
	expect(patched.data !== undefined, "200 from updateMe", patched.error);
	const cleared: string | null = patched.data.middleName;
	expect(cleared === null && patched.data.phone === "+44 20 7946 0958", "middleName cleared", patched.data);
	expect(patched.data.version === me.data.version + 1, "the version to grow by one", patched.data.version);
}

// Compile-only: listCustomers with a query, as an admin back office would call it.
export async function listCustomers(baseUrl: string, adminToken: string): Promise<string[]> {
	const client = createClient<paths>({ baseUrl });
	const page = await client.GET("/v1/customers", {
		headers: { Authorization: `Bearer ${adminToken}` },
		params: { query: { search: "doe", status: "ACTIVE", sort: "-createdAt", limit: 20, withTotal: true } },
	});
	const first: Customer | undefined = page.data?.items[0];
	const next: string | null | undefined = page.data?.nextCursor;
	const total: number | undefined = page.data?.totalCount;
	const listCode: ErrorCode | undefined = page.error?.code;

	// The operation names partners see are the spec's operationIds.
	type ListQuery = NonNullable<operations["listCustomers"]["parameters"]["query"]>;
	const query: ListQuery = { email: "jane.doe@example.com" };

	return [first?.id, next ?? "", String(total), listCode, query.email].filter((s): s is string => s !== undefined);
}
