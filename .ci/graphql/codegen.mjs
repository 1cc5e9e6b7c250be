// Generates TypeScript types with graphql-codegen's typescript and typescript-operations
// plugins, as `graphql-codegen` (the CLI) would from a codegen.yml: generated/schema.ts from
// ../../graph/schema.public.graphql (the SDL GET /graphql/schema.graphql serves; go generate
// writes it and TestPublishedSDL checks it) and generated/operations.ts from operations.graphql,
// which is validated against the schema first. The CLI is not used: it installs 297 packages
// where these need 49, several times the time of the whole step.
import { codegen } from "@graphql-codegen/core";
import * as typescript from "@graphql-codegen/typescript";
import * as typescriptOperations from "@graphql-codegen/typescript-operations";
import { buildSchema, parse } from "graphql";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";

const sdl = readFileSync("../../graph/schema.public.graphql", "utf8");
const operations = "operations.graphql";
const config = {
	// Every custom scalar has a declared TypeScript type: an undeclared one is an error.
	strictScalars: true,
	scalars: { Time: "string", Date: "string", JSON: "Record<string, unknown>" },
	enumsAsTypes: true,
	useTypeImports: true,
};

// typescript-operations 6 writes the enums and inputs its operations use itself: next to the
// typescript plugin's output in one file they would be declared twice, so each has its file.
const outputs = [
	{ filename: "generated/schema.ts", plugin: "typescript", documents: [], config },
	{
		filename: "generated/operations.ts",
		plugin: "typescript-operations",
		documents: [{ location: operations, document: parse(readFileSync(operations, "utf8")) }],
		config: { ...config, importSchemaTypesFrom: "./generated/schema" },
	},
];
mkdirSync("generated", { recursive: true });
for (const out of outputs) {
	const code = await codegen({
		filename: out.filename,
		schema: parse(sdl),
		schemaAst: buildSchema(sdl),
		documents: out.documents,
		config: out.config,
		plugins: [{ [out.plugin]: {} }],
		pluginMap: { typescript, "typescript-operations": typescriptOperations },
	});
	writeFileSync(out.filename, code);
}
