"""A real `packid serve` on a fresh copy of the test template database, for the console's
tests (tests/console/README in docs/console.md). scripts/test.sh exports
PACKID_TEST_DATABASE_URL (the tests' PostgreSQL) and has created packid_template."""
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading


def psql(conninfo, sql):
    out = subprocess.run(["psql", "-q", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", conninfo,
                          "-c", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


class Server:
    """One `packid serve` on its own database; stop() ends it (by its pid) and drops both."""

    def __init__(self, packid, extra_env=None, conninfo=None):
        self.packid = packid
        self.admin = os.environ["PACKID_TEST_DATABASE_URL"]
        self.own_db = conninfo is None
        if self.own_db:
            self.db = "t_console_" + secrets.token_hex(6)
            psql(self.admin, f"CREATE DATABASE {self.db} TEMPLATE packid_template")
            conninfo = f"{self.admin} dbname={self.db}"
        self.conninfo = conninfo
        self.data_dir = tempfile.mkdtemp(prefix="packid-console-")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("PACKID_") or k.startswith("PACKID_TEST_")}
        self.env.update(PACKID_DATABASE_URL=conninfo, PACKID_DATA_DIR=self.data_dir,
                        PACKID_LISTEN="127.0.0.1:0")
        self.env.update(extra_env or {})
        self.log = []
        self.proc = subprocess.Popen([packid, "serve"], env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        self.port = 0
        for line in self.proc.stderr:
            self.log.append(line)
            m = re.search(r'"msg":"listening".*"port":(\d+)', line)
            if m:
                self.port = int(m.group(1))
                break
        if not self.port:
            raise RuntimeError("packid serve did not start:\n" + "".join(self.log))
        threading.Thread(target=self._drain, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.port}"

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def sql(self, q):
        return psql(self.conninfo, q)

    def cli(self, *args):
        env = dict(self.env)
        env.pop("PACKID_LISTEN", None)
        out = subprocess.run([self.packid, *args, "--json"], env=env, check=True,
                             capture_output=True, text=True)
        return json.loads(out.stdout)

    def next_gln(self):
        """A GLN of its own under a 12-digit company prefix no test product uses (098...), with
        its mod-10 check digit: a MAH's or CMO's events then carry a read point, which a
        commission for a reporting market needs (docs/api.md "Commissioning")."""
        self.glns = getattr(self, "glns", 0) + 1
        return with_check_digit(f"098{self.glns:09d}")

    def org_key(self, kind, name, role):
        located = ["--gln", self.next_gln(), "--gln-prefix-length", "12"] \
            if kind in ("mah", "cmo") else []
        org = self.cli("org", "create", "--kind", kind, "--name", name, *located)["org_id"]
        return org, self.key(org, role)

    def key(self, org, role):
        return self.cli("key", "create", "--org", org, "--role", role)["api_key"]

    def request(self, method, path, body=None, key=None, cookie=None, csrf=None,
                headers=None):
        """(status, headers as a list of pairs, parsed JSON body or raw bytes)."""
        h = dict(headers or {})
        if key:
            h["Authorization"] = "Bearer " + key
        if cookie:
            h["Cookie"] = "packid_session=" + cookie
        if csrf:
            h["X-CSRF-Token"] = csrf
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            raw = r.read()
            hdrs = r.getheaders()
        finally:
            c.close()
        ctype = dict((k.lower(), v) for k, v in hdrs).get("content-type", "")
        payload = json.loads(raw) if ctype.startswith("application/json") and raw else raw
        return r.status, hdrs, payload

    def stop(self):
        """SIGTERM and wait; returns the exit status (0 for a clean stop)."""
        rc = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                rc = self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
        else:
            rc = self.proc.returncode
        self.proc.stderr.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        if self.own_db:
            psql(self.admin, f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)")
        return rc


def header(hdrs, name):
    return [v for k, v in hdrs if k.lower() == name.lower()]


def session_cookie(hdrs):
    """The packid_session value and attributes of a Set-Cookie answer."""
    for v in header(hdrs, "Set-Cookie"):
        if v.startswith("packid_session="):
            parts = [p.strip() for p in v.split(";")]
            return parts[0].split("=", 1)[1], parts[1:]
    return None, []


def with_check_digit(body):
    """body and its GS1 mod-10 check digit (GS1 General Specifications 7.9.1, computed here
    independently of src/gs1)."""
    s = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - s % 10) % 10)


def gtin(n):
    """A GTIN-14 (indicator 0, company prefix 4012345) with its check digit."""
    return with_check_digit(f"04012345{n:05d}")
