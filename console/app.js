// packid console (docs/console.md). One module, no dependencies, nothing fetched but
// packid's own public API. Pages are drawn with DOM calls and textContent only: no HTML is
// ever built from data, so nothing the API returns can run as script (and the page's CSP
// forbids inline script anyway).

const $main = document.getElementById("main");
const $nav = document.getElementById("nav");
const $top = document.getElementById("top");
const $who = document.getElementById("who");

// The session as POST /v1/sessions or GET /v1/sessions/current answered it: csrf_token,
// role, org_name… Never the API key: the sign-in form's field is cleared once sent.
let session = null;
// Bumped on each navigation: an answer that arrives for a page the user has left is dropped.
let generation = 0;

// ---- the API ----------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    const e = body && body.error ? body.error : null;
    super(e ? e.message : `the server answered ${status}`);
    this.status = status;
    this.code = e ? e.code : "http_" + status;
    this.details = e && Array.isArray(e.details) ? e.details : [];
  }
}

async function api(method, path, body, raw) {
  const headers = {};
  const opts = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  // A state change by cookie carries the session's CSRF token (docs/console.md).
  if (method !== "GET" && session) headers["X-CSRF-Token"] = session.csrf_token;
  let r;
  try {
    r = await fetch(path, opts);
  } catch (e) {
    throw new ApiError(0, { error: { code: "network", message: "packid cannot be reached: " + e.message } });
  }
  if (raw && r.ok) return r;
  const ct = r.headers.get("Content-Type") || "";
  const data = ct.startsWith("application/json") ? await r.json() : null;
  if (r.status === 401 && path !== "/v1/sessions") {
    // Expired, revoked or signed out elsewhere: back to the sign-in page.
    session = null;
    const code = data && data.error ? data.error.code : "";
    showSignIn(code === "session_expired" ? "Your session has expired. Sign in again."
      : code === "invalid_session" ? "You are signed out. Sign in again." : null);
    throw new ApiError(r.status, data);
  }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

// ---- DOM helpers --------------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  if (attrs && attrs.maxlength && (tag === "input" || tag === "textarea")) boundBytes(el, Number(attrs.maxlength));
  return el;
}

// The API bounds text in bytes of UTF-8 (docs/api.md "Strings"); maxlength counts characters,
// so 200 accented letters pass it and would be refused with 422. The form holds the field back
// with the same bound instead, saying why.
const utf8 = new TextEncoder();
function boundBytes(input, max) {
  input.addEventListener("input", () => {
    const n = utf8.encode(input.value).length;
    input.setCustomValidity(n > max ? `At most ${max} bytes of UTF-8 (an accented letter takes two): this is ${n}.` : "");
  });
}

let uid = 0;
// A labelled field: the label wraps the control and names it for assistive technology.
function field(label, attrs, hint) {
  const id = attrs.id || "f" + ++uid;
  const input = attrs.tag === "select"
    ? h("select", { id, name: attrs.name, required: attrs.required }, (attrs.options || []).map(
      (o) => h("option", { value: o[0], selected: o[0] === attrs.value }, o[1])))
    : h(attrs.tag || "input", { id, type: attrs.type || "text", ...attrs, tag: null, options: null });
  return h("label", { for: id }, label, hint ? h("span", { class: "hint" }, hint) : null, input);
}

function badge(s) {
  return h("span", { class: "badge " + String(s).replace(/[^a-z_]/g, "") }, String(s).replace(/_/g, " "));
}

// An API error in words, next to what caused it: the message, then each detail with the
// field it names.
function errorBox(e) {
  // A validation error's one detail repeats its message: say it once, with its field.
  const only = (e.details || []).length === 1 && e.details[0].message === e.message ? e.details[0] : null;
  if (only && only.field)
    return h("div", { class: "error", role: "alert" }, h("strong", null, only.field + ": "), e.message);
  const items = (e.details || []).map((d) => h("li", null,
    d.field ? h("strong", null, d.field + ": ") : null, d.message || d.code,
    d.org_id ? ` (organization ${d.org_id})` : null));
  return h("div", { class: "error", role: "alert" }, h("strong", null, e.message),
    items.length ? h("ul", null, items) : null);
}

