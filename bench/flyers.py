"""Throughput of the flyer short link and the cached QR SVG, against a static file.

`bench(app, seconds=2.0)` measures, in the same run and interleaved (so a busy
machine slows all three alike):

- GET /static/css/app.css            the yardstick: a small static file
- GET /r/CODE                        one indexed lookup + one insert + a sealed cookie, 302
- GET /staff/campaigns/<id>/qr?format=svg&size=25   a staff page returning the cached SVG

twice: through Flask's test client (the app's own cost, one thread) and over
HTTP against a threaded werkzeug server with a pool of keep-alive
http.client connections (what a burst of phones looks like, minus the
network). Each figure is also given as a ratio to the static file.

The campaign, the staff account and the visits the bench makes are deleted
at the end. `python -m bench.flyers [SECONDS]` runs it on a
temporary SQLite database (or CLICKAR_BENCH_DATABASE_URL, e.g. PostgreSQL)
and prints the rows.
"""
from __future__ import annotations

import datetime as dt
import http.client
import secrets
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

STATIC = "/static/css/app.css"
SLICES = 8  # each measurement is cut into slices, taken in turns
HTTP_THREADS = 4


def _setup(app):
    from clickar.db import database, upgrade
    from clickar.models import Staff
    from clickar.flyers import campaigns

    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        staff = Staff.create(email=f"bench-{secrets.token_hex(4)}@example.invalid",
                             password_hash="$argon2id$bench-only-never-verifies" + secrets.token_hex(8),
                             role="marketing")
        campaign = campaigns.create({"name": "ベンチマーク", "target": "register", "label": "bench",
                                     "valid_from": dt.date(2000, 1, 1), "valid_until": None}, staff)
        database.close()
    return staff, campaign


def _teardown(app, staff, campaign):
    from clickar.db import database
    from clickar.models import Campaign, Staff, Visit

    with app.app_context():
        database.connect(reuse_if_open=True)
        Visit.delete().where(Visit.campaign == campaign.id).execute()
        Campaign.delete().where(Campaign.id == campaign.id).execute()
        Staff.delete().where(Staff.id == staff.id).execute()
        database.close()


def _interleaved(runners: dict, seconds: float) -> dict:
    """{name: requests per second}, each runner given `seconds` in SLICES turns."""
    done = {name: 0 for name in runners}
    spent = {name: 0.0 for name in runners}
    for _ in range(SLICES):
        for name, run in runners.items():
            start = time.perf_counter()
            done[name] += run(seconds / SLICES)
            spent[name] += time.perf_counter() - start
    return {name: done[name] / spent[name] for name in runners}


# ------------------------------------------------------------ test client

def _client_runners(app, staff, campaign):
    from clickar.staff.accounts import sign_in

    visitor = app.test_client()
    console = app.test_client()
    with console.session_transaction() as session:
        sign_in(session, staff)
    qr = f"/staff/campaigns/{campaign.id}/qr?format=svg&size=25"
    link = f"/r/{campaign.code}"
    agent = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
                           "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"}
    checks = {STATIC: (visitor, 200, {}), link: (visitor, 302, agent), qr: (console, 200, {})}
    for path, (client, status, headers) in checks.items():
        got = client.get(path, headers=headers).status_code
        if got != status:
            raise RuntimeError(f"bench: GET {path} answered {got}, expected {status}")

    def runner(client, path, headers):
        def run(budget):
            n = 0
            end = time.perf_counter() + budget
            while time.perf_counter() < end:
                client.get(path, headers=headers).close()
                n += 1
            return n
        return run

    return {"static": runner(visitor, STATIC, {}), "link": runner(visitor, link, agent),
            "qr": runner(console, qr, {})}


# ------------------------------------------------------------------- HTTP

class _Server:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.server.RequestHandlerClass.log_request = lambda *a, **k: None  # quiet
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


def _http_get(conn, path, headers) -> tuple[int, dict, bytes]:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    return response.status, dict(response.getheaders()), body


