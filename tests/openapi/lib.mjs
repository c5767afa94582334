// Shared by check-spec.mjs and check-answers.mjs: loads schemas/openapi.yaml through the
// outside validator (@seriousme/openapi-schema-validator, which carries the official OpenAPI
// 3.x JSON Schemas) and reads the route table src/http/routes.def.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";

export const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

// Returns { spec, resolved } or throws with the validator's errors.
export async function loadSpec(root) {
  const file = join(root, "schemas", "openapi.yaml");
  const validator = new Validator();
  const res = await validator.validate(file);
  if (!res.valid) {
    const msg = typeof res.errors === "string" ? res.errors : JSON.stringify(res.errors, null, 2);
    throw new Error(`schemas/openapi.yaml is not a valid OpenAPI document:\n${msg}`);
  }
  return { spec: validator.specification, resolved: validator.resolveRefs(), version: validator.version };
}

// PX_ROUTE("GET", "/v1/x/{id}", handler, PX_ACT_..., FLAGS, "q1 q2" | PX_QUERY_ANY)
//   -> {method, path, action, flags, query: ["q1", "q2"] | null}
export function loadRoutes(root) {
  const text = readFileSync(join(root, "src", "http", "routes.def"), "utf8");
  const re = /^PX_ROUTE\(\s*"([A-Z]+)",\s*"([^"]+)",\s*(\w+),\s*(\w+),\s*([\w|\s]+),\s*(PX_QUERY_ANY|"[^"]*")\)/gm;
  const routes = [];
  for (const m of text.matchAll(re))
    routes.push({
      method: m[1].toLowerCase(), path: m[2], action: m[4], flags: m[5].split("|").map((s) => s.trim()),
      query: m[6] === "PX_QUERY_ANY" ? null : m[6].slice(1, -1).split(" ").filter((s) => s),
    });
  if (routes.length === 0) throw new Error("no PX_ROUTE line in src/http/routes.def");
  return routes;
}

// The spec's path template that a concrete path takes: {name} matches one non-empty segment,
// and a literal segment wins over a parameter (as src/http/routes.c matches).
export function matchPath(paths, concrete) {
  const segs = concrete.split("/");
  let best = null, bestLiterals = -1;
  for (const tpl of Object.keys(paths)) {
    const t = tpl.split("/");
    if (t.length !== segs.length) continue;
    let ok = true, literals = 0;
    for (let i = 0; i < t.length && ok; i++) {
      if (/^\{[^}]+\}$/.test(t[i])) ok = segs[i].length > 0;
      else if (t[i] === segs[i]) literals++;
      else ok = false;
    }
    if (ok && literals > bestLiterals) { best = tpl; bestLiterals = literals; }
  }
  return best;
}
