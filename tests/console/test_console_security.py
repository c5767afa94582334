"""Console sessions over real HTTP (docs/console.md): cookie attributes, CSRF, tenants,
expiry, sign-out, the served files and their caching. Run by ctest (test_console_security)
as: python3 test_console_security.py <packid binary>."""
import hashlib
import base64
import re
import sys
import unittest

from packid_env import Server, gtin, header, session_cookie

PACKID = sys.argv.pop(1) if len(sys.argv) > 1 else "packid"


class ConsoleSecurity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server(PACKID)
        cls.mah_org, cls.mah_key = cls.s.org_key("mah", "Console MAH A", "mah")
        cls.other_org, cls.other_key = cls.s.org_key("mah", "Console MAH B", "mah")
        cls.gtin = gtin(1)
        st, _, _ = cls.s.request("POST", "/v1/products", key=cls.mah_key,
                                 body={"gtin": cls.gtin, "company_prefix_length": 7,
                                       "name": "Console A product", "market": "DE"})
        assert st == 201, st

    @classmethod
    def tearDownClass(cls):
        assert cls.s.stop() == 0, "".join(cls.s.log[-30:])

    def sign_in(self, key):
        st, hdrs, body = self.s.request("POST", "/v1/sessions", body={"api_key": key})
        self.assertEqual(st, 201, body)
        token, attrs = session_cookie(hdrs)
        self.assertIsNotNone(token)
        return token, attrs, body

    def count_products(self):
        return int(self.s.sql("SELECT count(*) FROM product"))

    def test_console__sign_in_sets_a_strict_httponly_cookie(self):
        token, attrs, body = self.sign_in(self.mah_key)
        self.assertIn("HttpOnly", attrs)
        self.assertIn("SameSite=Strict", attrs)
        self.assertIn("Path=/", attrs)
        self.assertNotIn("Secure", attrs)  # PACKID_PUBLIC_URL is http here
        self.assertEqual(body["role"], "mah")
        self.assertEqual(body["org_id"], self.mah_org)
        self.assertRegex(body["expires_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertNotIn("api_key", body)
        # REQ-CONSOLE-2: the database holds the token's SHA-256 only.
        h = hashlib.sha256(token.encode()).hexdigest()
        self.assertEqual(self.s.sql(
            f"SELECT count(*) FROM console_session WHERE token_hash = '\\x{h}'::bytea"), "1")
        self.assertEqual(self.s.sql(
            f"SELECT count(*) FROM console_session WHERE encode(token_hash, 'escape') "
            f"LIKE '%{token[3:20]}%'"), "0")
        # REQ-CONSOLE-1: the sign-in is audited, as the key.
        self.assertGreaterEqual(int(self.s.sql(
            "SELECT count(*) FROM audit_log WHERE action = 'session.create' AND "
            f"tenant_id = '{self.mah_org}'")), 1)
        # The session acts as its key.
        st, _, who = self.s.request("GET", "/v1/whoami", cookie=token)
        self.assertEqual(st, 200)
        self.assertEqual((who["role"], who["org_id"]), ("mah", self.mah_org))
        st, _, cur = self.s.request("GET", "/v1/sessions/current", cookie=token)
        self.assertEqual(st, 200)
        self.assertEqual(cur["csrf_token"], body["csrf_token"])

    def test_console__secure_cookie_behind_tls(self):
        # A TLS-terminating proxy in front: packid's public URL is https, so the cookie is
        # Secure, its scheme in either case (RFC 3986 3.1). A second server on the same
        # database.
        for url in ["https://packid.example", "HTTPS://packid.example"]:
            s2 = Server(PACKID, {"PACKID_PUBLIC_URL": url}, conninfo=self.s.conninfo)
            try:
                st, hdrs, _ = s2.request("POST", "/v1/sessions", body={"api_key": self.mah_key})
                self.assertEqual(st, 201)
                self.assertIn("Secure", session_cookie(hdrs)[1], url)
            finally:
                self.assertEqual(s2.stop(), 0)

    def test_console__bad_key_no_session(self):
        before = self.s.sql("SELECT count(*) FROM console_session")
        for key in ["pk_" + "A" * 43, "not a key", self.mah_key + "x"]:
            st, hdrs, body = self.s.request("POST", "/v1/sessions", body={"api_key": key})
            self.assertEqual((st, body["error"]["code"]), (401, "invalid_token"))
            self.assertEqual(header(hdrs, "Set-Cookie"), [])
        st, _, body = self.s.request("POST", "/v1/sessions", body={"key": self.mah_key})
        self.assertEqual(st, 422)
        self.assertEqual(self.s.sql("SELECT count(*) FROM console_session"), before)

    def test_console__state_change_without_csrf_is_refused(self):
        # REQ-CONSOLE-4: no X-CSRF-Token (or a wrong one) -> 403 and nothing changed.
        token, _, body = self.sign_in(self.mah_key)
        product = {"gtin": gtin(2), "company_prefix_length": 7, "name": "CSRF", "market": "DE"}
        before = self.count_products()
        wrong = base64.urlsafe_b64encode(hashlib.sha256(b"x").digest()).decode().rstrip("=")
        for csrf in [None, wrong, body["csrf_token"][:-1], body["csrf_token"] + "A"]:
            st, _, err = self.s.request("POST", "/v1/products", body=product, cookie=token,
                                        csrf=csrf)
            self.assertEqual((st, err["error"]["code"]), (403, "csrf_failed"), csrf)
            self.assertEqual(self.count_products(), before)
        # Another session's token does not fit this session.
        _, _, other = self.sign_in(self.mah_key)
        st, _, _ = self.s.request("POST", "/v1/products", body=product, cookie=token,
                                  csrf=other["csrf_token"])
        self.assertEqual(st, 403)
        self.assertEqual(self.count_products(), before)
        # Sign-out is a state change too.
        st, _, _ = self.s.request("DELETE", "/v1/sessions/current", cookie=token)
        self.assertEqual(st, 403)
        st, _, _ = self.s.request("GET", "/v1/whoami", cookie=token)
        self.assertEqual(st, 200)
        # With it, the write goes through.
        st, _, _ = self.s.request("POST", "/v1/products", body=product, cookie=token,
                                  csrf=body["csrf_token"])
        self.assertEqual(st, 201)
        self.assertEqual(self.count_products(), before + 1)

    def test_console__a_key_needs_no_csrf(self):
        # A program's key wins over a cookie sent beside it: no CSRF token needed.
        token, _, _ = self.sign_in(self.other_key)
        st, _, _ = self.s.request("POST", "/v1/products", key=self.mah_key, cookie=token,
                                  body={"gtin": gtin(3), "company_prefix_length": 7,
                                        "name": "Key", "market": "DE"})
        self.assertEqual(st, 201)
        st, _, _ = self.s.request("GET", "/v1/sessions/current", key=self.mah_key)
        self.assertEqual(st, 404)

    def test_console__another_tenants_objects_are_not_found(self):
        token, _, body = self.sign_in(self.other_key)
        st, _, err = self.s.request("GET", f"/v1/products/{self.gtin}", cookie=token)
        self.assertEqual((st, err["error"]["code"]), (404, "product_not_found"))
        st, _, page = self.s.request("GET", "/v1/products", cookie=token)
        self.assertEqual(st, 200)
        self.assertNotIn(self.gtin, [p["gtin"] for p in page["items"]])
        st, _, _ = self.s.request("PATCH", f"/v1/products/{self.gtin}", cookie=token,
                                  csrf=body["csrf_token"], body={"name": "stolen"})
        self.assertEqual(st, 404)
        self.assertEqual(self.s.sql(f"SELECT name FROM product WHERE gtin = '{self.gtin}'"),
                         "Console A product")

    def test_console__expired_session_is_refused(self):
        # REQ-CONSOLE-3: past the idle end, past the absolute end, or revoked: 401.
        idle, _, _ = self.sign_in(self.mah_key)
        absolute, _, _ = self.sign_in(self.mah_key)
        h_idle = hashlib.sha256(idle.encode()).hexdigest()
        h_abs = hashlib.sha256(absolute.encode()).hexdigest()
        self.s.sql("UPDATE console_session SET last_seen_at = now() - interval '31 minutes' "
                   f"WHERE token_hash = '\\x{h_idle}'::bytea")
        self.s.sql("UPDATE console_session SET expires_at = now() - interval '1 second' "
                   f"WHERE token_hash = '\\x{h_abs}'::bytea")
        for t in (idle, absolute):
            st, _, err = self.s.request("GET", "/v1/whoami", cookie=t)
            self.assertEqual((st, err["error"]["code"]), (401, "session_expired"))
        # An expired session is not brought back by being used.
        st, _, _ = self.s.request("GET", "/v1/whoami", cookie=idle)
        self.assertEqual(st, 401)
        # A session in use stays alive: each request moves its idle end.
        live, _, _ = self.sign_in(self.mah_key)
        h_live = hashlib.sha256(live.encode()).hexdigest()
        self.s.sql("UPDATE console_session SET last_seen_at = now() - interval '29 minutes' "
                   f"WHERE token_hash = '\\x{h_live}'::bytea")
        self.assertEqual(self.s.request("GET", "/v1/whoami", cookie=live)[0], 200)
        self.assertEqual(self.s.sql(
            "SELECT last_seen_at > now() - interval '1 minute' FROM console_session "
            f"WHERE token_hash = '\\x{h_live}'::bytea"), "t")
        # Garbage and API keys are not sessions.
        for t in ["ps_" + "A" * 43, self.mah_key, "x"]:
            st, _, err = self.s.request("GET", "/v1/whoami", cookie=t)
            self.assertEqual((st, err["error"]["code"]), (401, "invalid_session"))

    def test_console__old_sessions_are_cleared(self):
        # A session that ended more than a week ago is deleted at the next sign-in; one that
        # ended yesterday is kept.
        old, _, _ = self.sign_in(self.mah_key)
        recent, _, _ = self.sign_in(self.mah_key)
        for t, age in ((old, "8 days"), (recent, "1 day")):
            h = hashlib.sha256(t.encode()).hexdigest()
            self.s.sql(f"UPDATE console_session SET expires_at = now() - interval '{age}' "
                       f"WHERE token_hash = '\\x{h}'::bytea")
        self.sign_in(self.mah_key)
        left = {t: self.s.sql("SELECT count(*) FROM console_session WHERE token_hash = "
                              f"'\\x{hashlib.sha256(t.encode()).hexdigest()}'::bytea")
                for t in (old, recent)}
        self.assertEqual(left, {old: "0", recent: "1"})

    def test_console__sign_out_revokes(self):
        token, _, body = self.sign_in(self.mah_key)
        st, hdrs, out = self.s.request("DELETE", "/v1/sessions/current", cookie=token,
                                       csrf=body["csrf_token"])
        self.assertEqual((st, out), (200, {"signed_out": True}))
        value, attrs = session_cookie(hdrs)
        self.assertEqual(value, "")
        self.assertIn("Max-Age=0", attrs)
        st, _, err = self.s.request("GET", "/v1/whoami", cookie=token)
        self.assertEqual((st, err["error"]["code"]), (401, "invalid_session"))
        self.assertGreaterEqual(int(self.s.sql("SELECT count(*) FROM audit_log WHERE action = "
                                               "'session.revoke'")), 1)

    def test_console__revoking_the_key_ends_its_sessions(self):
        key = self.s.key(self.mah_org, "auditor")
        token, _, _ = self.sign_in(key)
        self.assertEqual(self.s.request("GET", "/v1/audit", cookie=token)[0], 200)
        key_id = self.s.request("GET", "/v1/whoami", key=key)[2]["key_id"]
        st, _, _ = self.s.request("DELETE", f"/v1/keys/{key_id}", key=self.mah_key)
        self.assertEqual(st, 200)
        st, _, err = self.s.request("GET", "/v1/audit", cookie=token)
        self.assertEqual((st, err["error"]["code"]), (401, "invalid_session"))

    def test_console__a_session_keeps_its_role(self):
        # An auditor's session is read-only, as the auditor's key is (domain/policy).
        key = self.s.key(self.mah_org, "auditor")
        token, _, body = self.sign_in(key)
        self.assertEqual(body["role"], "auditor")
        st, _, err = self.s.request("POST", "/v1/releases", cookie=token,
                                    csrf=body["csrf_token"],
                                    body={"gtin": self.gtin, "batch": "B1", "market": "DE"})
        self.assertEqual((st, err["error"]["code"]), (403, "forbidden_role"))

    def test_console__batch_packs_by_state(self):
        s = self.s
        auditor = s.key(self.mah_org, "auditor")
        serials = [f"SEC{i}" for i in range(3)]
        st, _, out = s.request("POST", "/v1/commissions", key=self.mah_key, body={
            "product_code": self.gtin, "product_code_schema": "GTIN", "batch": "SEC/1",
            "expiry_date": "751231", "serials": serials})
        self.assertEqual(st, 200, out)
        st, _, p = s.request("POST", "/v1/partners", key=self.mah_key,
                             body={"name": "Console CMO S", "gln": s.next_gln(),
                                   "gln_prefix_length": 12, "gtins": [self.gtin]})
        self.assertEqual(st, 201, p)
        cmo_key = p["api_key"]
        st, _, out = s.request("POST", "/v1/commissions", key=cmo_key, body={
            "product_code": self.gtin, "product_code_schema": "GTIN", "batch": "SEC2",
            "expiry_date": "751231", "serials": ["CMOS1", "CMOS2"]})
        self.assertEqual(st, 200, out)
        # The MAH and its auditor: every count; "/" in a batch is %2F in the path.
        for key in (self.mah_key, auditor):
            st, _, b = s.request("GET", f"/v1/batches/{self.gtin}/SEC%2F1", key=key)
            self.assertEqual(st, 200, b)
            self.assertEqual((b["batch"], b["expiry"]), ("SEC/1", "751231"))
            self.assertEqual(b["packs"], {"commissioned": 3, "released": 0,
                                          "decommissioned": 0})
            self.assertEqual(b["released_by_market"], {})
        # Another tenant, by key or by session: not found.
        token, _, _ = self.sign_in(self.other_key)
        self.assertEqual(s.request("GET", f"/v1/batches/{self.gtin}/SEC2", key=self.other_key)[0], 404)
        self.assertEqual(s.request("GET", f"/v1/batches/{self.gtin}/SEC2", cookie=token)[0], 404)
        # REQ-CONSOLE-7: the CMO sees its own unreleased packs only, and not the MAH's batch.
        st, _, b = s.request("GET", f"/v1/batches/{self.gtin}/SEC2", key=cmo_key)
        self.assertEqual(st, 200, b)
        self.assertEqual(b["packs"], {"commissioned": 2})
        self.assertNotIn("released_by_market", b)
        self.assertEqual(s.request("GET", f"/v1/batches/{self.gtin}/SEC%2F1", key=cmo_key)[0], 404)
        for bad in ["SEC%20X", "no-such", "x" * 21]:
            self.assertEqual(s.request("GET", f"/v1/batches/{self.gtin}/{bad}", key=self.mah_key)[0], 404)
        self.assertEqual(s.request("GET", "/v1/batches/123/SEC2", key=self.mah_key)[0], 404)

    def test_console__files_are_served_with_csp_and_hashed_names(self):
        st, hdrs, page = self.s.request("GET", "/console/")
        self.assertEqual(st, 200)
        self.assertTrue(header(hdrs, "Content-Type")[0].startswith("text/html"))
        csp = header(hdrs, "Content-Security-Policy")[0]
        # REQ-CONSOLE-5: no inline script, no other origin, no framing.
        for d in ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"]:
            self.assertIn(d, csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(header(hdrs, "Cache-Control"), ["no-cache"])
        html = page.decode()
        self.assertNotRegex(html, r"<script>|<style>| style=| on[a-z]+=")
        self.assertNotIn("http://", html.replace("http://www.w3.org", ""))
        names = [n for n in re.findall(r'(?:src|href)="([^"]+)"', html) if not n.startswith("#")]
        self.assertTrue(names)
        for name in names:
            # REQ-CONSOLE-6: <stem>.<12 hex of SHA-256>.<ext>, cached for a year.
            m = re.fullmatch(r"([a-z0-9-]+)\.([0-9a-f]{12})\.(css|js|svg)", name)
            self.assertIsNotNone(m, name)
            st, h, data = self.s.request("GET", "/console/" + name)
            self.assertEqual(st, 200, name)
            self.assertEqual(hashlib.sha256(data).hexdigest()[:12], m.group(2))
            self.assertIn("immutable", header(h, "Cache-Control")[0])
            self.assertIn("max-age=31536000", header(h, "Cache-Control")[0])
        st, _, _ = self.s.request("GET", "/console/app.000000000000.js")
        self.assertEqual(st, 404)

    def test_console__address_without_its_slash_leads_to_the_page(self):
        """A person types /console: a redirect to the page (relative, so a proxy's path prefix
        is kept; 308 keeps the method), not a JSON 404."""
        for method in ("GET", "HEAD"):
            st, hdrs, _ = self.s.request(method, "/console")
            self.assertEqual(st, 308, method)
            self.assertEqual(header(hdrs, "Location"), ["console/"])
        st, hdrs, _ = self.s.request("GET", "/console?x=1")
        self.assertEqual((st, header(hdrs, "Location")), (308, ["console/"]))
        self.assertEqual(self.s.request("POST", "/console")[0], 405)


if __name__ == "__main__":
    unittest.main(verbosity=2)
