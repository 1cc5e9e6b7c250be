// Runs the compiled usage files (.out/, written by tsc in ./check) against the server at
// CLIENTELE_URL: each run() registers, signs in, reads and merge-patches "me", and provokes a
// 409 and a 422, throwing on any answer the contract does not promise. fetch is wrapped to check
// what no answer shows: that each client sent its PATCH as application/merge-patch+json.
"use strict";

const base = process.env.CLIENTELE_URL;
if (!base) throw new Error("CLIENTELE_URL is not set");

const realFetch = globalThis.fetch;
let patches = [];
globalThis.fetch = (input, init) => {
	const req = new Request(input, init);
	if (req.method === "PATCH") patches.push(req.headers.get("Content-Type"));
	return realFetch(req);
};

(async () => {
	for (const [name, file] of [
		["openapi-fetch", "./.out/usage.js"],
		["orval", "./.out/orval/usage.js"],
	]) {
		const started = Date.now();
		patches = [];
		await require(file).run(base);
		if (patches.length !== 1 || patches[0] !== "application/merge-patch+json") {
			throw new Error(`${name}: expected one PATCH sent as application/merge-patch+json, got ${JSON.stringify(patches)}`);
		}
		console.log(`${name}: register, 409, 422, sign-in, getMe, merge patch with null: ok (${Date.now() - started} ms)`);
	}
})().catch((err) => {
	// fetch's own "fetch failed" hides why (ECONNREFUSED, ...) in its cause.
	const cause = err instanceof Error && err.cause ? ` (${err.cause.code ?? err.cause})` : "";
	console.error(`${err instanceof Error ? err.message : err}${cause}`);
	process.exit(1);
});
