// What a partner's TypeScript code looks like against the client generated from openapi.yaml.
// .ci/run generates schema.d.ts (openapi-typescript) and type-checks this file with
// `tsc --noEmit --strict`; it is never run. A renamed path, operation, field or error code in the
// spec makes it fail to compile, before partners see the change.
import createClient from "openapi-fetch";
import type { components, operations, paths } from "./schema";

type Customer = components["schemas"]["Customer"];
type ErrorCode = components["schemas"]["ErrorCode"];

const client = createClient<paths>({ baseUrl: "https://clientele.example.com" });

export async function signUpAndBrowse(adminToken: string): Promise<string[]> {
	// registerCustomer
	const registered = await client.POST("/v1/auth/register", {
		params: { header: { "Idempotency-Key": "signup-1" } },
		body: {
			email: "jane.doe@example.com",
			password: "correct horse battery staple",
			confirmPassword: "correct horse battery staple",
			firstName: "Jane",
			lastName: "Doe",
		},
	});
	const email: string | undefined = registered.data?.customer.email;
	const code: ErrorCode | undefined = registered.error?.code;
	const fields: string[] | undefined = registered.error?.errors?.map((e) => e.field);

	// generateCustomerToken
	const signedIn = await client.POST("/v1/auth/customer/token", {
		body: { email: email ?? "jane.doe@example.com", password: "correct horse battery staple" },
	});
	if (signedIn.error) {
		throw new Error(`${signedIn.error.code}: ${signedIn.error.detail ?? signedIn.error.title}`);
	}
	const bearer: string = signedIn.data.token;
	const expiresIn: number = signedIn.data.expiresIn;

	// getMe
	const me = await client.GET("/v1/me", { headers: { Authorization: `Bearer ${bearer}` } });
	const myName: string | undefined = me.data?.fullName;
	const myVersion: number | undefined = me.data?.version;
	const meCode: ErrorCode | undefined = me.error?.code;

	// listCustomers with a query
	const page = await client.GET("/v1/customers", {
		headers: { Authorization: `Bearer ${adminToken}` },
		params: { query: { search: "doe", status: "ACTIVE", sort: "-createdAt", limit: 20, withTotal: true } },
	});
	const first: Customer | undefined = page.data?.items[0];
	const firstEmail: string | undefined = page.data?.items[0]?.email;
	const next: string | null | undefined = page.data?.nextCursor;
	const total: number | undefined = page.data?.totalCount;
	const listCode: ErrorCode | undefined = page.error?.code;

	// The operation names partners see are the spec's operationIds.
	type ListQuery = NonNullable<operations["listCustomers"]["parameters"]["query"]>;
	const query: ListQuery = { email: "jane.doe@example.com" };

	return [email, code, fields?.join(","), String(expiresIn), myName, String(myVersion), meCode, first?.id, firstEmail, next ?? "", String(total), listCode, query.email].filter(
		(s): s is string => s !== undefined,
	);
}
