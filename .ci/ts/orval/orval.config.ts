// orval's configuration for a TypeScript client of Clientele, as a partner would write it.
// client "fetch" (not axios): see README "Generating an SDK" for why. headers: true makes the
// Idempotency-Key and If-Match header parameters typed arguments; the mutator adds the base
// URL and the access token at run time. The generated gen/ is not committed.
import { defineConfig } from "orval";

export default defineConfig({
	clientele: {
		input: { target: "../../../openapi.yaml" },
		output: {
			target: "gen/clientele.ts",
			schemas: "gen/model",
			mode: "split",
			client: "fetch",
			headers: true,
			clean: true,
			override: {
				mutator: { path: "fetcher.ts", name: "clienteleFetch" },
			},
		},
	},
});
