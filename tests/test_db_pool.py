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


def _last_statement(admin, pid: int) -> str:
    return admin.execute_sql("SELECT query FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0]


def test_flyer_scans_are_all_moved_after_postgresql_ended_the_pooled_backend(pooled_app):
    """Issue 23: the scans are spooled and moved in a batch on a pooled connection; PostgreSQL
    ending that backend between two batches (pg_terminate_backend) loses none: the pool's new
    connection writes the next batch, each scan once."""
    import datetime as dt

    from clickar.db import open_database
    from clickar.flyers.tracking import flush_scans
    from clickar.models import Campaign, Visit

    with pooled_app.app_context():
        database.connect(reuse_if_open=True)
        campaign = Campaign.create(code="PREP2345", name="spooled", target="register", label="test",
                                   valid_from=dt.date(2000, 1, 1))
        database.close()
    client = pooled_app.test_client()
    name = database.obj.database
    admin = open_database(POSTGRES_URL)
    admin.connect()
    try:
        for _ in range(4):
            assert client.get(f"/r/{campaign.code}", headers={"User-Agent": "Mozilla/5.0 (iPhone)"}).status_code == 302
        assert flush_scans(pooled_app) == 4
        (pid,) = _backend_pids(admin, name)
        admin.execute_sql("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        while pid in _backend_pids(admin, name) and time.monotonic() < deadline:
            time.sleep(0.01)
        for _ in range(2):
            assert client.get(f"/r/{campaign.code}", headers={"User-Agent": "Mozilla/5.0 (iPhone)"}).status_code == 302
        assert flush_scans(pooled_app) == 2
        with pooled_app.app_context():
            database.connect(reuse_if_open=True)
            assert Visit.select().where(Visit.campaign == campaign.id).count() == 6
            database.close()
    finally:
        admin.close()


def test_cached_select_on_the_pool_runs_a_prepared_statement_and_reads_fresh_rows(pooled_app):
    """My Page's statements (cached_select) go as EXECUTE of a statement prepared on the pooled
    connection; the rows are still read afresh and converted as by select()."""
    from clickar.models import Member
    from clickar.models.base import cached_select

    def build(ids):
        return Member.select().where(Member.id.in_(ids)).order_by(Member.id)

    with pooled_app.app_context():
        database.connect(reuse_if_open=True)
        a = Member.create(email="pa@example.jp", password_hash="x")
        b = Member.create(email="pb@example.jp", password_hash="x")
        assert [m.email for m in cached_select("pool-members", build, [a.id, b.id])] == ["pa@example.jp", "pb@example.jp"]
        Member.update(email="pc@example.jp").where(Member.id == b.id).execute()
        rows = cached_select("pool-members", build, [b.id, a.id])
        assert [m.email for m in rows] == ["pa@example.jp", "pc@example.jp"] and rows[0].created_at is not None
        prepared = database.execute_sql("SELECT statement FROM pg_prepared_statements").fetchall()
        assert any('FROM "member"' in statement for (statement,) in prepared), prepared
        database.close()