function table(headers, rows, empty) {
  if (!rows.length) return h("p", { class: "hint" }, empty || "Nothing yet.");
  return h("div", { class: "table" }, h("table", null,
    h("thead", null, h("tr", null, headers.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", null, rows.map((r) => h("tr", null, r.map((c) => c instanceof Node && c.tagName === "TD" ? c : h("td", null, c)))))));
}

function mono(s) {
  return h("td", { class: "mono" }, s ?? "");
}

// A UUID shown by its first 8 characters (the whole id in the tooltip and for screen
// readers), so id columns do not crowd a phone's screen.
function idCell(id) {
  if (!id) return h("td");
  return h("td", { class: "mono", title: id }, h("span", { "aria-hidden": "true" }, id.slice(0, 8) + "…"),
    h("span", { class: "sr" }, id));
}

function when(ts) {
  if (!ts) return "";
  return String(ts).replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC");
}

// A number of packs in words: "1 pack", "5 packs".
function packsText(n) {
  return `${n} pack${n === 1 ? "" : "s"}`;
}

// An expiry as a reader writes it: the date the answer gives beside the YYMMDD (packid reads
// the century, GS1 General Specifications 7.12, and a day 00 as the month's last day).
function expiryText(o) {
  return o.expiry_date || o.expiry || "";
}

// What an action said, shown on the page drawn again after it (redrawWith): a release's
// batch with its new counts, a list with the row the action changed.
let notice = null;

function page(title, ...children) {
  // replaceChildren writes a null as the text "null": only nodes go in.
  $main.replaceChildren(...[h("h1", null, title), notice && h("div", { "aria-live": "polite" }, notice), ...children].filter(Boolean));
  notice = null;
  document.title = title + " · packid console";
}

// Draws the current page again with what the action said, unless the user left it meanwhile
// (g: the generation the action began on).
function redrawWith(g, said) {
  if (g !== generation) return;
  notice = said;
  route();
}

// A container that shows a loading note, then what fill() draws, or the error in words.
function section(fill) {
  const box = h("div", { "aria-live": "polite" }, h("p", { class: "hint" }, "Loading…"));
  const g = generation;
  Promise.resolve().then(fill).then((nodes) => {
    if (g === generation) box.replaceChildren(...[nodes].flat().filter(Boolean));
  }).catch((e) => {
    if (g === generation && e.status !== 401) box.replaceChildren(errorBox(e));
  });
  return box;
}

// A paged list (docs/api.md "Paging"): the first page, then "More" appends the next.
function paged(path, headers, row, empty) {
  const tbody = h("tbody");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "More");
  const box = h("div");
  let cursor = null;
  const sep = path.includes("?") ? "&" : "?";
  async function load() {
    more.disabled = true;
    try {
      const p = await api("GET", path + sep + "first=50" + (cursor ? "&after=" + encodeURIComponent(cursor) : ""));
      for (const it of p.items) tbody.append(h("tr", null, row(it).map((c) => c instanceof Node && c.tagName === "TD" ? c : h("td", null, c))));
      cursor = p.has_next_page ? p.next_cursor : null;
      more.hidden = !cursor;
      if (!tbody.children.length) box.replaceChildren(h("p", { class: "hint" }, empty || "Nothing yet."));
    } catch (e) {
      if (e.status !== 401) box.append(errorBox(e));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", load);
  box.append(h("div", { class: "table" }, h("table", null,
    h("thead", null, h("tr", null, headers.map((x) => h("th", { scope: "col" }, x)))), tbody)),
  h("div", { class: "actions" }, more));
  load();
  return box;
}

// ---- roles ------------------------------------------------------------------------------

// What each role may see, as domain/policy.c allows it (a hidden button is a convenience;
// the server refuses what a role may not do whatever the page shows).
const PAGES = [
  ["dashboard", "Dashboard", ["mah", "cmo", "auditor", "admin"]],
  ["products", "Products", ["mah", "cmo", "auditor"]],
  ["batches", "Batches", ["mah", "cmo", "auditor"]],
  ["trace", "Trace a pack", ["mah", "cmo", "auditor"]],
  ["reports", "Reports", ["mah", "auditor"]],
  ["alerts", "Alerts", ["mah"]],
  ["audit", "Audit", ["mah", "auditor", "admin"]],
  ["jobs", "Allocations & jobs", ["mah", "cmo", "auditor"]],
  ["keys", "Organizations & keys", ["admin", "mah"]],
];
const can = {
  release: (r) => r === "mah",
  retry: (r) => r === "mah",
  // A failed job is retried by the organization that asked for it (the server tells anyone
  // else 403): a MAH's or a CMO's key.
  jobRetry: (r) => r === "mah" || r === "cmo",
  carrier: (r) => r === "mah" || r === "cmo",
  partners: (r) => r === "mah" || r === "auditor",
};

// ---- sign-in ----------------------------------------------------------------------------

function showSignIn(note) {
  generation++;
  $top.hidden = true;
  const key = h("input", { id: "api-key", name: "api_key", type: "password", required: true, autocomplete: "off", spellcheck: "false" });
  const out = h("div", { "aria-live": "polite" });
  const form = h("form", {
    onsubmit: async (ev) => {
      ev.preventDefault();
      out.replaceChildren();
      const value = key.value.trim();
      key.value = ""; // the key is not kept by the page, only the session cookie is
      try {
        session = await api("POST", "/v1/sessions", { api_key: value });
        history.replaceState(null, "", "#/dashboard"); // no hashchange: one drawing
        route();
      } catch (e) {
        out.replaceChildren(errorBox(e));
        key.focus();
      }
    },
  },
  h("label", { for: "api-key" }, "API key", h("span", { class: "hint" }, "pk_… — exchanged for a session; the browser does not keep it"), key),
  h("div", null, h("button", { type: "submit", id: "signin" }, "Sign in")));
  $main.replaceChildren(h("div", { class: "signin" }, h("h1", null, "Sign in to packid"),
    note ? h("p", { class: "error", role: "alert" }, note) : null, form, out));
  document.title = "Sign in · packid console";
  key.focus();
}

document.getElementById("signout").addEventListener("click", async () => {
  try {
    await api("DELETE", "/v1/sessions/current");
  } catch (e) {
    /* already gone: the sign-in page either way */
  }
  session = null;
  // Without a hashchange, which would draw the sign-in page again without this note.
  history.replaceState(null, "", location.pathname);
  showSignIn("You have signed out.");
});

// ---- pages ------------------------------------------------------------------------------

function dashboard() {
  const role = session.role;
  const parts = [];
  if (role === "mah" || role === "auditor") {
    parts.push(h("h2", null, "Reports"), section(async () => {
      const p = await api("GET", "/v1/reports?first=200");
      // A failed or dead report that was retried needs nothing more: its retry is counted.
      const open = p.items.filter((r) => !r.retried_by);
      const by = {};
      for (const r of open) by[r.state] = (by[r.state] || 0) + 1;
      const order = ["failed", "dead", "queued", "sending", "delivered"];
      const cards = h("div", { class: "cards" }, order.map((s) => h("div", { class: "card" },
        h("div", { class: "n" }, String(by[s] || 0)), badge(s))));
      const alerts = open.filter((r) => r.state === "failed" || r.state === "dead");
      return [cards, h("h2", null, "Failed reports"), alerts.length
        ? table(["Report", "Market", "GTIN / batch", "State", "Last error"], alerts.map((r) => [
          idCell(r.report_id), r.market, gtinBatch(r), badge(r.state), r.last_error || ""]))
        : h("p", { class: "success" }, "No failed or dead report waiting for a retry."),
      p.has_next_page ? h("p", { class: "hint" }, "Counted over the latest 200 reports; the Reports page lists them all.") : null];
    }));
  }
  if (role === "mah") {
    // Clone and enumeration alerts of the public verification (docs/resolver.md).
    parts.push(h("h2", null, "Open alerts"), section(async () => {
      const p = await api("GET", "/v1/alerts?state=open&first=50");
      return [table(["Alert", "Kind", "GTIN / serial", "Why", "Opened"], p.items.map((a) => [
        idCell(a.alert_id), badge(a.kind), alertItem(a), alertWhy(a), when(a.opened_at)]), "No open alert."),
      p.has_next_page ? h("p", { class: "hint" }, "The latest 50 open alerts are shown.") : null,
      h("p", null, h("a", { href: "#/alerts" }, "All alerts, and closing them →"))];
    }));
  }
  if (role !== "admin") {
    parts.push(h("h2", null, "Packs by product"), section(async () => {
      const p = await api("GET", "/v1/commissions?first=200");
      const rel = role === "cmo" ? { items: [] } : await api("GET", "/v1/releases?first=200");
      const by = {};
      for (const c of p.items) {
        const k = c.gtin;
        by[k] = by[k] || { commissioned: 0, released: 0, batches: new Set() };
        by[k].commissioned += c.count; // count: the packs commissioned (rejected ones are not in it)
        by[k].batches.add(c.batch);
      }
      for (const r of rel.items) {
        by[r.gtin] = by[r.gtin] || { commissioned: 0, released: 0, batches: new Set() };
        by[r.gtin].released += r.count;
      }
      // A CMO never sees packs after release: no released column for it.
      const cmo = role === "cmo";
      // Drawn from the latest 200 commissions and releases: say so when there may be more.
      const more = p.has_next_page || rel.has_next_page;
      return [table(["GTIN", "Batches", "Commissioned, all", cmo ? null : "Released"].filter(Boolean),
        Object.entries(by).map(([g, v]) => [mono(g), String(v.batches.size), String(v.commissioned),
          cmo ? null : String(v.released)].filter((c) => c !== null)),
      "No pack has been commissioned yet."),
      more ? h("p", { class: "hint", id: "counts-partial" }, "Counted over the latest 200 commissions and releases; a batch's page counts its packs exactly.") : null];
    }));
  }
  if (role === "admin")
    parts.push(h("p", null, "As the operator you manage organizations and keys, and verify the whole audit chain."));
  page("Dashboard", ...parts);
}

function products() {
  const parts = [paged("/v1/products", ["GTIN", "Name", "Market", "Master data"], (x) => [
    mono(x.gtin), x.name, x.market || "",
    h("dl", { class: "kv" }, Object.entries(x.master_data || {}).flatMap(([k, v]) => [h("dt", null, k.replace(/_/g, " ")), h("dd", null, String(v))]))],
  "No product yet.")];
  if (can.partners(session.role))
    parts.push(h("h2", null, "Partners (CMOs)"), paged("/v1/partners", ["Organization", "Status", "GTINs", "Since"],
      (x) => [idCell(x.org_id), badge(x.status), (x.gtins || []).join(", "), when(x.created_at)], "No partner yet."));
  page("Products", ...parts);
}

// Batches are the commissions grouped by GTIN and batch, read 200 commissions at a time
// (newest first): while older ones are unread the page says so, and "More" reads them, so a
// batch whose commissions are all older is still reached, and its count is not cut short unseen.
function batches(params) {
  if (params.gtin && params.batch) return batch(params.gtin, params.batch);
  const by = new Map();
  let cursor = null;
  let read = 0;
  const g = generation;
  const box = h("div", { "aria-live": "polite" }, h("p", { class: "hint" }, "Loading…"));
  const more = h("button", { type: "button", class: "secondary", id: "batches-more" }, "More");
  // Every pack the batch's commissions took, whatever their state now (the batch's page counts
  // them by state).
  const draw = () => [table(["GTIN", "Batch", "Expiry", "Packs commissioned, all", ""], [...by.values()].map((b) => [
    mono(b.gtin), b.batch, expiryText(b), String(b.count),
    h("a", { href: `#/batches?gtin=${encodeURIComponent(b.gtin)}&batch=${encodeURIComponent(b.batch)}`, class: "open-batch", "data-batch": b.batch }, "Open")]),
  "No batch has been commissioned yet."),
  cursor ? h("p", { class: "hint", id: "batches-partial" }, `Drawn from the latest ${read} commissions: a batch with only older ones is not listed yet, and a batch's count covers these commissions only (its page counts its packs exactly).`) : null,
  cursor ? h("div", { class: "actions" }, more) : null];
  async function load() {
    more.disabled = true;
    try {
      const p = await api("GET", "/v1/commissions?first=200" + (cursor ? "&after=" + encodeURIComponent(cursor) : ""));
      if (g !== generation) return;
      for (const c of p.items) {
        const k = c.gtin + "\u0000" + c.batch;
        const b = by.get(k) || { gtin: c.gtin, batch: c.batch, expiry: c.expiry, expiry_date: c.expiry_date, count: 0 };
        b.count += c.count;
        by.set(k, b);
      }
      read += p.items.length;
      cursor = p.has_next_page ? p.next_cursor : null;
      box.replaceChildren(...draw().filter(Boolean));
    } catch (e) {
      if (g === generation && e.status !== 401) box.append(errorBox(e));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", load);
  load();
  page("Batches", box);
}

function batch(gtin, name) {
  const role = session.role;
  const parts = [h("p", null, h("a", { href: "#/batches" }, "← All batches"))];
  parts.push(section(async () => {
    // What the packs are now (GET /v1/batches/…), then the commissions and releases behind it:
    // the batch's own, however old (the lists' gtin and batch filters), paged with "More".
    const b = await api("GET", `/v1/batches/${encodeURIComponent(gtin)}/${encodeURIComponent(name)}`);
    const only = `?gtin=${encodeURIComponent(gtin)}&batch=${encodeURIComponent(name)}`;
    const kv = (k, v, id) => v === undefined ? [] : [h("dt", null, k), h("dd", { id }, String(v))];
    const markets = Object.entries(b.released_by_market || {}).map(([m, n]) => `${m}: ${n}`).join(", ");
    // A recalled or withdrawn batch (POST /v1/recalls) says so first: it takes no new packs and
    // releases none (409 batch_recalled), so no release is offered.
    const recall = b.recall ? `${b.recall.reason === "withdrawn" ? "Withdrawn" : "Recalled"} ${when(b.recall.recalled_at)}` : null;
    const out = [recall && h("div", { class: "error", role: "alert", id: "batch-recalled" },
      h("strong", null, `${recall}. `), "This batch takes no new packs, and none of its packs can be released."),
    h("dl", { class: "kv", id: "batch-facts" },
      h("dt", null, "GTIN"), h("dd", { class: "mono" }, b.gtin),
      kv("Batch", b.batch), kv("Expiry", expiryText(b)),
      kv(role === "cmo" ? "Yours, unreleased" : "Commissioned, not released", b.packs.commissioned, "commissioned-count"),
      kv("Released", b.packs.released, "released-count"),
      kv("Decommissioned", b.packs.decommissioned, "decommissioned-count"),
      markets ? kv("Released to", markets) : [], recall ? kv("Recall", recall, "batch-recall") : [])].filter(Boolean);
    out.push(h("h2", null, "Commissions"), h("div", { id: "batch-commissions" }, paged("/v1/commissions" + only,
      ["When", "By", "Packs", "Rejected"], (c) => [when(c.created_at), idCell(c.org_id), String(c.count), String(c.rejected)])));
    if (role !== "cmo")
      out.push(h("h2", null, "Releases"), h("div", { id: "batch-releases" }, paged("/v1/releases" + only,
        ["When", "Market", "Packs", "Report"], (r) => [when(r.created_at), r.market, String(r.count),
          r.report_id ? h("a", { href: "#/reports" }, r.report_id) : ""], "Not released yet.")));
    if (can.release(role) && !b.recall) out.push(releaseForm(gtin, name));
    return out;
  }));
  page(`Batch ${name}`, ...parts);
}

// Release with a confirmation: a dry run first shows what will move and what the report
// will carry, or every missing precondition in words; only then the release itself.
function releaseForm(gtin, name) {
  const market = field("Market", { name: "market", required: true, maxlength: 2, pattern: "[A-Za-z]{2}", autocomplete: "off", id: "release-market" }, "two letters, e.g. DE");
  const out = h("div", { "aria-live": "polite", id: "release-result" });
  const form = h("form", {
    class: "inline", id: "release-form",
    onsubmit: async (ev) => {
      ev.preventDefault();
      const m = form.querySelector("input").value.trim().toUpperCase();
      out.replaceChildren(h("p", { class: "hint" }, "Checking…"));
      try {
        const d = await api("POST", "/v1/releases", { gtin, batch: name, market: m, dry_run: true });
        if (d.missing.length) {
          out.replaceChildren(errorBox({
            message: `The release to ${m} cannot be made: its report would lack what is listed below.`,
            details: d.missing,
          }));
          return;
        }
        if (!d.would_release) {
          out.replaceChildren(errorBox({ message: "No commissioned pack of this batch is left to release.", details: [] }));
          return;
        }
        const confirm = h("button", { type: "button", id: "confirm-release", class: "danger" }, `Release ${packsText(d.would_release)} to ${m}`);
        const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
        cancel.addEventListener("click", () => out.replaceChildren());
        confirm.addEventListener("click", async () => {
          confirm.disabled = true;
          const g = generation;
          try {
            // The count just confirmed goes with it: a pack commissioned since is not released
            // unseen (the server answers count_changed and releases nothing).
            const r = await api("POST", "/v1/releases", { gtin, batch: name, market: m, expected_count: d.would_release });
            // The page again, so its counts and releases show this one.
            redrawWith(g, h("p", { class: "success", role: "status", id: "release-done" },
              `Released ${packsText(r.released)} to ${m}. Report `, h("a", { href: "#/reports" }, r.report_id), " is queued."));
          } catch (e) {
            confirm.disabled = false;
            // Packs were commissioned since the count was shown: check again, showing the new
            // count to confirm, rather than offer the same stale one.
            if (e.code === "count_changed") form.requestSubmit();
            else out.replaceChildren(errorBox(e));
          }
        });
        out.replaceChildren(h("div", { class: "panel", role: "region", "aria-label": "Confirm the release" },
          h("p", null, h("strong", null, packsText(d.would_release)), ` of batch ${name} (GTIN ${gtin}) will move from commissioned to released for market ${m}.`),
          h("p", null, d.report
            ? `An EPCIS report of ${d.would_release === 1 ? "this pack" : `these ${d.would_release} packs`} will be queued for each active ${m} regulator endpoint.`
            : `No report will be queued for ${m}.`),
          h("div", { class: "actions" }, confirm, cancel)));
        confirm.focus();
      } catch (e) {
        out.replaceChildren(errorBox(e));
      }
    },
  }, market, h("button", { type: "submit", id: "check-release" }, "Check release"));
  return h("section", { "aria-labelledby": "rel-h" }, h("h2", { id: "rel-h" }, "Release to a market"), form, out);
}

// Pack trace: GTIN + serial, or a scanned code. packid's own GS1 parser reads the code
// (POST /v1/gs1/parse: every form a scanner or a label gives, validated, the fault's position
// named), so the console keeps no table of Application Identifiers of its own.
async function readScan(text) {
  const r = await api("POST", "/v1/gs1/parse", { data: text.trim() });
  const ai = {};
  for (const e of r.elements) ai[e.ai] = e;
  return ai;
}

function trace(params) {
  const out = h("div", { "aria-live": "polite" });
  const gtin = field("GTIN", { name: "gtin", inputmode: "numeric", maxlength: 14, value: params.gtin || "", id: "trace-gtin" });
  const serial = field("Serial", { name: "serial", maxlength: 20, value: params.serial || "", id: "trace-serial" });
  const scan = field("Or a scanned code", { name: "scan", id: "trace-scan" }, "element string, e.g. (01)…(21)…, or a GS1 Digital Link URI");
  const form = h("form", {
    id: "trace-form",
    onsubmit: async (ev) => {
      ev.preventDefault();
      const sc = form.querySelector("#trace-scan").value;
      let g = form.querySelector("#trace-gtin").value.trim();
      let s = form.querySelector("#trace-serial").value.trim();
      let scanned = null;
      if (sc.trim()) {
        let ai;
        try {
          ai = await readScan(sc);
        } catch (e) {
          if (e.status !== 401) out.replaceChildren(errorBox(e));
          return;
        }
        if (!ai["01"] || !ai["21"]) {
          out.replaceChildren(errorBox({ message: "The scanned code names no pack: it has no GTIN (01) and serial (21).", details: [{ field: "scan", message: "scan the pack's own code, or give its GTIN and serial" }] }));
          return;
        }
        g = ai["01"].value;
        s = ai["21"].value;
        scanned = { batch: ai["10"], expiry: ai["17"] };
        form.querySelector("#trace-gtin").value = g;
        form.querySelector("#trace-serial").value = s;
      }
      if (!/^\d{8}$|^\d{12,14}$/.test(g) || !s) {
        out.replaceChildren(errorBox({ message: "Give a GTIN (8, 12, 13 or 14 digits) and a serial, or a scanned code.", details: [] }));
        return;
      }
      showPack(out, g, s, scanned);
    },
  }, gtin, serial, scan, h("div", null, h("button", { type: "submit", id: "trace-go" }, "Trace")));
  page("Trace a pack", form, out);
  if (params.gtin && params.serial) showPack(out, params.gtin, params.serial);
}

// The containers holding the pack, innermost first (GET /v1/packs gives "parents").
function parentsOf(p) {
  const list = p.parents || [];
  if (!list.length) return h("p", { class: "hint", id: "pack-parents" }, "Parent containers: none (the pack is not packed).");
  return h("div", { id: "pack-parents" }, h("h2", null, "Parent containers"),
    h("ol", null, list.map((sscc, i) => h("li", null, h("span", { class: "mono" }, sscc),
      i === 0 ? " (innermost)" : i === list.length - 1 ? " (top)" : ""))));
}

// An organization as the trace names it: the signed-in one by its name, another by its id's
// first characters (the API gives ids; a CMO's name is on the partners list).
function orgText(id) {
  if (!id) return null;
  return id === session.org_id ? `${session.org_name} (you)` : id.slice(0, 8) + "…";
}

// What a scanned code says that the pack's record does not (its batch, its expiry): a code
// that disagrees with its pack's record is not to be trusted (Delegated Regulation (EU)
// 2016/161 Art. 24 and 30: a pack suspected of falsification is not supplied and is
// reported). scanned: the code's AI 10 and 17 elements, each undefined when absent.
function mismatchOf(p, scanned) {
  if (!scanned) return null;
  const said = [];
  if (scanned.batch && scanned.batch.value !== p.batch)
    said.push(`batch ${scanned.batch.value} (packid holds ${p.batch || "none"})`);
  if (scanned.expiry && scanned.expiry.value !== p.expiry)
    said.push(`expiry ${scanned.expiry.date || scanned.expiry.value} (packid holds ${expiryText(p) || "none"})`);
  if (!said.length) return null;
  return h("div", { class: "error", role: "alert", id: "pack-mismatch" },
    h("strong", null, "The scanned code does not match this pack's record. "),
    `It says ${said.join("; ")}. Hold the pack and report it: its code may be mislabelled or falsified.`);
}

async function showPack(out, gtin, serial, scanned) {
  out.replaceChildren(h("p", { class: "hint" }, "Looking up…"));
  const path = `/v1/packs/${encodeURIComponent(gtin)}/${encodeURIComponent(serial).replace(/%2F/g, "%2F")}`;
  try {
    const p = await api("GET", path);
    const kv = (k, v) => v === null || v === undefined || v === "" ? [] : [h("dt", null, k), h("dd", null, String(v))];
    const facts = h("dl", { class: "kv", id: "pack-facts" }, kv("GTIN", p.gtin), kv("Serial", p.serial),
      [h("dt", null, "State"), h("dd", null, badge(p.state))], kv("Batch", p.batch), kv("Expiry", expiryText(p)),
      kv("Market", p.market), kv("Origin", p.origin), kv("Commissioned", when(p.commissioned_at)),
      kv("Commissioned by", orgText(p.commissioned_by)), kv("Released", when(p.released_at)),
      kv("Released by", orgText(p.released_by)), kv("Reason", p.reason));
    const events = h("ol", { class: "timeline", id: "pack-events" }, (p.events || []).map((e) => h("li", null,
      h("strong", null, (e.biz_step || e.op || e.type).replace(/_/g, " ")), " · ", when(e.event_time),
      h("div", { class: "hint" }, [...new Set([e.type, e.action, e.disposition, e.market ? "market " + e.market : null, e.reason,
        e.by ? "by " + orgText(e.by) : null].filter(Boolean))].join(" · ")),
      h("div", { class: "mono hint" }, e.event_hash || ""))));
    const side = can.carrier(session.role)
      ? h("figure", { class: "symbol" }, h("img", { src: path + "/datamatrix.png", alt: `GS1 DataMatrix of GTIN ${p.gtin} serial ${p.serial}`, id: "pack-datamatrix" }),
        h("figcaption", { class: "hint" }, "GS1 DataMatrix"))
      : null;
    out.replaceChildren(...[mismatchOf(p, scanned), h("div", { class: "pack" }, h("div", null, facts,
      h("h2", null, "History"), events, parentsOf(p)), side)].filter(Boolean));
  } catch (e) {
    if (e.status === 404)
      out.replaceChildren(errorBox({ message: `No pack ${gtin} / ${serial} that you may see.`, details: [] }));
    else if (e.status !== 401) out.replaceChildren(errorBox(e));
  }
}

// What a clone or enumeration alert is about, in words (docs/resolver.md "Clone detection").
const RULE_WORDS = {
  impossible_travel: "scanned in places too far apart for the time between",
  dispersion: "scanned in too many countries or by too many clients",
  lifecycle: "scanned after it was taken out of circulation",
  enumeration: "many unknown serials asked from one client",
};

function alertWhy(a) {
  return (a.rules || []).map((r) => RULE_WORDS[r] || r.replace(/_/g, " ")).join("; ");
}

// A clone alert's pack, to trace; an enumeration alert's serial is only the last one asked.
function alertItem(a) {
  if (a.kind !== "clone" || !a.serial) return `${a.gtin} / ${a.serial ? a.serial + " (last asked)" : "–"}`;
  return h("a", { href: `#/trace?gtin=${encodeURIComponent(a.gtin)}&serial=${encodeURIComponent(a.serial)}` }, `${a.gtin} / ${a.serial}`);
}

// The MAH's alerts, open or closed; an open one is closed with a reason (audited).
function alerts(params) {
  const state = params.state === "closed" ? "closed" : "open";
  const filter = h("form", {
    class: "inline",
    onsubmit: (ev) => {
      ev.preventDefault();
      location.hash = "#/alerts?state=" + filter.querySelector("select").value;
    },
  }, field("State", { tag: "select", name: "state", value: state, options: [["open", "open"], ["closed", "closed"]] }),
  h("button", { type: "submit", class: "secondary" }, "Show"));
  const msg = h("div", { "aria-live": "polite" });
  const close = (a) => {
    const reason = h("input", { name: "reason", required: true, maxlength: 500, "aria-label": `Why alert ${a.alert_id} is closed`, placeholder: "why (e.g. checked: a genuine return)" });
    const form = h("form", {
      class: "inline close-alert",
      onsubmit: async (ev) => {
        ev.preventDefault();
        const button = form.querySelector("button");
        button.disabled = true;
        const g = generation;
        try {
          await api("POST", `/v1/alerts/${a.alert_id}/close`, { reason: reason.value.trim() });
          redrawWith(g, h("p", { class: "success", role: "status", id: "alert-closed" }, `Alert ${a.alert_id} closed.`));
        } catch (e) {
          button.disabled = false;
          msg.replaceChildren(errorBox(e));
        }
      },
    }, reason, h("button", { type: "submit", class: "secondary" }, "Close"));
    return form;
  };
  page("Alerts", filter, msg, paged(`/v1/alerts?state=${state}`,
    ["Opened", "Kind", "GTIN / serial", "Why", state === "open" ? "Close" : "Closed"],
    (a) => [when(a.opened_at), badge(a.kind), alertItem(a), alertWhy(a),
      state === "open" ? close(a) : `${when(a.closed_at)}: ${a.close_reason || ""}`],
    state === "open" ? "No open alert." : "No closed alert."));
}

// A report's GTIN and batch (a status change's report has no batch).
function gtinBatch(r) {
  return `${r.gtin} / ${r.batch || "–"}`;
}

// What a report tells its regulator: a release's packs, or a status change (decommission,
// reactivation, recall) of packs already reported.
function reportAbout(r) {
  return r.release_id ? "release" : r.op_id ? "status change" : "";
}

function reports(params) {
  const state = params.state || "";
  const filter = h("form", {
    class: "inline",
    onsubmit: (ev) => {
      ev.preventDefault();
      const v = filter.querySelector("select").value;
      location.hash = "#/reports" + (v ? "?state=" + v : "");
    },
  }, field("State", { tag: "select", name: "state", value: state, options: [["", "any"], ["queued", "queued"], ["sending", "sending"], ["delivered", "delivered"], ["failed", "failed"], ["dead", "dead"]] }),
  h("button", { type: "submit", class: "secondary", id: "reports-refresh" }, "Show"));
  const msg = h("div", { "aria-live": "polite" });
  page("Reports", filter, msg, paged("/v1/reports" + (state ? "?state=" + encodeURIComponent(state) : ""),
    ["Created", "Market", "About", "GTIN / batch", "State", "Attempts", "Last error", ""],
    (r) => [when(r.created_at), r.market, reportAbout(r), gtinBatch(r), h("td", { class: "report-state", "data-report": r.report_id },
      badge(r.state), r.retried_by ? h("div", { class: "hint" }, "retried by ", h("span", { class: "mono" }, r.retried_by.slice(0, 8) + "…")) : null),
      `${r.attempts} of ${r.max_attempts}`, r.last_error || "", h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", onclick: () => download(r, msg) }, "Document"),
        can.retry(session.role) && (r.state === "failed" || r.state === "dead") && !r.retried_by
          ? h("button", { type: "button", class: "retry", onclick: async (ev) => {
            ev.target.disabled = true;
            const g = generation;
            try {
              const x = await api("POST", `/v1/reports/${r.report_id}/retry`);
              // The list again: the retry in it, this one marked retried.
              redrawWith(g, h("p", { class: "success", role: "status", id: "retry-done" }, `Report ${x.report_id} queued to retry ${x.retry_of}.`));
            } catch (e) { ev.target.disabled = false; msg.replaceChildren(errorBox(e)); }
          } }, "Retry") : null)],
    "No report yet."));
}

async function download(r, msg) {
  try {
    const res = await api("GET", `/v1/reports/${r.report_id}/document`, undefined, true);
    const url = URL.createObjectURL(await res.blob());
    // The file's ending by what the server sent: an EPCIS 2.0 JSON-LD report is no .xml.
    const json = (res.headers.get("Content-Type") || "").includes("json");
    const a = h("a", { href: url, download: `report-${r.report_id}.${json ? "jsonld" : "xml"}` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) {
    if (e.status !== 401) msg.replaceChildren(errorBox(e));
  }
}

function audit() {
  const result = h("div", { "aria-live": "polite", id: "audit-result" });
  const verify = h("button", { type: "button", id: "audit-verify", onclick: async () => {
    result.replaceChildren(h("p", { class: "hint" }, "Verifying…"));
    try {
      const v = await api("GET", "/v1/audit/verify");
      result.replaceChildren(v.ok
        ? h("p", { class: "success", role: "status" }, `The audit chain is intact: ${v.entries} entries` +
          (v.head ? `, the latest hash ${v.head}` : "") + (v.checkpoints !== undefined ? `, ${v.checkpoints} signed checkpoints.` : "."))
        : errorBox({ message: `The audit chain is broken${v.broken_at ? " at entry " + v.broken_at : ""}: ${v.reason || "a hash does not match"}.`, details: [] }));
    } catch (e) { result.replaceChildren(errorBox(e)); }
  } }, "Verify the chain");
  const parts = [h("div", { class: "actions" }, verify), result];
  if (session.role !== "admin")
    parts.push(h("h2", null, "Entries, newest first"), paged("/v1/audit?order=CREATED_DESC", ["#", "When", "Action", "Subject", "Details"],
      (e) => [String(e.seq), when(e.at), e.action, e.subject.length === 36 ? idCell(e.subject) : mono(e.subject), h("td", { class: "mono details" }, JSON.stringify(e.details))], "No entry yet."));
  page("Audit", ...parts);
}

function jobs() {
  let timer = null;
  const g = generation;
  const box = h("div");
  const said = h("div", { "aria-live": "polite" });
  // A failed job taken up again where it stopped (POST /v1/jobs/{id}/retry): the list is read
  // again and followed while the job runs.
  async function retry(ev, j) {
    ev.target.disabled = true;
    try {
      await api("POST", `/v1/jobs/${j.job_id}/retry`);
      said.replaceChildren(h("p", { class: "success", role: "status", id: "job-retry-done" }, `Job ${j.job_id} is queued to run again.`));
      clearTimeout(timer);
      load();
    } catch (e) { ev.target.disabled = false; said.replaceChildren(errorBox(e)); }
  }
  async function load() {
    try {
      const p = await api("GET", "/v1/jobs?first=50");
      const running = p.items.some((j) => j.status === "queued" || j.status === "running");
      box.replaceChildren(table(["Job", "Kind", "Status", "Progress", "Started", "Error", ""], p.items.map((j) => [
        idCell(j.job_id), j.kind, badge(j.status),
        h("td", null, h("progress", { max: j.total || 1, value: j.done || 0, "aria-label": `job ${j.job_id} progress` }), ` ${j.done} of ${j.total}`),
        when(j.started_at), j.error || "",
        can.jobRetry(session.role) && j.status === "failed"
          ? h("button", { type: "button", class: "job-retry", "data-job": j.job_id, onclick: (ev) => retry(ev, j) }, "Retry") : ""]), "No job yet."),
      ...(p.has_next_page ? [h("p", { class: "hint", id: "jobs-partial" }, "The latest 50 jobs are shown.")] : []));
      // Long jobs show their progress: poll while any is unfinished and the page is open.
      if (running && g === generation) timer = setTimeout(load, 2000);
    } catch (e) {
      if (e.status !== 401) box.replaceChildren(errorBox(e));
    }
  }
  load();
  // Print jobs are recorded whole when asked (no progress to follow); the MAH and the CMO
  // see theirs, an auditor none (it renders no print data).
  const prints = can.carrier(session.role)
    ? [h("h2", null, "Print jobs"), paged("/v1/print-jobs", ["Print job", "GTIN / batch", "Serials", "Line", "Operator", "Reprint", "Created"],
      (j) => [idCell(j.print_job_id), gtinBatch(j), String(j.count), j.line, j.operator,
        j.reprint ? "yes" : "no", when(j.created_at)], "No print job yet.")]
    : [];
  page("Allocations & jobs", h("h2", null, "Jobs"), said, box, h("h2", null, "Allocations"),
    paged("/v1/allocations", ["Allocation", "GTIN", "For", "Serials", "Label", "Created"],
      (a) => [idCell(a.allocation_id), mono(a.gtin), idCell(a.org_id), String(a.count), a.label || "", when(a.created_at)], "No allocation yet."),
    ...prints);
  return () => clearTimeout(timer);
}

function keys() {
  const admin = session.role === "admin";
  const shown = h("div", { "aria-live": "polite" });
  const list = h("div", { id: "key-list" });
  const parts = [];
  if (admin) {
    const orgOut = h("div", { "aria-live": "polite" });
    const org = h("form", {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const f = new FormData(org);
        const body = { kind: f.get("kind"), name: f.get("name") };
        if (f.get("gln")) body.gln = f.get("gln");
        // Its GS1 Company Prefix length, when GS1's prefix list does not know it: without one
        // the organization's events carry no read point, and its EU and US commissions and
        // releases are refused for it (docs/api.md "POST /v1/orgs").
        if (f.get("gln_prefix_length")) body.gln_prefix_length = Number(f.get("gln_prefix_length"));
        if (f.get("market")) body.market = f.get("market");
        try {
          const o = await api("POST", "/v1/orgs", body);
          orgOut.replaceChildren(h("p", { class: "success" }, `Organization ${o.name} created: `, h("span", { class: "mono" }, o.org_id),
            ". The key form below is set for it, with the roles its keys may carry."));
          org.reset();
          // The organization's first key is the usual next step: the form names it and offers
          // only the roles the server would accept for its kind (key_roles).
          created = o;
          key.elements.org_id.value = o.org_id;
          offerRoles();
        } catch (e) { orgOut.replaceChildren(errorBox(e)); }
      },
    }, field("Kind", { tag: "select", name: "kind", options: [["mah", "MAH (brand owner)"], ["cmo", "CMO (contract manufacturer)"], ["regulator", "Regulator"], ["verifier", "Verifier (DSCSA trading partner; needs a GLN)"]] }),
    field("Name", { name: "name", required: true, maxlength: 200 }),
    field("GLN", { name: "gln", inputmode: "numeric", maxlength: 13 }, "optional, 13 digits"),
    field("GLN prefix length", { name: "gln_prefix_length", type: "number", min: 6, max: 12 },
      "with a GLN: its GS1 Company Prefix's digits, 6 to 12; blank: from GS1's prefix list"),
    field("Market", { name: "market", maxlength: 2 }, "regulators only"),
    h("div", null, h("button", { type: "submit" }, "Create organization")));
    parts.push(h("h2", null, "New organization"), org, orgOut);
  }
  // The roles a key may carry: the organization just created gets its own (key_roles) while
  // the form names it; any other id, or none once its key is made, every role again (the form
  // kept offering only the new organization's, so no other organization's key could be made
  // without a reload).
  const roles = admin ? ["admin", "mah", "cmo", "auditor", "regulator", "verifier"] : ["mah", "auditor"];
  let created = null;
  function offerRoles() {
    const id = key.elements.org_id ? key.elements.org_id.value.trim() : "";
    const list = created && id === created.org_id ? created.key_roles : roles;
    key.elements.role.replaceChildren(...list.map((r) => h("option", { value: r }, r)));
  }
  const key = h("form", {
    onsubmit: async (ev) => {
      ev.preventDefault();
      const f = new FormData(key);
      const body = { role: f.get("role") };
      if (f.get("org_id")) body.org_id = f.get("org_id");
      if (f.get("label")) body.label = f.get("label");
      try {
        const k = await api("POST", "/v1/keys", body);
        // Shown once: packid keeps only its hash. The list is read again, not the page (which
        // would take the key off the screen).
        list.replaceChildren(keyList());
        shown.replaceChildren(h("div", { class: "panel" }, h("p", null, h("strong", null, "Copy this key now: it is shown once.")),
          h("p", { class: "secret" }, k.api_key), h("p", { class: "hint" }, "Key id ", k.key_id)));
        key.reset();
        if (admin) offerRoles();
      } catch (e) { shown.replaceChildren(errorBox(e)); }
    },
  }, admin ? field("Organization id", { name: "org_id", required: true, oninput: () => offerRoles() }) : null,
  field("Role", { tag: "select", name: "role", options: roles.map((r) => [r, r]) }),
  field("Label", { name: "label", maxlength: 200 }, "optional"),
  h("div", null, h("button", { type: "submit" }, "Create key")));
  const revokeOut = h("div", { "aria-live": "polite" });
  // Revocation cannot be undone: a confirmation first, which says so, and says when the key
  // is the one this session was opened with (the session ends with it). Asked from a key's
  // row or from the form (a key id from elsewhere: a test key is listed with a test key).
  const g = generation;
  function askRevoke(id) {
    const own = id === session.key_id;
    const confirm = h("button", { type: "button", class: "danger", id: "confirm-revoke" }, `Revoke key ${id}`);
    const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
    cancel.addEventListener("click", () => revokeOut.replaceChildren());
    confirm.addEventListener("click", async () => {
      confirm.disabled = true;
      try {
        await api("DELETE", `/v1/keys/${encodeURIComponent(id)}`);
        if (own) {
          session = null;
          history.replaceState(null, "", location.pathname);
          showSignIn("You revoked the key this session was opened with; sign in with another key.");
          return;
        }
        redrawWith(g, h("p", { class: "success", role: "status", id: "revoke-done" }, `Key ${id} revoked.`));
      } catch (e) {
        confirm.disabled = false;
        revokeOut.replaceChildren(errorBox(e));
      }
    });
    revokeOut.replaceChildren(h("div", { class: "panel", role: "region", "aria-label": "Confirm the revocation" },
      h("p", null, h("strong", null, `Key ${id}`), " will stop working at once, for every program that uses it. This cannot be undone."),
      own ? h("p", { class: "error", id: "revoke-own" }, "This is the key you signed in with: this session ends with it.") : null,
      h("div", { class: "actions" }, confirm, cancel)));
    confirm.focus();
  }
  const revoke = h("form", {
    class: "inline",
    onsubmit: (ev) => {
      ev.preventDefault();
      askRevoke(new FormData(revoke).get("key_id").trim());
    },
  }, field("Key id", { name: "key_id", required: true }), h("button", { type: "submit", class: "danger", id: "revoke-key" }, "Revoke"));
  // The organization's keys of this session's mode (GET /v1/keys): never the keys themselves.
  const keyList = () => paged("/v1/keys", ["Key", "Role", "Label", "Created", "Status", ""], (k) => {
    const own = k.key_id === session.key_id;
    const act = k.revoked_at ? "" : h("button", { type: "button", class: "danger", "data-key": k.key_id,
      "aria-label": `Revoke key ${k.key_id}`, onclick: () => askRevoke(k.key_id) }, "Revoke");
    return [idCell(k.key_id), k.role, k.label || "", when(k.created_at),
      k.revoked_at ? `Revoked ${when(k.revoked_at)}` : own ? "Active (this session)" : "Active", act];
  }, "No key yet.");
  list.replaceChildren(keyList());
  parts.push(h("h2", null, "Keys of your organization"),
    h("p", { class: "hint" }, "Keys of the kind you signed in with: live keys with a live key, test keys with a test key. A key itself is never shown again after it is made."),
    list, revokeOut, h("h2", null, "New API key"), key, shown, h("h2", null, "Revoke a key by its id"), revoke);
  page("Organizations & keys", ...parts);
}

// ---- routing ----------------------------------------------------------------------------

const VIEWS = { dashboard, products, batches, trace, reports, alerts, audit, jobs, keys };
let leave = null;

function route() {
  if (!session) return showSignIn();
  generation++;
  if (leave) leave();
  leave = null;
  const [name, query] = (location.hash.replace(/^#\/?/, "") || "dashboard").split("?");
  const allowed = PAGES.filter((p) => p[2].includes(session.role));
  const target = allowed.find((p) => p[0] === name) || allowed[0];
  $top.hidden = false;
  $who.textContent = `${session.org_name} · ${session.role}`;
  $nav.replaceChildren(...allowed.map((p) => h("a", { href: "#/" + p[0], "aria-current": p === target ? "page" : null }, p[1])));
  if (!target) {
    page("packid", h("p", null, "This role has no console pages."));
    return;
  }
  const params = Object.fromEntries(new URLSearchParams(query || ""));
  leave = VIEWS[target[0]](params) || null;
  $main.focus({ preventScroll: true });
}

window.addEventListener("hashchange", route);
// The skip link moves the focus to the page's content; as a link to "#main" it would change
// the hash, which names pages.
document.querySelector("a.skip").addEventListener("click", (ev) => {
  ev.preventDefault();
  $main.focus();
});

// A reload keeps the session (the cookie) and asks for its CSRF token again.
(async () => {
  try {
    session = await api("GET", "/v1/sessions/current");
    route();
  } catch (e) {
    if (e.status !== 401) showSignIn(e.message);
  }
})();
