// What a partner's TypeScript code looks like against the client orval generates from
// openapi.yaml (orval.config.ts: client "fetch", headers: true, fetcher.ts as the mutator).
// .ci/ts/check generates gen/ and compiles this file with tsc --strict; with CLIENTELE_URL set,
// run.cjs also calls run() against that server, which throws on any answer the contract does
// not promise. Each call resolves to { status, data, headers } for every status the spec lists,
// so checking status narrows data to the success type or to a Problem.
import { clientele } from "./fetcher";
import { generateCustomerToken, getMe, registerCustomer, updateMe } from "./gen/clientele";
import type { Customer, ErrorCode, Problem, RegisterCustomerInput, UpdateMeInput } from "./gen/model";

const password = "correct horse battery staple";

// expect fails the run with what was expected and what came back.
function expect(ok: boolean, what: string, got: unknown): asserts ok {
	if (!ok) throw new Error(`orval: expected ${what}, got ${JSON.stringify(got)}`);
}

export async function run(baseUrl: string): Promise<void> {
	clientele.baseUrl = baseUrl;
	clientele.token = undefined;
	const email = `ts-orval-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
	const input: RegisterCustomerInput = { email, password, confirmPassword: password, firstName: "Jane", middleName: "Q.", lastName: "Doe" };

	// registerCustomer: 201 with the customer; company is null when none was asked for.
	const registered = await registerCustomer(input, { "Idempotency-Key": crypto.randomUUID() });
	expect(registered.status === 201, "201 from registerCustomer", registered.data);
	const customer: Customer = registered.data.customer;
	expect(customer.email === email && customer.middleName === "Q.", "the registered customer", customer);
	expect(registered.data.company === null, "company null", registered.data.company);

	// The same email again: 409 CONFLICT, read as a typed Problem.
	const again = await registerCustomer({ ...input, middleName: undefined });
	expect(again.status === 409, "409 from registering the email again", again.data);
	const conflict: Problem = again.data;
	const conflictCode: ErrorCode = conflict.code;
	expect(conflictCode === "CONFLICT", "code CONFLICT", conflict);

	// A short password: 422 VALIDATION_FAILED naming the field.
	const invalid = await registerCustomer({ ...input, email: `short-${email}`, password: "short", confirmPassword: "short" });
	expect(invalid.status === 422, "422 from a short password", invalid.data);
	const fields: string[] = invalid.data.errors?.map((e) => e.field) ?? [];
	expect(invalid.data.code === "VALIDATION_FAILED" && fields.includes("password"), "VALIDATION_FAILED naming password", invalid.data);

	// generateCustomerToken
	const signedIn = await generateCustomerToken({ email, password });
	if (signedIn.status !== 200) {
		throw new Error(`orval: sign-in failed: ${signedIn.data.code}: ${signedIn.data.detail ?? signedIn.data.title}`);
	}
	const expiresIn: number = signedIn.data.expiresIn;
	expect(signedIn.data.tokenType === "Bearer" && expiresIn > 0, "a bearer token", signedIn.data);
	clientele.token = signedIn.data.token;

	// getMe, with its ETag for If-Match.
	const me = await getMe();
	expect(me.status === 200 && me.data.email === email, "getMe to return the customer", me.data);
	const etag = me.headers.get("ETag");
	expect(etag === `"${me.data.version}"`, `ETag "${me.data.version}"`, etag);

	// updateMe as a JSON merge patch (the generated call sends application/merge-patch+json):
	// null clears middleName, a nullable field.
	const patch: UpdateMeInput = { middleName: null, phone: "+44 20 7946 0958" };
	const patched = await updateMe(patch, { "If-Match": etag });
	expect(patched.status === 200, "200 from updateMe", patched.data);
	const cleared: string | null = patched.data.middleName;
	expect(cleared === null && patched.data.phone === "+44 20 7946 0958", "middleName cleared", patched.data);
	expect(patched.data.version === me.data.version + 1, "the version to grow by one", patched.data.version);
}
