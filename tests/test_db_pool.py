"""The PostgreSQL pool (`postgresql+pool://`) hands out idle connections without a SELECT 1
round trip, yet never one whose backend PostgreSQL has ended (pg_terminate_backend, a restart)."""
from __future__ import annotations

import os
import time

import pytest

from app_support import close_app, make_app
from clickar.db import database

POSTGRES_URL = os.environ.get("CLICKAR_TEST_POSTGRES_URL")


@pytest.fixture
def pooled_app(smtp, postgres_url):
    url = postgres_url.replace("postgresql://", "postgresql+pool://", 1) + "?max_connections=2"
    app = make_app(url, smtp.port)
    yield app
    close_app(app)
    database.obj.close_all()


def _backend_pids(admin, name: str) -> set[int]:
    rows = admin.execute_sql("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                             (name,)).fetchall()
    return {pid for (pid,) in rows}


def test_a_request_after_the_pooled_backend_was_terminated_gets_a_fresh_connection(pooled_app):
    from clickar.db import open_database

    client = pooled_app.test_client()
    page = client.get("/r/ZZZZZZZZ")  # a page that asks the database (no such campaign)
    assert page.status_code == 404 and "二次元コードをご確認ください" in page.get_data(as_text=True)
    name = database.obj.database
    admin = open_database(POSTGRES_URL)
    admin.connect()
    try:
        pooled = _backend_pids(admin, name)
        assert pooled, "the request's connection went back to the pool"
        admin.execute_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY(%s)",
                          (list(pooled),))
        deadline = time.monotonic() + 10
        while _backend_pids(admin, name) & pooled and time.monotonic() < deadline:  # wait on the event
            time.sleep(0.01)
        again = client.get("/r/ZZZZZZZZ")
        assert again.status_code == 404 and "二次元コードをご確認ください" in again.get_data(as_text=True)
        assert not _backend_pids(admin, name) & pooled
    finally:
        admin.close()


def test_an_idle_pooled_connection_is_handed_out_without_a_round_trip(pooled_app):
    """The check before reuse reads the socket's state; PostgreSQL sees no statement for it."""
    from clickar.db import open_database

    client = pooled_app.test_client()
    client.get("/r/ZZZZZZZZ")
    admin = open_database(POSTGRES_URL)
    admin.connect()
    try:
        with pooled_app.app_context():
            database.connect(reuse_if_open=True)  # the pool's check happens here
            pid = database.connection().info.backend_pid
            last = admin.execute_sql("SELECT query FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0]
            database.close()
        assert "campaign" in last and "SELECT 1" not in last, last  # still the request's own lookup
    finally:
        admin.close()
