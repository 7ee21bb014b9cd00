"""The database unreachable: a Japanese 503 page, /healthz names it, nothing half-written."""
from __future__ import annotations

import pytest

from production_support import free_port


def unreachable_urls(tmp_path):
    closed = free_port()  # nothing listens there
    return {
        "postgresql-closed-port": f"postgresql://postgres@127.0.0.1:{closed}/clickar?connect_timeout=2",
        "sqlite-unopenable-path": f"sqlite:///{tmp_path}/no-such-folder/clickar.db",
    }


@pytest.fixture(params=["postgresql-closed-port", "sqlite-unopenable-path"])
def down_client(request, tmp_path):
    from clickar import create_app

    app = create_app({"DATABASE_URL": unreachable_urls(tmp_path)[request.param]})
    return app.test_client()


def test_pages_say_maintenance_in_japanese_with_503(down_client):
    for path in ("/mypage/login", "/mypage/register/terms", "/mypage/"):
        response = down_client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 503, path
        assert "メンテナンス中です" in page and "しばらくしてから" in page
        assert response.headers["Retry-After"] == "60"
        assert "<h1" in page and "お問い合わせ先" in page  # the whole page, with the contacts


def test_a_form_post_during_the_outage_gets_the_maintenance_page_too(down_client):
    response = down_client.post("/mypage/login", data={"email": "a@example.jp", "password": "x"},
                                headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert "メンテナンス中です" in response.get_data(as_text=True)


def test_the_maintenance_page_keeps_its_stylesheet(down_client):
    page = down_client.get("/mypage/login").get_data(as_text=True)
    stylesheet = page.split('rel="stylesheet" href="')[1].split('"')[0]
    assert down_client.get(stylesheet).status_code == 200


def test_healthz_names_the_database_as_down(down_client):
    response = down_client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "down"
    assert body["checks"]["database"].startswith("down")


def test_the_same_process_recovers_when_the_database_comes_back(tmp_path):
    from clickar import create_app
    from clickar.db import database, upgrade

    url = f"sqlite:///{tmp_path}/later/clickar.db"
    app = create_app({"DATABASE_URL": url})
    client = app.test_client()
    assert client.get("/mypage/login").status_code == 503
    (tmp_path / "later").mkdir()  # the database is back
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        database.close()
    assert client.get("/mypage/login").status_code == 200
    assert client.get("/healthz").get_json()["checks"]["database"] == "ok"


def test_healthz_names_redis_when_it_is_down(database_url):
    from clickar import create_app
    from clickar.db import database, upgrade

    app = create_app({"DATABASE_URL": database_url,
                      "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        database.close()
    body = app.test_client().get("/healthz").get_json()
    assert body["status"] == "down"
    assert body["checks"]["database"] == "ok" and body["checks"]["redis"].startswith("down")


def test_the_database_dying_inside_confirm_leaves_nothing_half_written(app, actions, mailbox, database_url):
    """確定 writes the 仮登録, its link and its mail in one transaction. The database connection
    is killed at the last of the three writes: the customer sees メンテナンス中, no row survives,
    and 確定 again after the outage makes exactly one registration."""
    if not database_url.startswith("postgres"):
        pytest.skip("needs PostgreSQL: the connection is killed server-side by a trigger")
    from clickar.db import database, open_database
    from clickar.models import OutboxMail, PendingRegistration, VerificationToken

    admin = open_database(database_url)
    admin.connect()
    admin.execute_sql("""
        CREATE OR REPLACE FUNCTION clickar_test_die() RETURNS trigger AS $$
        BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$ LANGUAGE plpgsql""")
    admin.execute_sql("CREATE TRIGGER clickar_test_die BEFORE INSERT ON outbox_mail "
                      "FOR EACH ROW EXECUTE FUNCTION clickar_test_die()")
    try:
        assert actions.agree_to_terms().status_code == 303
        assert actions.enter_info().status_code == 303
        response = actions.confirm()
        assert response.status_code == 503
        assert "メンテナンス中です" in response.get_data(as_text=True)
        counts = [admin.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                  for table in ("pending_registration", "verification_token", "outbox_mail")]
        assert counts == [0, 0, 0]
    finally:
        admin.execute_sql("DROP TRIGGER IF EXISTS clickar_test_die ON outbox_mail")
        admin.execute_sql("DROP FUNCTION IF EXISTS clickar_test_die()")
        admin.close()

    assert actions.confirm().status_code == 303  # the outage is over: the same draft goes through
    assert actions.verification_url()
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert PendingRegistration.select().count() == 1
        assert VerificationToken.select().count() == 1
        assert OutboxMail.select().count() == 1
        database.close()
