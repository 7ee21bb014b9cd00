"""The e2e kit's machinery: where the app runs, how mail is read, who registers.

Two modes, chosen by the environment (README "For testers"):

- local (default): `LocalServer` starts Clickar in a subprocess
  (`python -m e2e.server`) on a temporary SQLite database with the migrations
  and `demo seed` applied, an aiosmtpd sink receiving its mail, and the test
  API enabled with a random token.
- remote: BASE_URL=https://… and CLICKAR_TEST_API_TOKEN=… point the same
  suite at a deployment (CLICKAR_ENV=testing or staging); mail is read through
  the test API instead of the sink.

Both modes create their data through the test API (/_test/api/), so every test
gets contracts with its own policy numbers and mail address, and parallel
workers never share an account.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = Path(os.environ.get("E2E_REPORTS") or ROOT / "reports" / "e2e")

DEFAULT_DEVICE = "Pixel 7"
JOURNEY_DEVICES = ("iPhone 13", "Pixel 7")  # issue 3: the whole journey on both
LAUNCH_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
CHROMIUM = os.environ.get("CLICKAR_BROWSER") or "/usr/bin/chromium"


# Playwright drives Debian's chromium, not the Chromium it was built with. It speaks the
# DevTools protocol of its own build; a Chromium a little newer keeps speaking it (the
# protocol only grows), one major older is the Chrome stable channel Playwright also
# supports. Further apart, commands go missing: fail at once, naming both versions, instead
# of timing out in the middle of a journey. The remedy is to pin the Playwright release
# built on Debian's major (requirements/test.in, then `make lock`).
CHROMIUM_OLDER_OK = 1   # majors Debian's chromium may lag behind Playwright's build
CHROMIUM_NEWER_OK = 2   # majors it may be ahead


class BrowserMismatch(Exception):
    """Debian's chromium and the pinned Playwright do not agree (one line: str(e))."""


def playwright_chromium() -> tuple[str, str]:
    """(Playwright's version, the Chromium version it was built with) — from the installed package."""
    import importlib.metadata

    import playwright

    browsers = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    built = next(b["browserVersion"] for b in json.loads(browsers.read_text())["browsers"]
                 if b["name"] == "chromium")
    return importlib.metadata.version("playwright"), built


def chromium_version(executable: str = CHROMIUM) -> str:
    """The version the browser itself reports (`chromium --version`), without starting it."""
    try:
        out = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError as e:
        raise BrowserMismatch(f"cannot run the browser {executable}: {e.strerror} "
                              "(make test installs Debian's chromium; CLICKAR_BROWSER names another)") from None
    found = re.search(r"\b(\d+)\.\d+\.\d+\.\d+\b", out)
    if not found:
        raise BrowserMismatch(f"{executable} --version printed no Chromium version: {out.strip()!r}")
    return found.group(0)


def browser_mismatch(chromium: str, playwright_version: str, built: str) -> str | None:
    """None when they agree, else the one line that says why not."""
    have, want = int(chromium.split(".")[0]), int(built.split(".")[0])
    if want - CHROMIUM_OLDER_OK <= have <= want + CHROMIUM_NEWER_OK:
        return None
    return (f"Debian's chromium {chromium} and Playwright {playwright_version} (built on Chromium {built}) "
            f"do not agree (this kit accepts Chromium {want - CHROMIUM_OLDER_OK}–{want + CHROMIUM_NEWER_OK} with it): "
            f"pin the Playwright release built on Chromium {have} in requirements/test.in and run `make lock`")


def check_browser(executable: str = CHROMIUM) -> str:
    """Raises BrowserMismatch unless the browser and Playwright agree; returns the browser's version."""
    version = chromium_version(executable)
    problem = browser_mismatch(version, *playwright_chromium())
    if problem:
        raise BrowserMismatch(problem)
    return version


def launch_chromium(pw):
    """The browser every test and screenshot script uses, after check_browser()."""
    check_browser()
    return pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)


def env(name: str) -> str:
    """An environment variable, '' when unset or blank (make passes empty ones)."""
    return (os.environ.get(name) or "").strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ mail

