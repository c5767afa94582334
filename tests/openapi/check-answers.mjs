// Checks real answers of the server against schemas/openapi.yaml: for each recorded answer
// (one JSON object a line: method, path, status, content_type, body — body the text of a JSON
// answer (application/json or any +json type), null for other media), the route and the status must be listed, the media type must
// be one the status describes, and a JSON body must validate against that status's schema
// (Ajv, an outside JSON Schema validator, with OpenAPI 3.0's nullable).
// With --coverage, every documented operation must also have been answered at least once
// with a 2xx and once with a 4xx.
// Usage: node check-answers.mjs <repo root> <answers.jsonl> [--coverage]
import { readFileSync } from "node:fs";
import Ajv from "ajv";
import addFormatsModule from "ajv-formats";
import { loadSpec, matchPath, METHODS } from "./lib.mjs";

const addFormats = addFormatsModule.default ?? addFormatsModule;
const [root, file, ...flags] = process.argv.slice(2);
if (!root || !file) {
  console.error("usage: node check-answers.mjs <repo root> <answers.jsonl> [--coverage]");
  process.exit(2);
}
let spec;
try {
  ({ resolved: spec } = await loadSpec(root));
} catch (e) {
  console.error(e.message);
  console.log("answers: 0 passed, 1 failed");
  process.exit(1);
}

// strict: a keyword Ajv does not know is an error, not silently ignored; OpenAPI 3.0's
// annotation keywords are declared as such.
const ajv = new Ajv({ strict: true, allErrors: true, strictTypes: false });
addFormats(ajv);
ajv.addVocabulary(["example", "xml", "externalDocs", "discriminator"]);
const compiled = new Map();
function validatorFor(key, schema) {
  if (!compiled.has(key)) compiled.set(key, ajv.compile(schema));
  return compiled.get(key);
}

const seen = new Map(); // "get /v1/x" -> Set of status classes
let passed = 0, failed = 0;
const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim());
for (const [n, line] of lines.entries()) {
  const a = JSON.parse(line);
  const method = a.method.toLowerCase();
  const where = `${a.method} ${a.path} -> ${a.status}`;
  const fail = (why) => {
    failed++;
    console.error(`answer ${n + 1}: ${where}: ${why}`);
    if (a.body) console.error(`  body: ${a.body.slice(0, 600)}`);
  };
  const tpl = matchPath(spec.paths, a.path.split("?")[0]);
  const op = tpl && spec.paths[tpl][method];
  if (!op) { fail("no such operation in schemas/openapi.yaml"); continue; }
  const opKey = `${method} ${tpl}`;
  if (!seen.has(opKey)) seen.set(opKey, new Set());
  seen.get(opKey).add(String(a.status)[0]);
  const resp = op.responses[String(a.status)];
  if (!resp) { fail(`status ${a.status} is not listed on ${method.toUpperCase()} ${tpl}`); continue; }
  const media = (a.content_type || "").split(";")[0].trim().toLowerCase();
  const described = resp.content?.[media];
  if (!described) {
    fail(`content type '${media}' is not described for ${a.status} (${Object.keys(resp.content ?? {}).join(", ") || "none"})`);
    continue;
  }
  if (media === "application/json" || media.endsWith("+json")) {
    let body;
    try { body = JSON.parse(a.body); } catch (e) { fail(`body is not JSON: ${e.message}`); continue; }
    if (!described.schema) { fail("no schema describes this JSON body"); continue; }
    // One validator per media type: a status may describe several (the resolver's 200).
    const v = validatorFor(`${opKey} ${a.status} ${media}`, described.schema);
    if (!v(body)) {
      fail(`body does not match the schema:\n${ajv.errorsText(v.errors, { separator: "\n  " })}`);
      continue;
    }
  }
  passed++;
}

if (flags.includes("--coverage")) {
  for (const [path, item] of Object.entries(spec.paths))
    for (const m of METHODS) {
      if (!item[m]) continue;
      const got = seen.get(`${m} ${path}`) ?? new Set();
      // A redirect (GET /console: 308 to the page) is its route's success answer.
      for (const cls of ["2", "4"])
        if (!got.has(cls) && !(cls === "2" && got.has("3"))) {
          failed++;
          console.error(`coverage: ${m.toUpperCase()} ${path} has no ${cls}xx answer checked`);
        }
    }
}
if (lines.length === 0) { failed++; console.error("no answers recorded"); }
console.log(`answers: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