def _staff_cookie(staff, app) -> str:
    """A console session cookie made the way the browser gets one (sealed by the app)."""
    from clickar.session import COOKIE_NAME
    from clickar.staff.accounts import sign_in

    client = app.test_client()
    with client.session_transaction() as session:
        sign_in(session, staff)
    cookie = client.get_cookie(COOKIE_NAME)
    return f"{COOKIE_NAME}={cookie.value}"


def _http_runners(app, port, staff, campaign):
    cookie = _staff_cookie(staff, app)
    agent = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) " \
            "Chrome/124.0.0.0 Mobile Safari/537.36"
    targets = {
        "static": (STATIC, {}, 200),
        "link": (f"/r/{campaign.code}", {"User-Agent": agent}, 302),
        "qr": (f"/staff/campaigns/{campaign.id}/qr?format=svg&size=25", {"Cookie": cookie}, 200),
    }
    pool = ThreadPoolExecutor(HTTP_THREADS)
    local = threading.local()

    def connection():
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        return conn

    def worker(path, headers, status, end):
        n = 0
        while time.perf_counter() < end:
            conn = connection()
            try:
                got, reply, _ = _http_get(conn, path, headers)
            except (http.client.HTTPException, OSError):
                conn.close()
                local.conn = None
                continue
            if got != status:
                raise RuntimeError(f"bench: GET {path} answered {got} over HTTP, expected {status}")
            if reply.get("Connection", "").lower() == "close":
                conn.close()
                local.conn = None
            n += 1
        return n

    def runner(path, headers, status):
        def run(budget):
            end = time.perf_counter() + budget
            futures = [pool.submit(worker, path, headers, status, end) for _ in range(HTTP_THREADS)]
            return sum(f.result() for f in futures)
        return run

    runners = {name: runner(*spec) for name, spec in targets.items()}
    return runners, pool


# ------------------------------------------------------------------ rows

def _rows(prefix: str, rates: dict) -> list[dict]:
    rows = [
        {"name": f"{prefix} static {STATIC}", "value": round(rates["static"], 1), "unit": "req/s"},
        {"name": f"{prefix} /r/CODE (lookup + insert + 302)", "value": round(rates["link"], 1), "unit": "req/s"},
        {"name": f"{prefix} /r/CODE ÷ static", "value": round(rates["link"] / rates["static"], 3), "unit": "ratio"},
        {"name": f"{prefix} cached QR SVG (staff)", "value": round(rates["qr"], 1), "unit": "req/s"},
        {"name": f"{prefix} cached QR SVG ÷ static", "value": round(rates["qr"] / rates["static"], 3),
         "unit": "ratio"},
    ]
    return rows


def bench(app, seconds: float = 2.0) -> list[dict]:
    """Rows {name, value, unit}: req/s and ratios to the static file, test client then HTTP."""
    from clickar.flyers.qr import cache_info

    staff, campaign = _setup(app)
    rows: list[dict] = []
    server = pool = None
    try:
        rates = _interleaved(_client_runners(app, staff, campaign), seconds)
        rows += _rows("flyers (test client, 1 thread):", rates)
        server = _Server(app)
        runners, pool = _http_runners(app, server.port, staff, campaign)
        rates = _interleaved(runners, seconds)
        rows += _rows(f"flyers (HTTP, werkzeug threaded, {HTTP_THREADS} connections):", rates)
        info = cache_info()
        rows.append({"name": "flyers: QR render cache hit rate",
                     "value": round(info.hits / max(1, info.hits + info.misses), 4), "unit": "ratio"})
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
        if server is not None:
            server.stop()
        _teardown(app, staff, campaign)
    return rows


def main(argv: list[str] | None = None) -> int:
    import os
    import tempfile

    args = sys.argv[1:] if argv is None else argv
    seconds = float(args[0]) if args else 2.0
    os.environ.setdefault("CLICKAR_ENV", "testing")
    from clickar import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("CLICKAR_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
        app = create_app({"DATABASE_URL": url, "SMTP_URL": None})
        for row in bench(app, seconds):
            print(f"{row['name']:<72} {row['value']:>12} {row['unit']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