@dataclass
class Mail:
    to: str
    subject: str
    body: str


VERIFY_URL = re.compile(r"https?://\S+?/mypage/register/verify/[A-Za-z0-9_\-]+")
OTP_CODE = re.compile(r"ワンタイムパスワード[：:]\s*(\d{6})")


class Mailbox:
    """What both mailboxes offer: wait for mail, pick out the URL and the code."""

    def mails(self, to: str) -> list[Mail]:
        raise NotImplementedError

    def wait_for(self, to: str, subject_contains: str = "", count: int = 1,
                 timeout: float = 15.0) -> list[Mail]:
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.mails(to) if subject_contains in m.subject]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} mail(s) to {to} with {subject_contains!r} "
                                     f"in the subject within {timeout:.0f}s, got {len(found)}")
            time.sleep(0.1)

    def verification_url(self, to: str, count: int = 1) -> str:
        body = self.wait_for(to, "仮登録", count=count)[-1].body
        match = VERIFY_URL.search(body)
        assert match, f"no 本登録 URL in the mail:\n{body}"
        return match.group(0)

    def otp_code(self, to: str, count: int = 1) -> str:
        body = self.wait_for(to, "ワンタイムパスワード", count=count)[-1].body
        match = OTP_CODE.search(body)
        assert match, f"no 6-digit one-time password in the mail:\n{body}"
        return match.group(1)


class Sink(Mailbox):
    """aiosmtpd handler keeping every message (the local mode's mail server)."""

    def __init__(self):
        self.messages: list[Mail] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        body = msg.get_body(preferencelist=("plain",)).get_content()
        with self.lock:
            self.messages.append(Mail(str(msg["To"]), str(msg["Subject"]), body))
        return "250 OK"

    def mails(self, to: str) -> list[Mail]:
        with self.lock:
            return [m for m in self.messages if m.to.lower() == to.lower()]


class ApiMailbox(Mailbox):
    """Mail read through the test API (the outbox of the deployment)."""

    def __init__(self, api: "TestApi"):
        self.api = api

    def mails(self, to: str) -> list[Mail]:
        return [Mail(m["to"], m["subject"], m["body"]) for m in self.api.mails(to)]


# -------------------------------------------------------------- test API

class TestApiError(AssertionError):
    pass


class TestApi:
    """Client of /_test/api/ (clickar/testapi/)."""

    __test__ = False  # not a pytest test class

    def __init__(self, base_url: str, token: str):
        self.base_url = base_url.rstrip("/")
        self.token = token

    def call(self, method: str, path: str, body: dict | None = None, query: dict | None = None):
        url = f"{self.base_url}/_test/api{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        })
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as err:
            text = err.read().decode(errors="replace")
            if err.code == 404:
                raise TestApiError(
                    f"{method} {url} answered 404: the test API is not enabled there "
                    "(CLICKAR_ENV must be testing or staging with CLICKAR_TEST_API_TOKEN set) "
                    "or the token is wrong") from None
            raise TestApiError(f"{method} {url} answered {err.code}: {text[:500]}") from None

    def create_contract(self, fields: dict) -> dict:
        return self.call("POST", "/contracts", fields)[1]["contract"]

    def mails(self, to: str) -> list[dict]:
        return self.call("GET", "/mail", query={"to": to})[1]["mails"]

    def reset_limits(self) -> None:
        self.call("POST", "/limits/reset", {})

    def cleanup(self, policy_prefix: str, emails: list[str]) -> dict:
        return self.call("POST", "/cleanup", {"policy_prefix": policy_prefix, "emails": emails})[1]["deleted"]


# ------------------------------------------------------------------ people

# The identity of the first demo contract (`demo seed`); throw-away contracts
# copy it under their own policy numbers, so any number of them can register.
TARO = {
    "name": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_date": "1970-04-01",
    "postal_code": "160-0023", "address": "東京都新宿区西新宿二丁目8番1号",
    "phone": "03-1234-5678", "phone2": "090-1111-2222",
}
CARS = ("プリウス", "N-BOX", "アクア", "フィット", "ノート")


