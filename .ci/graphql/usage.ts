// What a front end's TypeScript looks like against the types graphql-codegen generates from the
// published SDL and operations.graphql. .ci/run generates generated/ and type-checks this file
// with `tsc --noEmit --strict`; it is never run. A renamed type, field, argument or enum value
// in the schema, or a document that no longer validates, fails here before clients see it.
import type * as Schema from "./generated/schema";
import type {
	ClearMiddleNameMutation,
	ClearMiddleNameMutationVariables,
	CustomersQuery,
	CustomersQueryVariables,
	MeQuery,
	MeQueryVariables,
	RegisterMutation,
	RegisterMutationVariables,
	SignInMutation,
	SignInMutationVariables,
} from "./generated/operations";

// The error codes of extensions.code (the schema's description lists them).
type ErrorCode =
	| "BAD_REQUEST"
	| "UNAUTHENTICATED"
	| "FORBIDDEN"
	| "NOT_FOUND"
	| "CONFLICT"
	| "PRECONDITION_FAILED"
	| "VALIDATION_FAILED"
	| "ACCOUNT_LOCKED"
	| "RATE_LIMITED"
	| "INTERNAL"
	| "UNAVAILABLE";

interface GraphQLError {
	message: string;
	path?: (string | number)[];
	extensions?: { code?: ErrorCode; fields?: { field: string; message: string }[]; retryAfter?: number };
}

// A request error (nothing ran) has no data entry; a field error leaves the field null.
interface GraphQLResponse<Data> {
	data?: Data;
	errors?: GraphQLError[];
}

// Each document of operations.graphql by name, with its result and variables.
interface Operations {
	Register: [RegisterMutation, RegisterMutationVariables];
	SignIn: [SignInMutation, SignInMutationVariables];
	Me: [MeQuery, MeQueryVariables];
	ClearMiddleName: [ClearMiddleNameMutation, ClearMiddleNameMutationVariables];
	Customers: [CustomersQuery, CustomersQueryVariables];
}

// The documents' text; an application's bundler loads it from operations.graphql.
declare const documents: { [Name in keyof Operations]: string };

async function run<Name extends keyof Operations>(
	name: Name,
	variables: Operations[Name][1],
	token?: string,
): Promise<GraphQLResponse<Operations[Name][0]>> {
	const response = await fetch("https://clientele.example.com/graphql", {
		method: "POST",
		headers: {
			"Content-Type": "application/json",
			Accept: "application/graphql-response+json, application/json;q=0.9",
			...(token ? { Authorization: `Bearer ${token}` } : {}),
		},
		body: JSON.stringify({ query: documents[name], operationName: name, variables }),
	});
	return (await response.json()) as GraphQLResponse<Operations[Name][0]>;
}

export async function signUpAndBrowse(adminToken: string): Promise<string[]> {
	// Only the required fields: every optional input is optional in the generated type.
	const input: Schema.RegisterCustomerInput = {
		email: "jane.doe@example.com",
		password: "correct horse battery staple",
		confirmPassword: "correct horse battery staple",
		firstName: "Jane",
		lastName: "Doe",
	};
	const registered = await run("Register", { input });
	const conflict = registered.errors?.some((e) => e.extensions?.code === "CONFLICT") ?? false;
	const invalid: string[] = registered.errors?.flatMap((e) => e.extensions?.fields?.map((f) => f.field) ?? []) ?? [];
	const company: { id: string; name: string } | null | undefined = registered.data?.registerCustomer?.company;

	const signedIn = await run("SignIn", { email: input.email, password: input.password });
	const token = signedIn.data?.generateCustomerToken?.token;
	if (!token) {
		throw new Error(signedIn.errors?.[0]?.message ?? "sign-in failed");
	}
	const expiresIn: number | undefined = signedIn.data?.generateCustomerToken?.expiresIn;

	const me = await run("Me", {}, token);
	const version: number = me.data?.me?.version ?? 1;
	const status: Schema.CustomerStatus | undefined = me.data?.me?.status;
	const metadata: Record<string, unknown> | undefined = me.data?.me?.metadata;

	// Clearing: the document sends null for middleName and phone.
	const cleared = await run("ClearMiddleName", { version }, token);
	const middleName: string | null | undefined = cleared.data?.updateMe?.middleName;
	const stale = cleared.errors?.some((e) => e.extensions?.code === "PRECONDITION_FAILED") ?? false;

	// Forward pagination over a Relay connection.
	const emails: string[] = [];
	let after: string | null = null;
	for (;;) {
		const page: GraphQLResponse<CustomersQuery> = await run("Customers", { first: 50, after, search: "doe" }, adminToken);
		const customers = page.data?.customers;
		if (!customers) {
			break;
		}
		emails.push(...customers.edges.map((e) => e.node.email));
		const info: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null } =
			customers.pageInfo;
		if (!info.hasNextPage) {
			break;
		}
		after = info.endCursor;
	}
	void [conflict, invalid, company, expiresIn, status, metadata, middleName, stale];
	return emails;
}
