#!/usr/bin/env python3
"""Screenshots of the web page's main screens for the README (not a test).

    python3 docs/screenshots.py [--sohoa target/release/sohoa] [--out docs/screenshots]

Digitises examples/sample-batch into a temporary store, indexes it into a
database of its own on the PostgreSQL at 127.0.0.1:5432 (user postgres, as
the tests use it; dropped at the end), serves the page on loopback, and
drives Debian's chromium headless through /usr/bin/chromedriver (plain
WebDriver over HTTP, no other package) to sign in, search, open the
document, open the review queue and run an audit, writing search.png,
case.png, document.png, review.png and fixity.png. Needs `cargo build --release` first and scripts/setup.sh.
"""

import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=30):
    end = time.time() + seconds
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    sys.exit(f"nothing listens on {port}")


class WebDriver:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,900", "--lang=vi"]}}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())["value"]

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def go(self, url):
        self.s("POST", "/url", {"url": url})

    def find(self, css):
        return self.s("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def type(self, css, text):
        self.s("POST", f"/element/{self.find(css)}/value", {"text": text})

    def click(self, css):
        self.s("POST", f"/element/{self.find(css)}/click", {})

    def shot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.s("GET", "/screenshot")))
        print(f"wrote {path}")

    def quit(self):
        self.s("DELETE", "")


def run(sohoa, *args, env):
    out = subprocess.run([sohoa, *args], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"sohoa {' '.join(args)}: {out.stderr}")
    return out.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sohoa", default=os.path.join(ROOT, "target/release/sohoa"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs/screenshots"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="sohoa-shots-")
    db = f"sohoa_shots_{os.getpid()}"
    store = os.path.join(work, "store")
    env = dict(os.environ, SOHOA_STORE=store, SOHOA_INDEX=f"postgres://postgres@127.0.0.1:5432/{db}")
    procs = []
    subprocess.run(["psql", "-q", "postgres://postgres@127.0.0.1:5432/postgres", "-c", f"CREATE DATABASE {db}"], check=True)
    try:
        run(a.sohoa, "process", os.path.join(ROOT, "examples/sample-batch"), env=env)
        run(a.sohoa, "index", "sync", env=env)
        officer = run(a.sohoa, "token", "add", "--name", "can-bo-1", "--role", "officer", env=env).split()[-1]
        archivist = run(a.sohoa, "token", "add", "--name", "luu-tru-1", "--role", "archivist", env=env).split()[-1]
        port, driver_port = free_port(), free_port()
        origin = f"http://127.0.0.1:{port}"
        procs.append(subprocess.Popen([a.sohoa, "serve", "--listen", f"127.0.0.1:{port}", "--public-origin", origin],
                                      env=env, stderr=subprocess.DEVNULL))
        procs.append(subprocess.Popen(["/usr/bin/chromedriver", f"--port={driver_port}"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(port)
        wait_port(driver_port)
        w = WebDriver(driver_port)
        w.go(origin + "/")
        w.type("#token", officer)
        w.click("form.signin button")
        w.go(origin + "/?name=ha+bich+hau")
        w.shot(os.path.join(a.out, "search.png"))
        w.click("table.results td a")
        time.sleep(3)  # the PDF viewer in its frame
        w.shot(os.path.join(a.out, "document.png"))
        w.go(origin + "/cases/000.00.00.H56-221006-0012")
        w.shot(os.path.join(a.out, "case.png"))
        w.go(origin + "/review?below=1")
        w.shot(os.path.join(a.out, "review.png"))
        w.go(origin + "/")
        w.click("header form button")
        w.type("#token", archivist)
        w.click("form.signin button")
        w.go(origin + "/fixity")
        w.click("form[action='/fixity/audits'] button")
        time.sleep(3)
        w.go(origin + "/fixity")
        w.shot(os.path.join(a.out, "fixity.png"))
        w.quit()
    finally:
        for p in procs:
            p.kill()
            p.wait()
        subprocess.run(["psql", "-q", "postgres://postgres@127.0.0.1:5432/postgres", "-c",
                        f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
