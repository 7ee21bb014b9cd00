"""Shared fixtures: one app per test on a real database, a real SMTP sink.

SQLite always; PostgreSQL too when CLICKAR_TEST_POSTGRES_URL is set
(every `app` test runs once per database).
"""
from __future__ import annotations

import os
import re
import socket
import threading
import time
import uuid
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

os.environ["CLICKAR_ENV"] = "testing"

POSTGRES_URL = os.environ.get("CLICKAR_TEST_POSTGRES_URL")

from clickar import create_app  # noqa: E402
from clickar.db import database, upgrade  # noqa: E402
from clickar.demo import demo_rows  # noqa: E402
from clickar import contracts as contract_data  # noqa: E402

# ------------------------------------------------------------------ SMTP sink

class Sink:
    """aiosmtpd handler that keeps every message; tests wait for what they expect."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)
        return "250 OK"

    def clear(self):
        with self.lock:
            self.messages.clear()

    def wait_for(self, to: str, subject_contains: str = "", timeout: float = 10.0, count: int = 1):
        """Mails to `to` whose subject contains the text; waits until `count` have arrived."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                found = [m for m in self.messages
                         if to.lower() in str(m["To"]).lower() and subject_contains in str(m["Subject"])]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def last_body(self, to: str, subject_contains: str = "") -> str:
        mails = self.wait_for(to, subject_contains)
        assert mails, f"no mail to {to} with subject containing {subject_contains!r}"
        return mails[-1].get_body(preferencelist=("plain",)).get_content()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smtp():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()


@pytest.fixture
def mailbox(smtp):
    smtp.clear()
    return smtp


# ------------------------------------------------------------------ databases

DATABASES = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


_fresh_workers: set[str] = set()


def _worker_database(url: str) -> str:
    """One PostgreSQL database per xdist worker: made fresh once, its tables emptied per test."""
    from urllib.parse import urlsplit, urlunsplit

    from clickar.db import open_database

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"clickar_test_{worker}"
    if name not in _fresh_workers:
        admin = open_database(url)
        admin.connect()
        if not admin.execute_sql("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            admin.execute_sql(f'CREATE DATABASE "{name}"')
        admin.close()
    parts = urlsplit(url)
    worker_url = urlunsplit(parts._replace(path="/" + name))
    db = open_database(worker_url)
    db.connect()
    if name not in _fresh_workers:
        db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        _fresh_workers.add(name)
    else:
        tables = [t for t in db.get_tables() if t != "schema_migration"]
        if tables:
            db.execute_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    db.close()
    return worker_url


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return _worker_database(POSTGRES_URL)


@pytest.fixture
def app(database_url, smtp):
    app = create_app({
        "DATABASE_URL": database_url,
        "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "BASE_URL": "http://localhost",
        # Each test counts its own rate limits (shared Redis across workers stays apart).
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
    })
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        contract_data.upsert(demo_rows())
        database.close()
    smtp.clear()
    yield app
    for thread in app.extensions.get("mail_threads", []):
        thread.join(timeout=10)
    if not database.is_closed():
        database.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ------------------------------------------------------------------ helpers

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')

from demo_people import HANAKO, PERSON  # noqa: E402,F401


class RegistrationActions:
    """Walks the flyer's steps with the test client (flaskr's AuthActions habit)."""

    def __init__(self, client, mailbox):
        self.client = client
        self.mailbox = mailbox

    def csrf(self, path="/mypage/register/") -> str:
        page = self.client.get(path).get_data(as_text=True)
        match = CSRF.search(page)
        assert match, f"no csrf token on {path}"
        return match.group(1)

    def post(self, path, data=None, htmx=False, headers=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf())
        headers = dict(headers or {})
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(path, data=data, headers=headers, **kwargs)

    def agree_to_terms(self):
        return self.post("/mypage/register/terms", {"agree": "y"})

    def enter_info(self, person=None, **changes):
        data = {**(person or PERSON), **changes}
        return self.post("/mypage/register/info", {k: v for k, v in data.items() if v is not None})

    def confirm(self):
        return self.post("/mypage/register/confirm")

    def verification_url(self, email=PERSON["email"]) -> str:
        body = self.mailbox.last_body(email, "仮登録")
        match = re.search(r"http://localhost(/mypage/register/verify/[A-Za-z0-9_\-]+)", body)
        assert match, body
        return match.group(1)

    def register_until_sent(self, person=None):
        person = person or PERSON
        assert self.agree_to_terms().status_code == 303
        r = self.enter_info(person)
        assert r.status_code == 303, r.get_data(as_text=True)
        assert self.confirm().status_code == 303
        return self.verification_url(person["email"])

    def verify(self, path, password=PERSON["password"], trust=False):
        data = {"password": password}
        if trust:
            data["trust_device"] = "y"
        return self.post(path, data)

    def register(self, person=None, trust=False):
        person = person or PERSON
        path = self.register_until_sent(person)
        r = self.verify(path, person["password"], trust)
        assert r.status_code == 303, r.get_data(as_text=True)
        return r

    def login(self, email=PERSON["email"], password=PERSON["password"]):
        return self.post("/mypage/login", {"email": email, "password": password})

    def otp_code(self, email=PERSON["email"], count=1) -> str:
        mails = self.mailbox.wait_for(email, "ワンタイムパスワード", count=count)
        assert len(mails) >= count
        body = mails[-1].get_body(preferencelist=("plain",)).get_content()
        return re.search(r"ワンタイムパスワード：(\d{6})", body).group(1)


@pytest.fixture
def actions(client, mailbox):
    return RegistrationActions(client, mailbox)
