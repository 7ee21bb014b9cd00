"""Shared fixtures: one app per test on a real database, a real SMTP sink.

SQLite always; PostgreSQL too when CLICKAR_TEST_POSTGRES_URL is set
(every `app` test runs once per database).
"""
from __future__ import annotations

import os
import uuid

import pytest
from aiosmtpd.controller import Controller

os.environ["CLICKAR_ENV"] = "testing"

POSTGRES_URL = os.environ.get("CLICKAR_TEST_POSTGRES_URL")

from app_support import close_app, make_app  # noqa: E402
from servers import Sink, free_port  # noqa: E402
from clickar.db import database  # noqa: E402

# ------------------------------------------------------------------ SMTP sink

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
_damaged: set[bool] = set()
RUN_ID = uuid.uuid4().hex


@pytest.fixture(scope="session", autouse=True)
def _drop_worker_databases():
    """Each run's PostgreSQL databases go when the run ends."""
    yield
    if not POSTGRES_URL or not _fresh_workers:
        return
    from clickar.db import open_database

    if not database.is_closed():
        database.close()
    admin = open_database(POSTGRES_URL)
    admin.connect()
    for name in _fresh_workers:
        admin.execute_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _worker_database(url: str) -> str:
    """One PostgreSQL database per xdist worker: made fresh once, its tables emptied per test."""
    from urllib.parse import urlsplit, urlunsplit

    from clickar.db import open_database

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", RUN_ID)[:8]  # two runs on one machine never meet
    name = f"clickar_test_{worker}_{run}"
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
    if name not in _fresh_workers or _damaged:
        db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        _fresh_workers.add(name)
        _damaged.clear()
    else:
        tables = [t for t in db.get_tables() if t != "schema_migration"]
        if tables:
            db.execute_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    db.close()
    return worker_url


@pytest.fixture
def postgres_url():
    """This worker's PostgreSQL database, emptied (a fixture: `from conftest import …` may find
    another folder's conftest under xdist)."""
    if not POSTGRES_URL:
        pytest.skip("CLICKAR_TEST_POSTGRES_URL is not set")
    return _worker_database(POSTGRES_URL)


@pytest.fixture
def damaged_schema():
    """For a test that drops a table: the next test on this worker gets a schema made afresh."""
    yield
    _damaged.add(True)


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return _worker_database(POSTGRES_URL)


@pytest.fixture
def app(database_url, smtp):
    app = make_app(database_url, smtp.port)
    smtp.clear()
    yield app
    close_app(app)


@pytest.fixture
def outbox(app):
    """outbox(to, subject_contains) → how many mails were written for `to`, sent or not.

    The outbox row is written in the request's own transaction, so "no such mail" is
    known as soon as the request returns: no waiting on the SMTP sink for what never comes.
    """
    from clickar.models import OutboxMail

    def count(to: str, subject_contains: str = "") -> int:
        with app.app_context():
            return (OutboxMail.select()
                    .where((OutboxMail.recipient == to) & OutboxMail.subject.contains(subject_contains))
                    .count())

    return count


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ------------------------------------------------------------------ helpers

from registration_actions import RegistrationActions  # noqa: E402


@pytest.fixture
def actions(client, mailbox):
    return RegistrationActions(client, mailbox)
