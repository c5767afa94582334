"""A page of another origin calls packid from headless Chromium (test_resolver.c): the browser,
not the test, decides whether the CORS headers allow it to read an answer (an outside oracle of
the Fetch standard). Serves one page on a free loopback port (another origin than packid's: the
port differs), loads it with chromium --dump-dom and prints the page's result line.
    python3 cors_page.py BASE_URL PATH...    each PATH is fetched with an X-Request-Id header
                                             (not CORS-safelisted: the browser preflights)
Prints one "path=status:verdict:request-id" or "path=blocked" item per PATH."""
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading

base, paths = sys.argv[1], sys.argv[2:]
page = """<!doctype html><html><body><pre id="out">pending</pre><script>
const base = %s, paths = %s;
async function one(p, i) {
  try {
    const a = await fetch(base + p, {headers: {'X-Request-Id': 'cors-' + i, 'Accept': 'application/json'}});
    let v = '';
    try { v = (await a.json()).verdict || ''; } catch (e) {}
    return p + '=' + a.status + ':' + v + ':' + a.headers.get('X-Request-Id');
  } catch (e) { return p + '=blocked'; }
}
Promise.all(paths.map(one)).then(r => { document.getElementById('out').textContent = r.join(' '); });
</script></body></html>""" % (json.dumps(base), json.dumps(paths))


class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = page.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Page)
threading.Thread(target=srv.serve_forever, daemon=True).start()
home = tempfile.mkdtemp()
dom = subprocess.run(
    ["timeout", "120", "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
     "--virtual-time-budget=15000", "--dump-dom", "http://127.0.0.1:%d/" % srv.server_address[1]],
    env=dict(os.environ, HOME=home), capture_output=True, text=True).stdout
srv.shutdown()
start = dom.find('id="out">')
print(dom[start + 9:dom.find("</pre>", start)] if start >= 0 else "no page")
