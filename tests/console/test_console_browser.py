"""The console in a real browser (docs/console.md): headless Chromium driven by Selenium
against a real `packid serve`. A MAH signs in, opens a batch, releases it to a market whose
endpoint is a local receiver and sees the report delivered; the CMO that made the batch finds
no release button and no released pack; an auditor traces a pack from a scanned element string
and verifies the audit chain; sign-out and an expired session lead back to the sign-in page.
Every page is photographed at 360 and 1280 px into the folder given (the build folder's
console-screenshots/, not committed).

Run by ctest (test_console_browser) as:
    python3 test_console_browser.py <packid binary> <screenshot folder>"""
import hashlib
import http.server
import os
import sys
import threading
import time
import unittest

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from packid_env import Server, gtin, with_check_digit

PACKID = sys.argv.pop(1) if len(sys.argv) > 1 else "packid"
SHOTS = sys.argv.pop(1) if len(sys.argv) > 1 else "console-screenshots"

SERIALS = [f"CONS{i:04d}" for i in range(1, 6)]
BATCH = "LOT-C1"


def gln(n):
    """A GLN under company prefix 4012345 with its check digit."""
    return with_check_digit(f"401234500{n:03d}")


class Receiver(http.server.ThreadingHTTPServer):
    """A regulator endpoint on loopback that accepts every report (200) and keeps them."""

    def __init__(self):
        self.documents = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                outer.documents.append((dict(self.headers), self.rfile.read(n)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class ConsoleBrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(SHOTS, exist_ok=True)
        cls.rx = Receiver()
        port = cls.rx.server_address[1]
        cls.s = Server(PACKID, {"PACKID_OUTBOUND_ALLOW": f"127.0.0.1:{port}",
                                "PACKID_DELIVERY_BACKOFF_MS": "200"})
        s = cls.s
        cls.mah_org, cls.mah_key = s.org_key("mah", "Console Pharma", "mah")
        cls.auditor_key = s.key(cls.mah_org, "auditor")
        cls.gtin = gtin(7)

        def call(method, path, key, body, want):
            st, _, out = s.request(method, path, key=key, body=body)
            assert st == want, (method, path, st, out)
            return out

        call("PATCH", f"/v1/orgs/{cls.mah_org}", cls.mah_key,
             {"gln": gln(1), "gln_prefix_length": 7}, 200)
        call("POST", "/v1/products", cls.mah_key,
             {"gtin": cls.gtin, "company_prefix_length": 7, "name": "Amoxicillin 500 mg",
              "market": "DE", "master_data": {"dosage_form": "CAPSULE", "strength": "500 mg",
                                              "pack_size": "21 CAPSULE in 1 BLISTER PACK",
                                              "manufacturer": "Console Pharma"}}, 201)
        p = call("POST", "/v1/partners", cls.mah_key,
                 {"name": "Console CMO", "gtins": [cls.gtin]}, 201)
        cls.cmo_org, cls.cmo_key = p["org_id"], p["api_key"]
        call("PATCH", f"/v1/orgs/{cls.cmo_org}", cls.mah_key,
             {"gln": gln(2), "gln_prefix_length": 7}, 200)
        call("POST", "/v1/commissions", cls.cmo_key,
             {"product_code": cls.gtin, "product_code_schema": "GTIN", "batch": BATCH,
              "expiry_date": "751231", "serials": SERIALS}, 200)
        # An allocation, so the jobs page has a job with its progress.
        call("PUT", "/v1/serial-settings", cls.mah_key,
             {"strategy": "RANDOM_NUMERIC", "length": 12}, 201)
        cls.allocation = call("POST", f"/v1/products/{cls.gtin}/allocations", cls.mah_key,
                              {"count": 500, "label": "line 1"}, 202)
        call("POST", "/v1/regulator-endpoints", cls.mah_key,
             {"market": "DE", "url": f"http://127.0.0.1:{port}/epcis"}, 201)

        opts = Options()
        for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=1280,900", "--disable-extensions", "--no-first-run",
                  "--disable-background-networking", "--disable-sync",
                  "--disable-component-update", "--disable-default-apps"]:
            opts.add_argument(a)
        opts.binary_location = "/usr/bin/chromium"
        cls.d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        cls.d.implicitly_wait(0)

    @classmethod
    def tearDownClass(cls):
        cls.d.quit()
        cls.rx.shutdown()
        assert cls.s.stop() == 0, "".join(cls.s.log[-30:])

    # ---- helpers ------------------------------------------------------------------------

    def wait(self, cond, timeout=20):
        return WebDriverWait(self.d, timeout).until(cond)

    def css(self, sel, timeout=20):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, sel)), timeout)

    def text_in(self, sel, text, timeout=20):
        try:
            self.wait(EC.text_to_be_present_in_element((By.CSS_SELECTOR, sel), text), timeout)
        except Exception:
            self.d.save_screenshot(os.path.join(SHOTS, "failure.png"))
            main = self.d.find_element(By.TAG_NAME, "main").text
            self.fail(f"no {text!r} in {sel}; the page says:\n{main}")

    def shoot(self, name):
        """The page at 360 px (a phone) and 1280 px, and no horizontal scrolling of the page
        itself at 360 px (wide tables scroll inside their own box); no text of the page is a
        value that leaked as code writes it ("null", "undefined", "NaN", "[object Object]")."""
        leaked = self.d.execute_script(
            "const w = document.createTreeWalker(document.querySelector('main'), "
            "NodeFilter.SHOW_TEXT); const out = []; "
            "while (w.nextNode()) { const t = w.currentNode.nodeValue.trim(); "
            "if (['null', 'undefined', 'NaN', '[object Object]'].includes(t)) out.push(t); } "
            "return out;")
        self.assertEqual(leaked, [], f"{name} shows {leaked}")
        for w in (360, 1280):
            self.d.set_window_size(w, 900)
            time.sleep(0.2)  # let layout settle before the picture (not an assertion)
            self.d.save_screenshot(os.path.join(SHOTS, f"{name}-{w}.png"))
            if w == 360:
                over = self.d.execute_script(
                    "return document.documentElement.scrollWidth - "
                    "document.documentElement.clientWidth")
                self.assertLessEqual(over, 0, f"{name} scrolls sideways at 360 px")
        self.d.set_window_size(1280, 900)

    def sign_in(self, key):
        self.d.get(self.s.base + "/console/")
        box = self.css("#api-key")
        box.send_keys(key)
        self.css("#signin").click()
        self.css("nav a[aria-current=page]")
        # The key is not left in the page.
        self.assertEqual(self.d.execute_script(
            "return document.documentElement.innerHTML.includes(arguments[0])", key), False)

    def go(self, hash_):
        self.d.get(self.s.base + "/console/" + hash_)

    def sign_out(self):
        self.css("#signout").click()
        self.css("#api-key")

    def has(self, sel):
        try:
            self.d.find_element(By.CSS_SELECTOR, sel)
            return True
        except NoSuchElementException:
            return False

    # ---- the story ----------------------------------------------------------------------

    def test_console__mah_cmo_auditor(self):
        d = self.d
        self.go("")
        self.css("#api-key")
        self.shoot("signin")

        # A wrong key: the error in words next to the field, no session.
        self.css("#api-key").send_keys("pk_wrong")
        self.css("#signin").click()
        self.text_in("[role=alert]", "not valid")
        self.shoot("signin-error")

        # ---- MAH: open the batch, release it, see the report delivered.
        self.sign_in(self.mah_key)
        self.text_in("main", "Open alerts")
        self.text_in("main", "Packs by product")
        self.shoot("mah-dashboard")
        self.go("#/products")
        self.text_in("main", "Amoxicillin 500 mg")
        self.text_in("main", "Partners")
        self.shoot("mah-products")
        self.go("#/batches")
        self.css(f"a.open-batch[data-batch='{BATCH}']").click()
        self.text_in("h1", BATCH)
        self.css("#release-market input, input#release-market").send_keys("DE")
        self.shoot("mah-batch")
        # Nothing moves on the check.
        self.css("#check-release").click()
        self.text_in("#release-result", "5 packs")
        self.text_in("#release-result", "commissioned to released for market DE")
        self.assertEqual(self.s.sql("SELECT count(*) FROM serial WHERE state = 'released'"), "0")
        self.shoot("mah-release-confirm")
        self.css("#confirm-release").click()
        self.text_in("#release-done", "Released 5 packs to DE")
        self.assertEqual(self.s.sql("SELECT count(*) FROM serial WHERE state = 'released'"), "5")
        # The page shows the release it made without a reload: counts and releases redrawn.
        self.text_in("#released-count", "5")
        self.text_in("main", "Released to")
        self.shoot("mah-released")
        # The batch's packs now, as the API tells each role (REQ-CONSOLE-7).
        path = f"/v1/batches/{self.gtin}/{BATCH}"
        b = self.s.request("GET", path, key=self.auditor_key)[2]
        self.assertEqual(b["packs"], {"commissioned": 0, "released": 5, "decommissioned": 0})
        self.assertEqual(b["released_by_market"], {"DE": 5})
        self.assertEqual(self.s.request("GET", path, key=self.cmo_key)[2]["packs"],
                         {"commissioned": 0})
        # The report reaches the receiver; the reports page says so.
        deadline = time.monotonic() + 120
        while True:
            self.go("#/reports")
            self.css("td.report-state")
            if "delivered" in self.css("td.report-state").text:
                break
            self.assertLess(time.monotonic(), deadline, "the report was not delivered")
            time.sleep(0.5)
        self.assertEqual(len(self.rx.documents), 1)
        self.assertIn(b"EPCISDocument", self.rx.documents[0][1])
        self.text_in("main table", "release")  # what the report is about
        self.shoot("mah-reports")
        # A pack commissioned between the check and the confirmation: the release refuses the
        # count shown (409 count_changed, nothing moves) and the console checks again, asking
        # for the new count to be confirmed rather than offering the stale one.
        def commission(lot, serial):
            status = self.s.request("POST", "/v1/commissions", key=self.cmo_key, body={
                "product_code": self.gtin, "product_code_schema": "GTIN", "batch": lot,
                "expiry_date": "751231", "serials": [serial]})[0]
            self.assertEqual(status, 200)
        commission("LOT-C2", "CNTA0001")
        self.go(f"#/batches?gtin={self.gtin}&batch=LOT-C2")
        self.css("#release-market input, input#release-market").send_keys("DE")
        self.css("#check-release").click()
        self.text_in("#release-result", "1 pack of batch")
        commission("LOT-C2", "CNTB0001")
        self.css("#confirm-release").click()
        self.text_in("#release-result", "2 packs")
        self.assertEqual(self.s.sql("SELECT count(*) FROM serial WHERE batch = 'LOT-C2' "
                                    "AND state = 'released'"), "0")
        self.css("#confirm-release").click()
        self.text_in("#release-done", "Released 2 packs to DE")
        self.go("#/jobs")
        self.css(f"td[title='{self.allocation['allocation_id']}']")
        self.text_in("main", "line 1")
        # The job's progress bar reaches its total (the page polls while it runs).
        self.wait(lambda dr: dr.execute_script(
            "const p = document.querySelector('main progress');"
            "return p && p.value === p.max && p.max === 500"), 60)
        self.text_in("main", "500 of 500")
        self.text_in("main", "Print jobs")
        self.shoot("mah-jobs")
        # A failed job offers its retry (POST /v1/jobs/{id}/retry); taken, it runs again and
        # completes, and the button is gone.
        job = self.allocation["job_id"]
        self.s.sql(f"UPDATE job SET status = 'failed', error = 'failed by hand' WHERE id = '{job}'")
        self.go("#/audit")
        self.go("#/jobs")
        self.text_in("main", "failed by hand")
        self.css(f"button.job-retry[data-job='{job}']").click()
        self.text_in("#job-retry-done", "queued to run again")
        self.wait(lambda dr: self.s.sql(f"SELECT status FROM job WHERE id = '{job}'") == "completed", 60)
        self.wait(lambda dr: not self.has(f"button.job-retry[data-job='{job}']"))
        self.go("#/audit")
        self.css("#audit-verify").click()
        self.text_in("#audit-result", "intact")
        # Entries newest first: the first row is the newest entry the organization's log has.
        newest = self.s.request("GET", "/v1/audit?order=CREATED_DESC&first=1", key=self.mah_key)[2]
        first = self.css("main tbody tr:first-child td:first-child")
        self.wait(lambda _: first.text == str(newest["items"][0]["seq"]))
        self.shoot("mah-audit")
        self.go("#/keys")
        self.text_in("main", "New API key")
        self.shoot("mah-keys")
        # A key made, then revoked: a confirmation first, then the key stops working.
        d.find_element(By.CSS_SELECTOR, "select[name=role] option[value=auditor]").click()
        self.css("input[name=label]").send_keys("temp" + Keys.ENTER)
        temp_key = self.css("main .secret").text
        temp_id = self.s.request("GET", "/v1/whoami", key=temp_key)[2]["key_id"]
        # The organization's keys are listed (GET /v1/keys), the new one with them, the
        # session's own marked; none shows a key itself.
        row = self.css(f"#key-list button[data-key='{temp_id}']").find_element(By.XPATH, "./ancestor::tr")
        self.assertIn("temp", row.text)
        self.assertIn("auditor", row.text)
        self.text_in("#key-list", "Active (this session)")
        self.assertNotIn("pk_", self.css("#key-list").text)
        listed = self.s.request("GET", "/v1/keys?first=200", key=self.mah_key)[2]["items"]
        self.assertEqual(len(self.d.find_elements(By.CSS_SELECTOR, "#key-list tbody tr")), len(listed))
        self.css(f"#key-list button[data-key='{temp_id}']").click()
        self.text_in("main [role=region]", "cannot be undone")
        self.assertFalse(self.has("#revoke-own"))
        self.assertEqual(self.s.request("GET", "/v1/whoami", key=temp_key)[0], 200)
        self.css("#confirm-revoke").click()
        self.text_in("#revoke-done", "revoked")
        self.assertEqual(self.s.request("GET", "/v1/whoami", key=temp_key)[0], 401)
        # Drawn again: the key's row (its id in the row, for screen readers) says it is revoked
        # and offers nothing more.
        row = f"//div[@id='key-list']//tr[.//span[text()='{temp_id}']]"
        self.wait(lambda _: "Revoked" in d.find_element(By.XPATH, row).text)
        self.assertEqual(d.find_elements(By.XPATH, row + "//button"), [])
        self.go("#/trace")
        self.css("#trace-gtin").send_keys(self.gtin)
        self.css("#trace-serial").send_keys(SERIALS[0])
        self.css("#trace-go").click()
        self.text_in("#pack-facts", "released")
        self.text_in("#pack-facts", "Console Pharma (you)")  # who released it
        self.text_in("#pack-events", "by ")  # who did each step
        self.text_in("#pack-parents", "not packed")
        # The DataMatrix from GET /v1/packs/…/datamatrix.png, loaded with the cookie.
        self.wait(lambda dr: dr.execute_script(
            "const i = document.getElementById('pack-datamatrix');"
            "return i && i.complete && i.naturalWidth > 0"))
        self.shoot("mah-trace")

        # A clone alert (one pack scanned in Berlin ten minutes ago, now in Lisbon): the MAH
        # reads why in words, traces the pack from it and closes it with a reason.
        self.s.sql("INSERT INTO scan (gtin, serial, at, country, lat, lon, client, known, "
                   f"verdict, source) VALUES ('{self.gtin}', '{SERIALS[4]}', now() - interval "
                   "'10 minutes', 'DE', 52.52, 13.405, repeat('a', 64), true, 'genuine', 'verify')")
        st, _, v = self.s.request("GET", f"/v1/verify/{self.gtin}/{SERIALS[4]}?lat=38.72&lon=-9.14")
        self.assertEqual((st, v["verdict"]), (200, "suspect"), v)
        self.go("#/alerts")
        self.text_in("main table", "too far apart")
        self.shoot("mah-alerts")
        self.css(f"main table a[href*='{SERIALS[4]}']").click()
        self.text_in("#pack-facts", SERIALS[4])
        self.go("#/alerts")
        self.css("form.close-alert input[name=reason]").send_keys("checked: a courier's two scans")
        self.css("form.close-alert button").click()
        self.text_in("#alert-closed", "closed")
        self.text_in("main", "No open alert.")
        self.assertEqual(self.s.sql("SELECT close_reason FROM clone_alert WHERE state = 'closed'"),
                         "checked: a courier's two scans")
        self.go("#/alerts?state=closed")
        self.text_in("main table", "a courier's two scans")

        # Sign out and be refused: the cookie's session is revoked, not only forgotten.
        cookie = d.get_cookie("packid_session")["value"]
        self.sign_out()
        self.text_in("main [role=alert]", "You have signed out")
        self.assertIsNone(d.get_cookie("packid_session"))
        st, _, err = self.s.request("GET", "/v1/whoami", cookie=cookie)
        self.assertEqual((st, err["error"]["code"]), (401, "invalid_session"))
        self.go("#/batches")
        self.css("#api-key")
        self.shoot("signed-out")

        # ---- CMO: its batch, no release button, no released pack.
        self.sign_in(self.cmo_key)
        self.shoot("cmo-dashboard")
        self.assertFalse(self.has("nav a[href='#/reports']"))
        self.go("#/batches")
        self.css(f"a.open-batch[data-batch='{BATCH}']").click()
        self.text_in("h1", BATCH)
        self.text_in("main", "Commissions")
        self.assertFalse(self.has("#release-form"))
        self.assertFalse(self.has("#check-release"))
        self.assertFalse(self.has("#released-count"))
        self.shoot("cmo-batch")
        self.go("#/trace")
        self.css("#trace-gtin").send_keys(self.gtin)
        self.css("#trace-serial").send_keys(SERIALS[1])
        self.css("#trace-go").click()
        self.text_in("main [role=alert]", "No pack")
        self.assertFalse(self.has("#pack-facts"))
        self.shoot("cmo-trace")
        self.sign_out()

        # ---- Auditor: trace from a scanned element string, verify the audit chain.
        self.sign_in(self.auditor_key)
        self.assertFalse(self.has("nav a[href='#/keys']"))
        self.go("#/trace")
        self.css("#trace-scan").send_keys(f"(01){self.gtin}(17)751231(10){BATCH}(21){SERIALS[2]}")
        self.css("#trace-go").click()
        self.text_in("#pack-facts", "released")
        self.text_in("#pack-facts", SERIALS[2])
        self.text_in("#pack-events", "commissioning")
        self.assertFalse(self.has("#pack-datamatrix"))  # an auditor renders no carriers
        self.shoot("auditor-trace")
        # What a scanner gives: the pack's Digital Link with its batch, behind a QR reader's
        # symbology identifier, and an unbracketed element string whose serial ends at a GS
        # before another AI (714, a national product number).
        scans = [(f"]Q1https://id.gs1.org/01/{self.gtin}/10/{BATCH}/21/{SERIALS[1]}?17=751231",
                  SERIALS[1]),
                 (f"]d201{self.gtin}17751231" + f"21{SERIALS[3]}\u001d7141234567", SERIALS[3])]
        for code, serial in scans:
            self.go("#/trace")
            box = self.css("#trace-scan")
            d.execute_script("arguments[0].value = arguments[1]", box, code)
            self.css("#trace-go").click()
            self.text_in("#pack-facts", serial)
            self.assertFalse(self.has("#pack-mismatch"))  # the code agrees with the record
        # A code whose batch and expiry are not the pack's: the pack is traced, and the page
        # says first what the code says that the record does not.
        self.go("#/trace")
        box = self.css("#trace-scan")
        d.execute_script("arguments[0].value = arguments[1]", box,
                         f"(01){self.gtin}(17)311231(10)LOT-X9(21){SERIALS[2]}")
        self.css("#trace-go").click()
        self.text_in("#pack-facts", SERIALS[2])
        self.text_in("#pack-mismatch", "batch LOT-X9")
        self.text_in("#pack-mismatch", f"packid holds {BATCH}")
        self.text_in("#pack-mismatch", "expiry 2031-12-31")
        self.shoot("auditor-trace-mismatch")
        # A code that breaks a GS1 rule (the GTIN's check digit): packid's parser names the
        # rule, and no pack is looked up.
        bad = self.gtin[:-1] + str((int(self.gtin[-1]) + 1) % 10)
        self.go("#/trace")
        box = self.css("#trace-scan")
        d.execute_script("arguments[0].value = arguments[1]", box, f"(01){bad}(21){SERIALS[2]}")
        self.css("#trace-go").click()
        self.text_in("main [role=alert]", "check digit")
        self.assertFalse(self.has("#pack-facts"))
        # The skip link moves the focus to the page's content and stays on the page.
        self.go("#/trace")
        skip = d.find_element(By.CSS_SELECTOR, "a.skip")
        d.execute_script("arguments[0].focus()", skip)
        skip.send_keys(Keys.ENTER)
        self.wait(lambda dr: dr.execute_script("return document.activeElement.id") == "main")
        self.assertTrue(d.current_url.endswith("#/trace"), d.current_url)
        self.css("#trace-scan")
        self.go("#/batches")
        self.css(f"a.open-batch[data-batch='{BATCH}']").click()
        self.text_in("#released-count", "5")
        self.assertFalse(self.has("#check-release"))  # read-only
        self.shoot("auditor-batch")
        self.go("#/reports")
        self.css("td.report-state")
        self.assertFalse(any(b.text == "Retry" for b in d.find_elements(By.TAG_NAME, "button")))
        self.shoot("auditor-reports")
        self.go("#/audit")
        self.css("#audit-verify").click()
        self.text_in("#audit-result", "The audit chain is intact")
        self.text_in("main table", "release.create")
        self.shoot("auditor-audit")

        # ---- An expired session: the next page is the sign-in page, saying why.
        cookie = d.get_cookie("packid_session")["value"]
        h = hashlib.sha256(cookie.encode()).hexdigest()
        self.s.sql("UPDATE console_session SET last_seen_at = now() - interval '2 hours' "
                   f"WHERE token_hash = '\\x{h}'::bytea")
        self.go("#/products")
        self.css("#api-key")
        self.text_in("main [role=alert]", "expired")
        self.shoot("expired")

        # ---- The operator: organizations and keys, signed in from the keyboard alone.
        op = self.s.sql("SELECT id FROM organization WHERE kind = 'operator' LIMIT 1")
        admin_key = self.s.key(op, "admin")
        self.css("#api-key").send_keys(admin_key + Keys.ENTER)
        self.css("nav a[aria-current=page]")
        self.assertEqual([a.text for a in d.find_elements(By.CSS_SELECTOR, "nav a")],
                         ["Dashboard", "Audit", "Organizations & keys"])
        self.go("#/keys")
        self.css("select[name=kind] option[value=cmo]").click()
        self.css("input[name=name]").send_keys("Console Lab CMO")
        self.css("input[name=name]").send_keys(Keys.ENTER)
        self.text_in("main .success", "Organization Console Lab CMO created")
        org = self.css("main .success .mono").text
        # The key form is set for the new organization, offering only the roles its keys may
        # carry (the answer's key_roles: a CMO's are cmo).
        self.assertEqual(self.css("input[name=org_id]").get_attribute("value"), org)
        self.assertEqual([o.get_attribute("value") for o in
                          d.find_elements(By.CSS_SELECTOR, "select[name=role] option")], ["cmo"])
        self.css("input[name=label]").send_keys("line 3" + Keys.ENTER)
        self.text_in("main .panel", "shown once")
        new_key = self.css("main .secret").text
        self.assertTrue(new_key.startswith("pk_"))
        st, _, who = self.s.request("GET", "/v1/whoami", key=new_key)
        self.assertEqual((st, who["org_id"], who["role"]), (200, org, "cmo"))
        # Its key made, the form is for any organization again: the id cleared and every role
        # offered (it kept offering only the new CMO's: no other organization's key could be
        # made without a reload). A MAH's key is then made from the same form.
        every = ["admin", "mah", "cmo", "auditor", "regulator", "verifier"]
        roles = lambda: [o.get_attribute("value") for o in
                         d.find_elements(By.CSS_SELECTOR, "select[name=role] option")]
        self.assertEqual(self.css("input[name=org_id]").get_attribute("value"), "")
        self.assertEqual(roles(), every)
        self.css("input[name=org_id]").send_keys(self.mah_org)
        self.css("select[name=role] option[value=auditor]").click()
        self.css("input[name=label]").send_keys("from the operator" + Keys.ENTER)
        # Read in the page (the panel is replaced when the key arrives: no stale element).
        shown = lambda: d.execute_script(
            "const e = document.querySelector('main .secret'); return e ? e.textContent : ''")
        self.wait(lambda _: shown() not in ("", new_key))
        st, _, who = self.s.request("GET", "/v1/whoami", key=shown())
        self.assertEqual((st, who["org_id"], who["role"]), (200, self.mah_org, "auditor"))
        # A name within maxlength's characters but over the API's 200 bytes is held back by the
        # form with its reason (an accented letter is two bytes of UTF-8), nothing sent.
        name = self.css("input[name=name]")
        name.clear()
        name.send_keys("\u00e9" * 101 + Keys.ENTER)
        self.assertIn("200 bytes", d.execute_script(
            "return document.querySelector('input[name=name]').validationMessage"))
        self.assertEqual(self.s.sql("SELECT count(*) FROM organization WHERE name = '" + "\u00e9" * 101 + "'"), "0")
        self.assertFalse(self.has("main [role=alert]"))
        name.clear()
        name.send_keys("\u00e9" * 100)
        self.assertEqual(d.execute_script(
            "return document.querySelector('input[name=name]').validationMessage"), "")
        name.clear()
        # A field the API refuses: its error in words next to the form.
        self.css("input[name=name]").send_keys("Bad GLN")
        self.css("input[name=gln]").send_keys("4012345000001" + Keys.ENTER)
        self.text_in("main [role=alert]", "gln")
        # A GLN with its prefix length (GS1's list may not know it): the organization gets its
        # read point from the form alone, as from the API.
        for n, v in (("name", "Console Site CMO"), ("gln", "0987654000016"),
                     ("gln_prefix_length", "7")):
            self.css(f"input[name={n}]").clear()
            self.css(f"input[name={n}]").send_keys(v)
        self.css("input[name=name]").send_keys(Keys.ENTER)
        self.text_in("main .success", "Organization Console Site CMO created")
        self.assertEqual(self.s.sql("SELECT gln || ':' || gln_prefix_length FROM organization "
                                    "WHERE name = 'Console Site CMO'"), "0987654000016:7")
        self.shoot("admin-keys")
        # Focus is visible: the focused field has an outline.
        self.css("input[name=name]").click()
        style = d.execute_script(
            "const s = getComputedStyle(document.activeElement);"
            "return [s.outlineStyle, s.outlineWidth]")
        self.assertNotEqual(style[0], "none")
        # Revoking the key this session was opened with: said before, and the session ends.
        own = self.s.request("GET", "/v1/whoami", key=admin_key)[2]["key_id"]
        self.css("input[name=key_id]").send_keys(own)
        self.css("#revoke-key").click()
        self.text_in("#revoke-own", "signed in with")
        self.css("#confirm-revoke").click()
        self.css("#api-key")
        self.text_in("main [role=alert]", "You revoked the key")
        self.assertEqual(self.s.request("GET", "/v1/whoami", key=admin_key)[0], 401)

    def test_console__older_batches(self):
        """A batch whose commission and release are older than the latest 200 commissions:
        the batch list says it read only the latest and reads older ones with "More", and the
        batch's page lists its own commission and release (GET /v1/commissions and
        /v1/releases with gtin and batch), not "Nothing yet." and "Not released yet." beside
        its counts. An organization's name of 200 bytes without a space wraps in the header:
        the page does not scroll sideways and "Sign out" stays on the screen."""
        d = self.d
        lot = "LOT-OLD"
        st = self.s.request("POST", "/v1/commissions", key=self.cmo_key, body={
            "product_code": self.gtin, "product_code_schema": "GTIN", "batch": lot,
            "expiry_date": "751231", "serials": ["OLD0001", "OLD0002"]})[0]
        self.assertEqual(st, 200)
        st = self.s.request("POST", "/v1/releases", key=self.mah_key,
                            body={"gtin": self.gtin, "batch": lot, "market": "DE"})[0]
        self.assertEqual(st, 201)
        for i in range(200):
            st = self.s.request("POST", "/v1/commissions", key=self.cmo_key, body={
                "product_code": self.gtin, "product_code_schema": "GTIN", "batch": "LOT-NEW",
                "expiry_date": "751231", "serials": [f"NEW{i:04d}"]})[0]
            self.assertEqual(st, 200)
        long_name = "Pharma" + "W" * 194
        st = self.s.request("PATCH", f"/v1/orgs/{self.mah_org}", key=self.mah_key,
                            body={"name": long_name})[0]
        self.assertEqual(st, 200)
        self.sign_in(self.mah_key)
        self.go("#/batches")
        self.css("a.open-batch[data-batch='LOT-NEW']")
        self.assertFalse(self.has(f"a.open-batch[data-batch='{lot}']"))
        self.text_in("#batches-partial", "latest 200 commissions")
        self.shoot("mah-batches-partial")
        self.css("#batches-more").click()
        self.css(f"a.open-batch[data-batch='{lot}']").click()
        self.text_in("h1", lot)
        self.text_in("#released-count", "2")
        self.text_in("#batch-commissions table", "2")
        self.text_in("#batch-releases table", "DE")
        self.assertNotIn("Not released yet", self.css("main").text)
        self.shoot("mah-batch-older")
        # A pack the MAH released: its trace names the MAH by that name ("Released by", each
        # step's "by"), and the page still fits a phone (shoot: no sideways scrolling at 360).
        self.go(f"#/trace?gtin={self.gtin}&serial=OLD0001")
        self.text_in("#pack-facts", long_name[:20])
        self.text_in("#pack-events", "by " + long_name[:20])
        self.shoot("mah-trace-long-name")
        # The batch withdrawn (POST /v1/recalls): its page says so first, with when, and offers
        # no release (the server would refuse it: 409 batch_recalled).
        st = self.s.request("POST", "/v1/recalls", key=self.mah_key,
                            body={"gtin": self.gtin, "batch": lot, "reason": "withdrawn"})[0]
        self.assertEqual(st, 201)
        self.go(f"#/batches?gtin={self.gtin}&batch={lot}")
        self.text_in("#batch-recalled", "Withdrawn")
        self.text_in("#batch-recall", "Withdrawn")
        self.text_in("#decommissioned-count", "2")
        self.assertFalse(self.has("#check-release"))
        self.shoot("mah-batch-withdrawn")
        # The reports page's state from the address is one value of the API's state, whatever
        # it holds (it was pasted into the query: "dead&first=1" was refused as a second first).
        self.go("#/reports?state=dead%26first%3D1")
        self.text_in("main [role=alert]", "state 'dead&first=1' is not one of")
        # The header with the long name, at a phone's width: "Sign out" is on the screen.
        d.set_window_size(360, 900)
        time.sleep(0.2)
        right = d.execute_script(
            "return document.getElementById('signout').getBoundingClientRect().right")
        self.assertLessEqual(right, d.execute_script("return document.documentElement.clientWidth"))
        self.css("#signout").click()
        self.css("#api-key")
        d.set_window_size(1280, 900)
        # The CMO that made it finds its commission on the batch's page too.
        self.sign_in(self.cmo_key)
        self.go(f"#/batches?gtin={self.gtin}&batch={lot}")
        self.text_in("#batch-commissions table", "2")
        self.text_in("#batch-recalled", "Withdrawn")  # it may commission no more into it
        self.assertFalse(self.has("#batch-releases"))
        self.shoot("cmo-batch-older")
        self.sign_out()


if __name__ == "__main__":
    unittest.main(verbosity=2)
