"""CLICKAR_ENV=production refuses what is unsafe; behind a proxy, the client is who the proxy says."""
from __future__ import annotations

import pytest

from clickar.config import ConfigError, from_environ

GOOD = {
    "CLICKAR_ENV": "production",
    "CLICKAR_SECRET_KEY": "s" * 48,
    "CLICKAR_DATABASE_URL": "postgresql://clickar@db:5432/clickar",
    "CLICKAR_BASE_URL": "https://mypage.example.jp",
    "CLICKAR_REDIS_URL": "redis://redis:6379/0",
}


def test_a_proper_production_environment_is_accepted():
    settings = from_environ(GOOD)
    assert settings["ENV_NAME"] == "production" and settings["BENCH"] is False


@pytest.mark.parametrize("change,complaint", [
    ({"CLICKAR_SECRET_KEY": ""}, "CLICKAR_SECRET_KEY"),
    ({"CLICKAR_DATABASE_URL": "sqlite:///instance/clickar.db"}, "SQLite"),
    ({"CLICKAR_BASE_URL": "http://mypage.example.jp"}, "https"),
    ({"CLICKAR_BASE_URL": "mypage.example.jp"}, "https"),
    ({"CLICKAR_BENCH": "1"}, "CLICKAR_BENCH"),
    ({"CLICKAR_TRUSTED_PROXIES": "one"}, "CLICKAR_TRUSTED_PROXIES"),
    ({"CLICKAR_REDIS_URL": ""}, "CLICKAR_REDIS_URL"),  # issue 18 #12: limits × workers without it
    ({"CLICKAR_SMTP_URL": "http://mail.example.jp"}, "CLICKAR_SMTP_URL"),
])
def test_production_refuses_unsafe_settings(change, complaint):
    with pytest.raises(ConfigError, match=complaint):
        from_environ({**GOOD, **change})


@pytest.mark.parametrize("url", ["http://localhost:8080", "http://127.0.0.1:8000"])
def test_plain_http_is_allowed_on_this_machine_only(url):
    assert from_environ({**GOOD, "CLICKAR_BASE_URL": url})["BASE_URL"] == url


def test_bench_mode_is_off_unless_asked_for():
    assert from_environ({"CLICKAR_ENV": "testing"})["BENCH"] is False
    assert from_environ({"CLICKAR_ENV": "staging", "CLICKAR_BENCH": "1"})["BENCH"] is True


def _address_app(database_url, proxies):
    from flask import request

    from clickar import create_app

    app = create_app({"DATABASE_URL": database_url, "TRUSTED_PROXIES": proxies})
    app.add_url_rule("/_t/who", "t_who", lambda: f"{request.remote_addr} {request.scheme}")
    return app.test_client()


def test_behind_one_proxy_the_client_is_the_address_it_forwards(database_url):
    client = _address_app(database_url, 1)
    reply = client.get("/_t/who", headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.5",
                                           "X-Forwarded-Proto": "https"})
    assert reply.get_data(as_text=True) == "203.0.113.5 https"  # only the hop our proxy added


def test_without_trusted_proxies_forwarded_headers_are_ignored(database_url):
    client = _address_app(database_url, 0)
    reply = client.get("/_t/who", headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"})
    assert reply.get_data(as_text=True) == "127.0.0.1 http"


def test_bench_routes_do_not_exist_outside_bench_mode(client):
    assert client.get("/_bench/bare").status_code == 404
