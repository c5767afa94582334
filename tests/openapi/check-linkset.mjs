// Validates a linkset answer of packid's resolver against GS1's linkset JSON schema (an outside
// oracle: ../shared/reference/linkset/gs1-linkset-schema.json, draft-07), with Ajv. The schema
// carries annotation keywords of its own ("name", "@id"), so Ajv runs non-strict.
// Usage: node check-linkset.mjs <schema.json> <linkset.json>...  (exit 0 when all are valid)
import { readFileSync } from "node:fs";
import Ajv from "ajv";

const [schemaFile, ...files] = process.argv.slice(2);
if (!schemaFile || files.length === 0) {
  console.error("usage: node check-linkset.mjs <schema.json> <linkset.json>...");
  process.exit(2);
}
const ajv = new Ajv({ strict: false, allErrors: true });
const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")));
let bad = 0;
for (const f of files) {
  const ok = validate(JSON.parse(readFileSync(f, "utf8")));
  console.log(`${f}: ${ok ? "valid" : "INVALID " + ajv.errorsText(validate.errors)}`);
  if (!ok) bad++;
}
process.exit(bad ? 1 : 0);
