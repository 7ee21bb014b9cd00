"""`make bench` and `make bench-scale`: Clickar under gunicorn on this machine, measured as ratios.

    python -m bench                       the table (`make bench`)
    python -m bench --only mypage,next,scan   only those rows and their baselines (bare page,
                                                  static file), no extras
    python -m bench scale                 1,000,000 contracts → CSV → `flask contracts import`
                                                  into PostgreSQL, timed (`make bench-scale`)
    python -m bench generate N FILE.csv   a contracts CSV of N synthetic people

The table. Two gunicorn servers (gunicorn.conf.py, CLICKAR_ENV=staging, 2 workers)
run side by side, one on a database of 1,000 contracts and one on 1,000,000
(PostgreSQL when CLICKAR_TEST_POSTGRES_URL is set — databases clickar_bench_small
and clickar_bench_large, the large one kept between runs — else SQLite in a
temporary folder). wrk (Debian's, or a Python thread client when wrk is missing)
drives one request kind at a time in short slices (2 s), in turns: every kind on
both servers back to back, then again, 8 slices each. Throughput is counted
over all the slices of a kind, so every kind had the same mix of quiet and busy
moments of a shared machine; a p95 ratio is taken per slice (the two servers
back to back) and the median of the slices is reported.

The requests:
- bare page: GET /_bench/bare, the base template with a line of text and no
  database work — the yardstick (exists only with CLICKAR_BENCH=1);
- 次へ: POST /mypage/register/info with a draft whose password is already on
  file (the second 次へ after going back, so no argon2 hash in the request), a
  random contract of the whole range typed as people type it (short address,
  hiragana kana) → identity check, 303 to /confirm; and the same with a wrong
  birth date → the 422 page that says the details do not match;
- My Page top, signed in (a member with two contracts);
- login: POST /mypage/login with the right password from a trusted device → 303
  (argon2id at production cost dominates);
- /r/CODE (lookup, visit insert, 302) against /static/css/app.css.

Rate limits: the identity check is limited per client (60/h) and per policy
number (10/h); a load test from one address would hit them in a second. The
servers run with CLICKAR_BENCH=1 (refused in production), which raises every
limit to 1,000,000 per hour: the limits are still counted (in Redis when
CLICKAR_REDIS_URL is set), so their cost stays in the figures.

Besides: the matching's CPU per contract as a share of one 次へ request
(bench.matching), the AIチャット latency rows (bench.chat) and
the flyer console's in-process rows (bench.flyers).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from .people import GIVEN, PLACES, POLICY_PREFIX, SURNAMES, policy_number, typed_identity, write_csv

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench2026pass"
FIRST_FREE = 2  # contracts 0 and 1 belong to the bench member: 次へ draws from the others
MEMBER_EMAIL = "bench-member@example.invalid"


# ====================================================================== databases

@dataclass
class Database:
    label: str
    url: str
    contracts: int


def _pg_url(base: str, name: str) -> str:
    parts = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def _admin(base: str):
    from clickar.db import open_database

    admin = open_database(base)
    admin.connect()
    return admin


def _contract_count(url: str) -> int:
    from clickar.db import open_database

    db = open_database(url)
    try:
        db.connect()
        if "contract" not in db.get_tables():
            return -1
        return db.execute_sql("SELECT COUNT(*) FROM contract").fetchone()[0]
    except Exception:  # noqa: BLE001 - no such database yet
        return -1
    finally:
        if not db.is_closed():
            db.close()


def _fill(url: str, n: int, folder: Path, say) -> float:
    """Migrate and import n synthetic contracts through contracts.import_file; returns seconds."""
    from clickar import contracts, create_app
    from clickar.db import database, upgrade

    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        if n:
            csv_path = folder / f"contracts-{n}.csv"
            started = time.perf_counter()
            write_csv(csv_path, n)
            say(f"  generated {n:,} contracts in {time.perf_counter() - started:.0f} s")
            started = time.perf_counter()

            def progress(phase, done, total):
                if total is not None and (done == total or done % 200_000 < 20_000):
                    say(f"  {phase} {done:,}/{total:,} ({time.perf_counter() - started:.0f} s)")

            result = contracts.import_file(csv_path, progress=progress)
            seconds = time.perf_counter() - started
            assert not result.errors, result.errors[:5]
            csv_path.unlink()
        else:
            seconds = 0.0
        database.close()
    return seconds


def prepare_databases(small: int, large: int, folder: Path, say) -> tuple[Database, Database, dict]:
    notes = {}
    pg = os.environ.get("CLICKAR_TEST_POSTGRES_URL")
    if pg:
        admin = _admin(pg)
        urls = {}
        for label, n in (("small", small), ("large", large)):
            name = f"clickar_bench_{label}"
            url = _pg_url(pg, name)
            urls[label] = url
            if label == "large" and _contract_count(url) == n:
                say(f"{name}: {n:,} contracts already loaded (kept from an earlier run)")
                from clickar import create_app
                from clickar.db import database, upgrade

                app = create_app({"DATABASE_URL": url})
                with app.app_context():
                    database.connect(reuse_if_open=True)
                    upgrade()
                    database.close()
                continue
            admin.execute_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            admin.execute_sql(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute_sql(f'CREATE DATABASE "{name}"')
            say(f"{name}: importing {n:,} contracts…")
            notes[f"import_{label}_seconds"] = _fill(url, n, folder, say)
        admin.close()
        kind = "PostgreSQL"
    else:
        urls = {label: f"sqlite:///{folder / (label + '.db')}" for label in ("small", "large")}
        for label, n in (("small", small), ("large", large)):
            say(f"SQLite {label}: importing {n:,} contracts…")
            notes[f"import_{label}_seconds"] = _fill(urls[label], n, folder, say)
        kind = "SQLite"
    notes["database"] = kind
    return Database("small", urls["small"], small), Database("large", urls["large"], large), notes


def seed_bench_rows(db: Database) -> dict:
    """The bench member (two contracts, a trusted device) and a live flyer campaign; fresh each run."""
    from argon2 import PasswordHasher

    from clickar import create_app
    from clickar.db import database
    from clickar.models import Campaign, Contract, Member, MemberContract, TrustedDevice, Visit, now, token_hash

    app = create_app({"DATABASE_URL": db.url})
    device_token = secrets.token_urlsafe(32)
    with app.app_context():
        database.connect(reuse_if_open=True)
        with database.atomic():
            Member.delete().where(Member.email == MEMBER_EMAIL).execute()
            old = Campaign.select(Campaign.id).where(Campaign.name == "ベンチマーク")
            Visit.delete().where(Visit.campaign.in_(old)).execute()
            Campaign.delete().where(Campaign.name == "ベンチマーク").execute()
            member = Member.create(email=MEMBER_EMAIL, password_hash=PasswordHasher().hash(PASSWORD))
            for i in (0, 1):
                contract = Contract.get(Contract.policy_number == policy_number(i))
                MemberContract.delete().where(MemberContract.contract == contract).execute()
                MemberContract.create(member=member, contract=contract)
            TrustedDevice.create(member=member, token_hash=token_hash(device_token), user_agent="bench",
                                 expires_at=now() + dt.timedelta(days=30))
            code = "".join(random.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))
            Campaign.create(code=code, name="ベンチマーク", target="register", label="bench",
                            valid_from=dt.date(2000, 1, 1))
        database.close()
    return {"device_token": device_token, "campaign_code": code}


# ====================================================================== servers

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One gunicorn (gunicorn.conf.py) on a database, in bench mode."""

    def __init__(self, db: Database, secret: str, workers: int, threads: int, log_dir: Path,
                 worker_class: str = "gthread", connections: int = 16):
        self.db = db
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLICKAR_")}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        url = db.url
        if url.startswith("postgresql://"):  # a connection pool per worker, as compose.yaml deploys it
            url = url.replace("postgresql://", "postgresql+pool://", 1) + "?max_connections=8&stale_timeout=300"
        env.update({
            "CLICKAR_ENV": "staging", "CLICKAR_BENCH": "1", "CLICKAR_SECRET_KEY": secret,
            "CLICKAR_DATABASE_URL": url, "CLICKAR_BASE_URL": "https://bench.invalid",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads), "GUNICORN_MAX_REQUESTS": "0", "GUNICORN_LOGLEVEL": "warning",
            "GUNICORN_WORKER_CLASS": worker_class,
            # the load tool's connections shared out evenly: without a cap one gthread worker can
            # take all of them and the other idle for a whole slice (a ±30 % swing per server)
            "GUNICORN_WORKER_CONNECTIONS": str(max(1, -(-connections // workers))),
        })
        if os.environ.get("CLICKAR_REDIS_URL"):
            env["CLICKAR_REDIS_URL"] = os.environ["CLICKAR_REDIS_URL"]
            env["CLICKAR_REDIS_PREFIX"] = f"bench-{secret[:8]}"  # this run's counters only
        self.log_path = log_dir / f"server-{db.label}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                                     cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self._log)

    def wait(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn for {self.db.label} exited: see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (OSError, urllib.error.HTTPError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn for {self.db.label} did not become healthy")
            time.sleep(0.3)

    def _cpu_ticks(self) -> int:
        """utime + stime of the workers (Linux /proc), to tell when the server has gone quiet."""
        total = 0
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return 0
        for pid in children:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                pass
        return total

    def drain(self, longest: float = 60.0) -> None:
        """Wait until requests still queued from the last run are done (no worker CPU for 0.3 s):
        a run of slow logins must not spill into the next measurement."""
        deadline = time.monotonic() + longest
        last, quiet = self._cpu_ticks(), 0
        while quiet < 2 and time.monotonic() < deadline:
            time.sleep(0.15)
            now_ticks = self._cpu_ticks()
            quiet = quiet + 1 if now_ticks - last <= 1 else 0
            last = now_ticks

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()


# ====================================================================== HTTP set-up

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


class Visitor:
    """A browser for setting up cookies over HTTP."""

    def __init__(self, port: int, cookies: dict | None = None):
        self.port = port
        self.cookies = dict(cookies or {})
        self.token = ""

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def go(self, path: str, data: dict | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode({"csrf_token": self.token, **data}).encode() if data is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body,
                                     headers={"Cookie": self.cookie_header()})
        try:
            with _OPENER.open(req, timeout=60) as r:
                status, text, headers = r.status, r.read().decode(), r.headers
        except urllib.error.HTTPError as err:
            status, text, headers = err.code, err.read().decode(), err.headers
        for header in headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if (m := _CSRF.search(text)):
            self.token = m.group(1)
        return status, text, dict(headers)


@dataclass
class Target:
    name: str
    method: str
    path: str
    cookie: str = ""
    body: str = ""             # fixed body, or a template with {identity}
    identity: str = ""         # "", "match" or "mismatch": the body varies per request (random contract)
    expect: tuple = (200,)
    extra: dict = field(default_factory=dict)


def _check(status: int, expected: tuple, what: str, text: str = "") -> None:
    if status not in expected:
        raise RuntimeError(f"bench set-up: {what} answered {status}, expected {expected}: {text[:300]}")


def make_targets(server: Server, seeds: dict) -> dict[str, Target]:
    """Cookies and CSRF tokens made over HTTP, the way a phone gets them."""
    port = server.port

    reg = Visitor(port)
    status, text, _ = reg.go("/mypage/register/terms")
    _check(status, (200,), "GET /mypage/register/terms", text)
    _check(reg.go("/mypage/register/terms", {"agree": "y"})[0], (303,), "POST terms")
    first = {**as_form(typed_identity(2)), "email": "bench-first@example.invalid", "password": PASSWORD,
             "password_confirm": PASSWORD}
    status, text, _ = reg.go("/mypage/register/info", first)
    _check(status, (303,), "POST info (first 次へ, password typed)", text)
    reg.go("/mypage/register/info")  # a fresh CSRF token on the page, as after 戻る
    reg_cookie, reg_token = reg.cookie_header(), reg.token

    login = Visitor(port, {"__Host-clickar_device": seeds["device_token"]})
    status, text, _ = login.go("/mypage/login")
    _check(status, (200,), "GET /mypage/login", text)
    login_cookie, login_token = login.cookie_header(), login.token
    member = Visitor(port, {"__Host-clickar_device": seeds["device_token"]})
    member.go("/mypage/login")
    status, text, _ = member.go("/mypage/login", {"email": MEMBER_EMAIL, "password": PASSWORD})
    _check(status, (303,), "POST /mypage/login (trusted device)", text)
    status, text, _ = member.go("/mypage/")
    _check(status, (200,), "GET /mypage/ signed in", text)
    static = re.search(r'href="(/static/css/app\.[0-9a-f]{8}\.css)"', text).group(1)

    form = urllib.parse.urlencode
    return {
        "bare": Target("bare page (base template, no database)", "GET", "/_bench/bare", reg_cookie),
        "next": Target("次へ (identity matches → 303)", "POST", "/mypage/register/info", reg_cookie,
                       form({"csrf_token": reg_token}), "match", (303,)),
        "mismatch": Target("次へ (details do not match → 422 page)", "POST", "/mypage/register/info", reg_cookie,
                           form({"csrf_token": reg_token}), "mismatch", (422,)),
        "mypage": Target("My Page top (signed in, 2 contracts)", "GET", "/mypage/", member.cookie_header()),
        "login": Target("login (password + trusted device → 303)", "POST", "/mypage/login",
                        login_cookie,
                        form({"csrf_token": login_token, "email": MEMBER_EMAIL, "password": PASSWORD}), "", (303,)),
        "static": Target("static file /static/css/app.css (hashed)", "GET", static),
        "link": Target("/r/CODE (lookup + visit + 302)", "GET", f"/r/{seeds['campaign_code']}", "", "", "", (302,),
                       {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
                                      "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148"}),
    }


# ====================================================================== load: wrk

def _lua_list(values) -> str:
    return "{" + ",".join(json.dumps(v) for v in values) + "}"


def _enc(text: str) -> str:
    return urllib.parse.quote_plus(text)


WRK_IDENTITY = r"""
local N = %(n)d
local FIRST_FREE = %(first_free)d
local SURNAMES = %(surnames)s
local SURNAME_KANA = %(surname_kana)s
local GIVEN = %(given)s
local GIVEN_KANA = %(given_kana)s
local TOWNS = %(towns)s
local POSTAL = %(postal)s
local LINES = %(lines)s
local function pick(i, every, t) return t[math.floor(i / every) %% #t + 1] end
local function body_for(i)
  local line = pick(i, 77, LINES)
  local phone
  if #line == 2 then phone = string.format("%%s-%%04d-%%04d", line, math.floor(i / 10000) %% 9000 + 1000, i %% 10000)
  else phone = string.format("%%s-%%03d-%%04d", line, math.floor(i / 10000) %% 900 + 100, i %% 10000) end
  local year, month, day = 1950 + i %% 50, 1 + math.floor(i / 50) %% 12, 1 + math.floor(i / 600) %% 28
  if MISMATCH then year = year + 1 end
  return string.format(
    "%%s&policy_numbers-0=%(prefix)s%%08d&name=%%s%%s&name_kana=%%s+%%s&birth_year=%%04d&birth_month=%%d&birth_day=%%d" ..
    "&postal_code=%%s&address=%%s%%d-%%d-%%d&phone=%%s&email=bench%%d%%%%40example.invalid" ..
    "&password=&password_confirm=",
    FIXED, i, pick(i, 1, SURNAMES), pick(i, 11, GIVEN), pick(i, 1, SURNAME_KANA), pick(i, 11, GIVEN_KANA),
    year, month, day, pick(i, 77, POSTAL), pick(i, 77, TOWNS),
    1 + math.floor(i / 539) %% 3, 1 + math.floor(i / 1617) %% 20, 1 + math.floor(i / 32340) %% 30, phone, math.random(1, 1000000000))
end
"""

WRK_SCRIPT = r"""
wrk.method = %(method)s
%(headers)s
FIXED = %(fixed)s
MISMATCH = %(mismatch)s
%(identity)s
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  statuses = {}
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
function request()
  %(request)s
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local codes = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, count in pairs(s) do codes[#codes + 1] = string.format('"%%d":%%d', code, count) end
  end
  io.write(string.format(
    'BENCHJSON {"requests":%%d,"duration_us":%%d,"p50":%%d,"p90":%%d,"p95":%%d,"p99":%%d,"mean":%%f,' ..
    '"socket_errors":%%d,"statuses":{%%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.mean,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(codes, ",")))
end
"""


def wrk_script(target: Target, n_contracts: int) -> str:
    headers = {"Accept-Encoding": "gzip", "User-Agent": "clickar-bench"}
    headers.update(target.extra)
    if target.cookie:
        headers["Cookie"] = target.cookie
    if target.method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    header_lines = "\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
    identity = ""
    if target.identity:
        identity = WRK_IDENTITY % {
            "n": n_contracts, "prefix": POLICY_PREFIX, "first_free": FIRST_FREE,
            "surnames": _lua_list(_enc(s[0]) for s in SURNAMES),
            "surname_kana": _lua_list(_enc(s[2]) for s in SURNAMES),
            "given": _lua_list(_enc(g[0]) for g in GIVEN),
            "given_kana": _lua_list(_enc(g[2]) for g in GIVEN),
            "towns": _lua_list(_enc(p[2]) for p in PLACES),
            "postal": _lua_list(p[3].replace("-", "") for p in PLACES),
            "lines": _lua_list(p[4] for p in PLACES),
        }
        request = (f"return wrk.format(nil, {json.dumps(target.path)}, nil, "
                   "body_for(math.random(FIRST_FREE, N - 1)))")
    elif target.body:
        request = f"return wrk.format(nil, {json.dumps(target.path)}, nil, FIXED)"
    else:
        request = f"return wrk.format(nil, {json.dumps(target.path)})"
    return WRK_SCRIPT % {"method": json.dumps(target.method), "headers": header_lines,
                         "fixed": json.dumps(target.body), "mismatch": "true" if target.identity == "mismatch"
                         else "false", "identity": identity, "request": request}


def as_form(typed: dict) -> dict:
    """typed_identity() as the form posts it: 生年月日 in three fields (年・月・日)."""
    fields = dict(typed)
    birth = dt.date.fromisoformat(fields.pop("birth_date"))
    return {**fields, "birth_year": str(birth.year), "birth_month": str(birth.month), "birth_day": str(birth.day)}


def body_for(target: Target, i: int) -> str:
    """The body wrk's script sends for contract i (the Python client and the checks use it)."""
    if not target.identity:
        return target.body
    typed = typed_identity(i)
    if target.identity == "mismatch":
        birth = dt.date.fromisoformat(typed["birth_date"])
        typed["birth_date"] = birth.replace(year=birth.year + 1).isoformat()
    fields = {**as_form(typed), "email": f"bench{random.randint(1, 10**9)}@example.invalid", "password": "",
              "password_confirm": ""}
    return target.body + "&" + urllib.parse.urlencode(fields)


@dataclass
class Run:
    rps: float
    p50_ms: float
    p95_ms: float
    requests: int
    statuses: dict
    seconds: float = 0.0


class Wrk:
    name = "wrk"

    def __init__(self, folder: Path, connections: int):
        self.folder = folder
        self.connections = connections
        self.version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split(" [")[0]

    def run(self, port: int, target: Target, seconds: float, n_contracts: int, connections: int | None = None) -> Run:
        script = self.folder / f"{re.sub(r'[^a-z]', '', target.path) or 'root'}-{n_contracts}.lua"
        script.write_text(wrk_script(target, n_contracts), encoding="utf-8")
        c = connections or self.connections
        out = subprocess.run(["wrk", "-t1", f"-c{c}", f"-d{max(1, round(seconds))}s", "--timeout", "20s",
                              "-s", str(script), f"http://127.0.0.1:{port}{target.path}"],
                             capture_output=True, text=True, timeout=seconds + 60)
        line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
        if line is None:
            raise RuntimeError(f"wrk gave no figures: {out.stdout[-500:]} {out.stderr[-500:]}")
        data = json.loads(line[len("BENCHJSON "):])
        return Run(rps=data["requests"] / (data["duration_us"] / 1e6), p50_ms=data["p50"] / 1000,
                   p95_ms=data["p95"] / 1000, requests=data["requests"], seconds=data["duration_us"] / 1e6,
                   statuses={int(k): v for k, v in data["statuses"].items()} | (
                       {0: data["socket_errors"]} if data["socket_errors"] else {}))


class ThreadClient:
    """Fallback when wrk is not installed: keep-alive http.client connections on threads."""

    name = "python threads (http.client)"
    version = "stdlib"

    def __init__(self, folder: Path, connections: int):
        self.connections = connections

    def run(self, port: int, target: Target, seconds: float, n_contracts: int, connections: int | None = None) -> Run:
        import http.client

        c = connections or self.connections
        end = time.perf_counter() + seconds
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        headers = {"Accept-Encoding": "gzip", "User-Agent": "clickar-bench", **target.extra}
        if target.cookie:
            headers["Cookie"] = target.cookie
        if target.method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"

        def worker():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine, codes = [], {}
            while time.perf_counter() < end:
                body = body_for(target, random.randrange(FIRST_FREE, n_contracts)) if target.method == "POST" else None
                t0 = time.perf_counter()
                try:
                    conn.request(target.method, target.path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    status = 0
                mine.append(time.perf_counter() - t0)
                codes[status] = codes.get(status, 0) + 1
            with lock:
                latencies.extend(mine)
                for k, v in codes.items():
                    statuses[k] = statuses.get(k, 0) + v

        started = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(c)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        spent = time.perf_counter() - started
        latencies.sort()
        pct = (lambda p: latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000
               if latencies else 0.0)
        return Run(rps=len(latencies) / spent, p50_ms=pct(50), p95_ms=pct(95), requests=len(latencies),
                   statuses=statuses, seconds=spent)


# ====================================================================== the table

ORDER = ["bare", "next", "mismatch", "mypage", "login", "static", "link"]
SLICE_FACTOR = {"login": 3}  # argon2id at production cost: ~10 logins/s at best, so longer slices
SCALED = ["next", "mypage", "login", "link"]
THROUGHPUT_TARGET = 0.50
P95_TARGET = 1.10
BASELINE = {"next": "bare", "mismatch": "bare", "mypage": "bare", "login": "bare", "link": "static"}
ALIASES = {"scan": "link", "r": "link"}


def chosen_kinds(only: str | None) -> list[str]:
    """`--only mypage,next,scan`: those kinds plus the baselines their ratios need, in ORDER."""
    if not only:
        return list(ORDER)
    wanted = set()
    for name in filter(None, (part.strip() for part in only.split(","))):
        kind = ALIASES.get(name, name)
        if kind not in ORDER:
            raise SystemExit(f"--only: unknown kind {name!r} (kinds: {', '.join(ORDER)}, scan = link)")
        wanted.add(kind)
        if kind in BASELINE:
            wanted.add(BASELINE[kind])
    return [kind for kind in ORDER if kind in wanted]


def _median(xs):
    return statistics.median(xs) if xs else float("nan")


def _fmt(x, digits=1):
    return f"{x:,.{digits}f}"


def measure(servers: dict, targets: dict, tool, seconds: float, rounds: int, say, kinds=ORDER) -> dict:
    """{(kind, label): [Run per slice]}. Each round is one slice of `seconds` for every kind on
    both servers, back to back (the servers' order alternating), so slow spells of a shared
    machine fall on every kind alike; `rounds` slices in all."""
    results: dict = {}
    for kind in kinds:  # warm-up: templates, connections, caches
        for label, server in servers.items():
            tool.run(server.port, targets[label][kind], 1, server.db.contracts)
            server.drain()
    for r in range(rounds):
        for kind in kinds:
            for label in (("small", "large") if r % 2 == 0 else ("large", "small")):
                server = servers[label]
                run = tool.run(server.port, targets[label][kind], seconds * SLICE_FACTOR.get(kind, 1),
                               server.db.contracts)
                server.drain()
                wanted = targets[label][kind].expect
                bad = {k: v for k, v in run.statuses.items() if k not in wanted}
                if bad:
                    raise RuntimeError(f"{targets[label][kind].name} on {label}: unexpected statuses {bad} "
                                       f"(expected {wanted}); see {server.log_path}")
                results.setdefault((kind, label), []).append(run)
        if (r + 1) % max(1, rounds // 4) == 0 or r + 1 == rounds:
            say(f"slice {r + 1}/{rounds} done")
    return results


def throughput(runs: list) -> float:
    """Requests per second over all slices together."""
    return sum(r.requests for r in runs) / max(1e-9, sum(r.seconds for r in runs))


def ratios(results: dict, rounds: int) -> dict:
    """Throughput ratios over all slices (every kind had the same slices of machine time);
    p95 ratios 1,000,000 ÷ 1,000 per slice (the two runs back to back), then their median."""
    def rps(kind, label=None):
        """One server's, or (label None) both servers' slices together: the same code either way."""
        runs = results[(kind, label)] if label else results[(kind, "small")] + results[(kind, "large")]
        return throughput(runs)

    measured = {kind for kind, _ in results}
    nan = float("nan")

    def ratio(a, b, label=None):
        return rps(a, label) / rps(b, label) if a in measured and b in measured else nan

    out = {
        "next_vs_bare": ratio("next", "bare"),
        "next_vs_bare_small": ratio("next", "bare", "small"),
        "next_vs_bare_large": ratio("next", "bare", "large"),
        "mismatch_vs_bare": ratio("mismatch", "bare"),
        "mypage_vs_bare": ratio("mypage", "bare"),
        "login_vs_bare": ratio("login", "bare"),
        "link_vs_static": ratio("link", "static"),
        "bare_vs_static": ratio("bare", "static"),
    }
    for kind in SCALED:
        if kind not in measured:
            continue
        pairs = zip(results[(kind, "large")], results[(kind, "small")])
        out[f"p95_{kind}_large_vs_small"] = _median([large.p95_ms / small.p95_ms for large, small in pairs
                                                     if large.requests and small.requests])
        out[f"rps_{kind}_large_vs_small"] = rps(kind, "large") / rps(kind, "small")
    return out


def extras(tool, servers, targets, seconds: float, say) -> list[tuple[str, str]]:
    rows = []
    try:
        from .matching import bench as matching_bench

        m = matching_bench(20000)
        single = []
        for _ in range(3):
            single.append(tool.run(servers["small"].port, targets["small"]["next"], seconds,
                                   servers["small"].db.contracts, connections=1).p50_ms)
            servers["small"].drain()
        p50 = _median(single)
        rows.append(("matching: CPU per contract (bench.matching)", f"{m['cpu_us_per_match']} µs"))
        rows.append(("次へ alone (1 connection) p50", f"{p50:.2f} ms"))
        rows.append(("matching's share of a 次へ request (one contract)",
                     f"{m['cpu_us_per_match'] / (p50 * 1000) * 100:.2f} %"))
    except Exception as exc:  # noqa: BLE001 - an extra row must not sink the table
        rows.append(("matching share", f"not measured: {exc}"))
    rows += _extra_rows("AIチャット latency", "bench.chat", lambda: _chat_rows(say))
    rows += _extra_rows("flyer console", "bench.flyers", lambda: _flyer_rows(servers, say))
    return rows


def _extra_rows(label: str, module: str, measure) -> list[tuple[str, str]]:
    """An extra measurement's rows, or one row saying why there are none (it must not sink the table)."""
    try:
        return measure()
    except ImportError:
        return [(label, f"{module} not installed")]
    except Exception as exc:  # noqa: BLE001
        return [(label, f"not measured: {exc}")]


def _chat_rows(say) -> list[tuple[str, str]]:
    from .chat import bench as chat_bench

    say("AIチャット latency (bench.chat)…")
    return [(row["name"], f"{row['value']} {row['unit']}") for row in chat_bench() if "latency" in row["name"]]


def _flyer_rows(servers, say) -> list[tuple[str, str]]:
    from clickar import create_app
    from .flyers import bench as flyer_bench

    say("flyer console, in-process (bench.flyers)…")
    app = create_app({"DATABASE_URL": servers["small"].db.url, "SMTP_URL": None})
    return [(row["name"], f"{row['value']} {row['unit']}") for row in flyer_bench(app, 2.0) if "÷" in row["name"]]


def report(results, ratio, extra_rows, meta, targets, small, large, rounds) -> tuple[str, bool]:
    lines = []
    w = lines.append
    w(f"Clickar bench — {meta['when']}")
    w(f"machine: {meta['cores']} cores, load average {meta['load']} at start; {meta['database']}"
      f"{', Redis' if meta['redis'] else ', in-memory limits'}; gunicorn {meta['workers']} workers × "
      f"{meta['threads']} threads ({meta['worker_class']}), CLICKAR_ENV=staging + CLICKAR_BENCH=1")
    w(f"load: {meta['tool']} ({meta['tool_version']}), 1 thread, {meta['connections']} connections; "
      f"{rounds} slices of {meta['seconds']:.0f} s per request kind and database, interleaved; req/s over "
      f"all slices, p50/p95 medians of the slices")
    w(f"command: {meta['command']}")
    w("")
    w(f"{'request':<46} {'contracts':>10} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8}")
    measured = [kind for kind in ORDER if (kind, "small") in results]
    for kind in measured:
        for label, n in (("small", small), ("large", large)):
            runs = results[(kind, label)]
            w(f"{targets[label][kind].name:<46} {n:>10,} {_fmt(throughput(runs)):>9} "
              f"{_fmt(_median([r.p50_ms for r in runs]), 2):>8} {_fmt(_median([r.p95_ms for r in runs]), 2):>8}")
    w("")
    ok = True

    def verdict(value, good):
        nonlocal ok
        ok = ok and good
        return "ok" if good else "MISSED"

    w("ratios (throughput over the same slices, both databases unless named; p95 per slice, median)")
    v = ratio["next_vs_bare"]
    if v == v:  # not NaN: 次へ and the bare page were both measured
        w(f"  次へ ÷ bare page, throughput                          {v:6.3f}   target ≥ {THROUGHPUT_TARGET:.2f}  "
          f"{verdict(v, v >= THROUGHPUT_TARGET)}   ({small:,}: {ratio['next_vs_bare_small']:.3f}, "
          f"{large:,}: {ratio['next_vs_bare_large']:.3f})")
    w(f"  次へ (mismatch, 422 page) ÷ bare page                 {ratio['mismatch_vs_bare']:6.3f}")
    w(f"  My Page top ÷ bare page                               {ratio['mypage_vs_bare']:6.3f}")
    w(f"  login ÷ bare page                                     {ratio['login_vs_bare']:6.3f}")
    w(f"  /r/CODE ÷ static file                                 {ratio['link_vs_static']:6.3f}")
    w(f"  bare page ÷ static file                               {ratio['bare_vs_static']:6.3f}")
    for kind in SCALED:
        if f"p95_{kind}_large_vs_small" not in ratio:
            continue
        v = ratio[f"p95_{kind}_large_vs_small"]
        label = targets["small"][kind].name.split(" (")[0]
        w(f"  p95 {large:,} ÷ p95 {small:,} contracts: {label:<18} {v:6.3f}   target ≤ {P95_TARGET:.2f}  "
          f"{verdict(v, v <= P95_TARGET)}   (req/s ratio {ratio[f'rps_{kind}_large_vs_small']:.3f})")
    w("")
    w("other figures")
    for name, value in extra_rows:
        w(f"  {name:<70} {value}")
    for key in ("import_large_seconds", "import_small_seconds"):
        if key in meta:
            w(f"  {key.replace('_', ' ')}: {meta[key]:.0f} s")
    w("")
    w("all targets met" if ok else "SOME TARGETS MISSED")
    return "\n".join(lines), ok


def bench(args) -> int:
    def say(text):
        print(text, file=sys.stderr, flush=True)

    folder = Path(tempfile.mkdtemp(prefix="clickar-bench-"))
    tool = (Wrk(folder, args.connections) if shutil.which("wrk") and not args.python_client
            else ThreadClient(folder, args.connections))
    meta = {
        "when": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(), "load": f"{os.getloadavg()[0]:.1f}",
        "redis": bool(os.environ.get("CLICKAR_REDIS_URL")), "tool": tool.name, "tool_version": tool.version,
        "connections": args.connections, "seconds": args.seconds, "workers": args.workers,
        "threads": args.threads, "worker_class": args.worker_class,
        "command": "make bench  (= " + " ".join(["python -m bench"] + sys.argv[1:]) + ")"
                   + (f", CLICKAR_TEST_POSTGRES_URL={os.environ['CLICKAR_TEST_POSTGRES_URL']}"
                      if os.environ.get("CLICKAR_TEST_POSTGRES_URL") else "")
                   + (f", CLICKAR_REDIS_URL={os.environ['CLICKAR_REDIS_URL']}"
                      if os.environ.get("CLICKAR_REDIS_URL") else ""),
    }
    servers = {}
    try:
        small, large, notes = prepare_databases(args.small, args.large, folder, say)
        meta.update(notes)
        secret = secrets.token_urlsafe(48)
        seeds = {db.label: seed_bench_rows(db) for db in (small, large)}
        servers = {db.label: Server(db, secret, args.workers, args.threads, folder, args.worker_class,
                                    connections=args.connections)
                   for db in (small, large)}
        for server in servers.values():
            server.wait()
        targets = {label: make_targets(server, seeds[label]) for label, server in servers.items()}
        kinds = chosen_kinds(args.only)
        say(f"measuring with {tool.name}: {len(kinds)} kinds ({', '.join(kinds)}) × 2 databases × "
            f"{args.rounds} slices × {args.seconds:.0f} s…")
        results = measure(servers, targets, tool, args.seconds, args.rounds, say, kinds)
        ratio = ratios(results, args.rounds)
        import logging

        logging.getLogger("clickar").setLevel(logging.WARNING)  # the in-process extras log every request
        extra_rows = [] if args.no_extras or args.only else extras(tool, servers, targets, 3, say)
    finally:
        for server in servers.values():
            server.stop()
    text, ok = report(results, ratio, extra_rows, meta, targets, args.small, args.large, args.rounds)
    print(text, flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


# ====================================================================== bench-scale

def scale(args) -> int:
    """Generate the CSV and import it with the real command, into PostgreSQL; timed."""
    pg = os.environ.get("CLICKAR_TEST_POSTGRES_URL") or os.environ.get("CLICKAR_DATABASE_URL", "")
    if not pg.startswith("postgres"):
        print("bench-scale needs PostgreSQL: set CLICKAR_TEST_POSTGRES_URL "
              "(e.g. postgresql://postgres@127.0.0.1:5432/test)", file=sys.stderr)
        return 2
    name = "clickar_scale"
    url = _pg_url(pg, name)
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / f"contracts-{args.rows}.csv"
    lines = [f"Clickar bench-scale — {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M UTC}, "
             f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"]
    started = time.perf_counter()
    write_csv(csv_path, args.rows)
    lines.append(f"generated {args.rows:,} contracts ({csv_path.stat().st_size / 1e6:.0f} MB) "
                 f"in {time.perf_counter() - started:.1f} s → {csv_path}")
    admin = _admin(pg)
    admin.execute_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
    admin.execute_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute_sql(f'CREATE DATABASE "{name}"')
    admin.close()
    env = {**os.environ, "CLICKAR_DATABASE_URL": url, "CLICKAR_ENV": "staging",
           "CLICKAR_SECRET_KEY": secrets.token_urlsafe(32)}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    for attempt in ("first import (all new)", "second import (all updates)"):
        started = time.perf_counter()
        done = subprocess.run(flask + ["contracts", "import", str(csv_path)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, text=True)  # progress goes to stderr, shown as it runs
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            print(done.stdout, file=sys.stderr)
            return done.returncode
        lines.append(f"{attempt}: {done.stdout.strip()} in {seconds:.0f} s "
                     f"({args.rows / seconds:,.0f} rows/s)")
    if not args.keep_csv:
        csv_path.unlink()
    lines.append(f"command: make bench-scale  (= python -m bench scale --rows {args.rows}, "
                 f"database {name} on {pg})")
    print("\n".join(lines), flush=True)
    return 0


# ====================================================================== entry

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    parser.add_argument("--seconds", type=float, default=2.0, help="one slice (one wrk run)")
    parser.add_argument("--rounds", type=int, default=10, help="slices per request kind and database")
    parser.add_argument("--small", type=int, default=1_000, help="contracts in the small database")
    parser.add_argument("--large", type=int, default=1_000_000, help="contracts in the large database")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="gunicorn workers per server (one per core: both servers share the machine)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (gunicorn.conf.py's default)")
    parser.add_argument("--worker-class", default=os.environ.get("GUNICORN_WORKER_CLASS", "gthread"),
                        help="gunicorn worker class (gunicorn.conf.py's default: gthread)")
    parser.add_argument("--python-client", action="store_true", help="use the Python client even if wrk exists")
    parser.add_argument("--no-extras", action="store_true", help="skip matching/chat/flyer rows")
    parser.add_argument("--only", metavar="KINDS",
                        help="measure only these kinds, comma-separated, with their baselines "
                             f"({', '.join(ORDER)}; scan = link), e.g. --only mypage,next,scan")
    s = sub.add_parser("scale", help="1,000,000 contracts: CSV + `flask contracts import` into PostgreSQL")
    s.add_argument("--rows", type=int, default=1_000_000)
    s.add_argument("--folder", default=str(ROOT / "reports"))
    s.add_argument("--keep-csv", action="store_true")
    r = sub.add_parser("reminders", help="one 更新のご案内 pass over N due contracts on PostgreSQL")
    r.add_argument("--due", type=int, default=100_000)
    r.add_argument("--contracts", type=int, default=1_000_000)
    r.add_argument("--folder", default=str(ROOT / "reports"))
    i = sub.add_parser("invitations", help="one batch of N invitation letters: first bytes, total, peak RSS")
    i.add_argument("--letters", type=int, default=1_000)
    g = sub.add_parser("generate", help="write a contracts CSV of N synthetic people")
    g.add_argument("rows", type=int)
    g.add_argument("path")
    args = parser.parse_args(argv)
    os.environ.setdefault("CLICKAR_ENV", "staging")  # production argon2 cost in this process too
    if args.command == "scale":
        return scale(args)
    if args.command == "reminders":
        from .reminders import run

        return run(args)
    if args.command == "invitations":
        from .invitations import run as run_invitations

        return run_invitations(args)
    if args.command == "generate":
        write_csv(Path(args.path), args.rows)
        return 0
    return bench(args)


if __name__ == "__main__":
    raise SystemExit(main())
