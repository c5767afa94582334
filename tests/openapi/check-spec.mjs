// ctest test_openapi_spec: schemas/openapi.yaml is a valid OpenAPI document (an outside
// validator), and every route of src/http/routes.def lists every status the server can answer
// on it, each with a described body:
//   any request: 400 (bad_header, bad_content_length), 413 (payload_too_large), 500, 501
//     (not_implemented), 503 (overloaded, unavailable) — src/http/server.c, edge.c;
//   a route that needs a key: 401 (missing_token, invalid_token);
//   a route with a policy action: 403 (forbidden_role, domain/policy);
//   a route that reads a JSON body (PX_BODY): 422 (invalid_utf8, validation_error) and a
//     requestBody.
// And every route documents exactly the query parameters it takes (routes.def's query column;
// PX_QUERY_ANY routes read the query themselves).
// 405 method_not_allowed (with Allow) and 404 not_found for an unknown path are answers of no
// route: OpenAPI has no operation to list them on (docs/api.md "Errors" names them).
// Usage: node check-spec.mjs <repo root>
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadSpec, loadRoutes, METHODS } from "./lib.mjs";

const root = process.argv[2] ?? new URL("../..", import.meta.url).pathname;
const problems = [];
let spec, version;
try {
  ({ resolved: spec, version } = await loadSpec(root));
} catch (e) {
  console.error(e.message);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const routes = loadRoutes(root);
const lines = readFileSync(join(root, "src", "http", "routes.def"), "utf8").match(/^PX_ROUTE\(/gm);
if (lines.length !== routes.length)
  problems.push(`src/http/routes.def: ${lines.length - routes.length} PX_ROUTE lines not read`);
const routed = new Set(routes.map((r) => `${r.method} ${r.path}`));
for (const [path, item] of Object.entries(spec.paths))
  for (const m of METHODS)
    if (item[m] && !routed.has(`${m} ${path}`))
      problems.push(`${m.toUpperCase()} ${path} is documented but not in src/http/routes.def`);

for (const r of routes) {
  const name = `${r.method.toUpperCase()} ${r.path}`;
  const op = spec.paths[r.path]?.[r.method];
  if (!op) {
    problems.push(`${name} is routed but not in schemas/openapi.yaml`);
    continue;
  }
  const want = ["400", "413", "500", "501", "503"];
  if (!r.flags.includes("PX_PUBLIC")) want.push("401");
  if (r.action !== "PX_ACTION__COUNT") want.push("403");
  if (r.flags.includes("PX_BODY")) {
    want.push("422");
    if (!op.requestBody?.content?.["application/json"]?.schema)
      problems.push(`${name} reads a JSON body but documents no requestBody schema`);
  }
  const publicSpec = Array.isArray(op.security) && op.security.length === 0;
  if (publicSpec !== r.flags.includes("PX_PUBLIC"))
    problems.push(`${name}: security: [] must be set exactly on PX_PUBLIC routes`);
  for (const s of want)
    if (!op.responses?.[s]) problems.push(`${name} does not list status ${s}`);
  const codes = Object.keys(op.responses ?? {});
  // A redirect (GET /console: 308 to the page) is its route's success too.
  if (!codes.some((c) => c.startsWith("2") || c.startsWith("3"))) problems.push(`${name} lists no success status`);
  for (const c of codes) {
    const content = op.responses[c].content;
    if (!content) {
      problems.push(`${name} ${c} describes no body (every answer of packid has one)`);
      continue;
    }
    for (const [type, media] of Object.entries(content))
      if (!media.schema) problems.push(`${name} ${c} ${type} has no schema`);
  }
  // The query names the server takes (routes.def's last column; any other is refused) are the
  // ones the spec documents, no more and no fewer.
  if (r.query) {
    const params = [...(spec.paths[r.path].parameters ?? []), ...(op.parameters ?? [])];
    const documented = new Set(params.filter((p) => p.in === "query").map((p) => p.name));
    for (const q of r.query)
      if (!documented.has(q)) problems.push(`${name} takes query parameter ${q}, undocumented`);
    for (const q of documented)
      if (!r.query.includes(q)) problems.push(`${name} documents query parameter ${q}, refused`);
  }
}
for (const p of problems) console.error(`openapi: ${p}`);
// One line that ctest's log and a reader can count: routes whose description is complete.
const bad = new Set(problems.map((p) => p.split(" ").slice(0, 2).join(" ")));
console.log(`openapi ${version}: ${routes.length - bad.size} passed, ${bad.size} failed`);
process.exit(problems.length ? 1 : 0);