@dataclass
class Person:
    """A customer as the test types them, plus the contracts the insurer holds."""

    policy_numbers: list[str]
    name: str
    name_kana: str
    birth_date: str
    postal_code: str
    address: str
    phone: str
    email: str
    password: str = "Clickar2026"
    contracts: list[dict] = field(default_factory=list)

    @property
    def car_names(self) -> list[str]:
        return [c["car_name"] for c in self.contracts]


class People:
    """Makes a fresh person per call: new contracts, new mail address."""

    def __init__(self, api: TestApi, run_id: str, mail_domain: str = "example.jp"):
        self.api = api
        self.prefix = f"E2E{run_id}"
        self.mail_domain = mail_domain
        self.counter = itertools.count(1)
        self.emails: list[str] = []

    def new(self, contracts: int = 1, typed: dict | None = None, **contract_fields) -> Person:
        """`contracts` throw-away contracts with Taro's identity (or the given fields);
        `typed` overrides what the person types on the form (e.g. another address style)."""
        n = next(self.counter)
        identity = {**TARO, **contract_fields}
        made = []
        for i in range(contracts):
            number = f"{self.prefix}{n:04d}{i}"
            made.append(self.api.create_contract({
                "policy_number": number, "car_name": CARS[i % len(CARS)], **identity}))
        email = f"e2e-{self.prefix.lower()}-{n}@{self.mail_domain}"
        self.emails.append(email)
        entered = {k: identity[k] for k in
                   ("name", "name_kana", "birth_date", "postal_code", "address", "phone")}
        entered.update(typed or {})
        return Person(policy_numbers=[c["policy_number"] for c in made], email=email,
                      contracts=made, **entered)

    def cleanup(self) -> dict:
        return self.api.cleanup(self.prefix, self.emails)


# ------------------------------------------------------------------ targets

class Target:
    """Where the suite runs: base URL, test API, mailbox, server log."""

    mode = "remote"
    log_path: Path | None = None

    def __init__(self, base_url: str, token: str):
        self.base_url = base_url.rstrip("/")
        self.api = TestApi(self.base_url, token)
        self.mailbox: Mailbox = ApiMailbox(self.api)

    def log_offset(self) -> int:
        return self.log_path.stat().st_size if self.log_path and self.log_path.exists() else 0

    def log_since(self, offset: int) -> str:
        if not self.log_path or not self.log_path.exists():
            return (f"The suite ran against {self.base_url} (remote mode): "
                    "read that deployment's own logs for this test's time span.\n")
        with self.log_path.open("rb") as fh:
            fh.seek(offset)
            return fh.read().decode(errors="replace")

    def stop(self) -> None:
        pass


