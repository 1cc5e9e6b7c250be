// The fetch that orval's generated client calls (override.mutator in orval.config.ts): orval 7
// fixes the base URL at generation time, so a partner's mutator adds it, and the access token,
// at run time. It returns what the generated response types describe: { status, data, headers },
// where data is the parsed JSON body of whatever status came back (a Problem for an error).
export const clientele: { baseUrl: string; token?: string } = { baseUrl: "http://localhost:8080" };

export const clienteleFetch = async <T>(path: string, init: RequestInit): Promise<T> => {
	const headers = new Headers(init.headers);
	if (clientele.token !== undefined && !headers.has("Authorization")) {
		headers.set("Authorization", `Bearer ${clientele.token}`);
	}
	const res = await fetch(new URL(path, clientele.baseUrl), { ...init, headers });
	const body = [204, 205, 304].includes(res.status) ? "" : await res.text();
	return { status: res.status, data: body ? JSON.parse(body) : undefined, headers: res.headers } as T;
};