def remote_target() -> Target | None:
    """BASE_URL set: the remote mode (a token is then required)."""
    base_url = env("BASE_URL")
    if not base_url:
        return None
    token = env("CLICKAR_TEST_API_TOKEN")
    if not token:
        raise RuntimeError("BASE_URL is set, so the suite runs against a deployment: set "
                           "CLICKAR_TEST_API_TOKEN to that deployment's test API token too.")
    return Target(base_url, token)


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when the test process dies (a killed xdist worker)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class LocalServer(Target):
    """Clickar in a subprocess on a temporary SQLite database.

    env_name="testing" with an SMTP sink is the local mode; env_name="staging"
    without one is how the kit proves its remote mode on this machine.
    """

    mode = "local"

    def __init__(self, workdir: Path, log_path: Path, env_name: str = "testing", smtp: bool = True,
                 token: str | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = Path(log_path)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.env_name = env_name
        self.token = token or secrets.token_urlsafe(24)
        self.sink: Sink | None = Sink() if smtp else None
        self.controller = None
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.base_url = ""

    def start(self, timeout: float = 40.0) -> "LocalServer":
        smtp_url = ""
        if self.sink is not None:
            from aiosmtpd.controller import Controller

            self.controller = Controller(self.sink, hostname="127.0.0.1", port=free_port())
            self.controller.start()
            smtp_url = f"smtp://127.0.0.1:{self.controller.port}"
        for _attempt in range(3):
            if self._spawn(smtp_url, timeout):
                break
        else:
            raise RuntimeError(f"the e2e server did not start; log:\n{self._log_tail()}")
        self.api = TestApi(self.base_url, self.token)
        self.mailbox = self.sink if self.sink is not None else ApiMailbox(self.api)
        return self

    def _spawn(self, smtp_url: str, timeout: float) -> bool:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        port_file = self.workdir / f"port-{self.port}"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("CLICKAR_")}
        environ.update({
            "CLICKAR_ENV": self.env_name,
            "CLICKAR_DATABASE_URL": f"sqlite:///{self.workdir / 'clickar-e2e.db'}",
            "CLICKAR_BASE_URL": self.base_url,
            "CLICKAR_SECRET_KEY": secrets.token_urlsafe(48),
            "CLICKAR_TEST_API_TOKEN": self.token,
            "PYTHONUNBUFFERED": "1",
        })
        if smtp_url:
            environ["CLICKAR_SMTP_URL"] = smtp_url
        self.environ = environ
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "e2e.server", "--port", str(self.port), "--port-file", str(port_file)],
            cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if port_file.exists() and self._healthy():
                return True
            if self.process.poll() is not None:
                return False  # most likely the port was taken meanwhile: try another
            time.sleep(0.1)
        self.process.kill()
        return False

    def flask(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """`flask --app wsgi ARGS` on this server's database and settings, as an operator would."""
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                              env=self.environ, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# ------------------------------------------------------------------ devices

def all_devices(playwright) -> dict[str, dict]:
    """Playwright's profiles plus e2e/devices.py's."""
    from .devices import EXTRA_DEVICES

    return {**playwright.devices, **EXTRA_DEVICES}


def mobile_devices(playwright) -> list[str]:
    """Every profile with is_mobile (Chromium emulates them all: viewport, DPR, touch, UA)."""
    return [name for name, d in all_devices(playwright).items() if d.get("is_mobile")]


def device_choice(all_devices=None) -> tuple[str, list[str]]:
    """(the device for single-device tests, the devices journeys run on).

    DEVICES=mobile → every mobile profile; DEVICES="A,B" → those;
    DEVICE="X" → X everywhere; nothing set → Pixel 7, journeys on iPhone 13 + Pixel 7.
    """
    many = env("DEVICES")
    one = env("DEVICE")
    if many:
        if many.lower() == "mobile":
            if all_devices is None:
                raise RuntimeError("DEVICES=mobile needs the Playwright device list")
            journey = list(all_devices)
        else:
            journey = [d.strip() for d in many.split(",") if d.strip()]
        return (one or journey[0]), journey
    if one:
        return one, [one]
    return DEFAULT_DEVICE, list(JOURNEY_DEVICES)


def context_options(playwright, device: str, javascript: bool = True) -> dict:
    """Options for browser.new_context() emulating a Playwright device profile."""
    devices = all_devices(playwright)
    if device not in devices:
        import difflib

        close = difflib.get_close_matches(device, list(devices), n=5, cutoff=0.4)
        raise RuntimeError(f"unknown device {device!r} (not in Playwright's list nor e2e/devices.py); "
                           f"did you mean: {', '.join(close)}?")
    options = {k: v for k, v in devices[device].items() if k != "default_browser_type"}
    options.update(locale="ja-JP", timezone_id="Asia/Tokyo", java_script_enabled=javascript,
                   service_workers="block")
    return options


def slug(name: str) -> str:
    """A test's name as a folder name: test_x[iPhone 13] → test_x-iPhone-13."""
    return re.sub(r"[^A-Za-z0-9_.]+", "-", name).strip("-")


def run_kit(tmp_path, *args, extra_env=None, timeout=180):
    """Run pytest on e2e/ files in a subprocess with its own reports folder."""
    environ = {k: v for k, v in os.environ.items()
               if k not in ("BASE_URL", "CLICKAR_TEST_API_TOKEN", "DEVICE", "DEVICES", "E2E_DELIBERATE_FAILURE")
               and not k.startswith("PYTEST_")}  # local mode, one device, unless extra_env says otherwise
    environ.update({"E2E_REPORTS": str(tmp_path / "reports"), **(extra_env or {})})
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout)
