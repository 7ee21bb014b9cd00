"""CSRF on every state-changing route, open redirects, headers, CSP, bad input."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
# /_test/: bearer-token JSON API; /reminders/unsubscribe/: RFC 8058 one-click POST from the
# mailbox provider (no cookie, no form), authorised by the signed token in its URL instead.
CSRF_EXEMPT_PREFIXES = ("/_test/", "/reminders/unsubscribe/")


def post_routes(app) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith(CSRF_EXEMPT_PREFIXES):
            continue
        path = re.sub(r"<(?:int:)?[^>]+>", lambda m: "1" if m.group(0).startswith("<int:") else "x", rule.rule)
        paths.append(path)
    return sorted(set(paths))


def test_every_state_changing_form_route_refuses_a_missing_csrf_token(app, client):
    routes = post_routes(app)
    assert "/mypage/login" in routes and "/mypage/register/confirm" in routes
    for path in routes:
        response = client.post(path, data={"email": "a@example.jp", "password": "x"})
        assert response.status_code == 400, path
        assert "画面の有効期限が切れました" in response.get_data(as_text=True), path


def test_every_state_changing_htmx_route_refuses_a_missing_csrf_token(app, client):
    for path in post_routes(app):
        response = client.post(path, data={}, headers={"HX-Request": "true"})
        assert response.headers.get("HX-Redirect") == "/mypage/session-expired", path


def test_a_csrf_token_from_another_session_is_refused(app, client, actions):
    token = actions.csrf()
    other = app.test_client()
    response = other.post("/mypage/register/terms", data={"agree": "y", "csrf_token": token})
    assert response.status_code == 400


def test_htmx_csrf_header_is_accepted(actions, client):
    token = actions.csrf()
    response = client.post("/mypage/register/terms", data={"agree": "y"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 303


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil.example"])
def test_open_redirect_through_next_is_impossible(actions, client, target):
    actions.register(trust=True)
    actions.post("/mypage/logout")
    client.get("/mypage/login", query_string={"next": target})
    assert actions.login().headers["Location"] == "/mypage/"


def get_pages(app):
    return [r.rule for r in app.url_map.iter_rules()
            if "GET" in r.methods and "<" not in r.rule and not r.rule.startswith(("/static", "/_test"))]


def test_security_headers_on_every_page(app, client):
    for path in get_pages(app):
        response = client.get(path)
        headers = response.headers
        assert "default-src 'self'" in headers["Content-Security-Policy"], path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "same-origin", path


def test_csp_allows_no_inline_script_and_templates_have_none(client):
    csp = client.get("/mypage/login").headers["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    for template in (ROOT / "templates").rglob("*.html"):
        source = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), template
        assert not re.search(r"\son[a-z]+=", source), template
        assert not re.search(r'\sstyle="', source), template


def test_hsts_only_in_production(client):
    assert "Strict-Transport-Security" not in client.get("/mypage/login").headers


def test_personal_pages_are_not_cached(actions, client):
    actions.register()
    assert client.get("/mypage/").headers["Cache-Control"] == "no-store"


def test_oversized_body_is_refused_politely(actions):
    response = actions.post("/mypage/register/terms", {"agree": "y", "junk": "x" * 400_000})
    assert response.status_code in (400, 413)
    assert "Traceback" not in response.get_data(as_text=True)


def test_oversized_fields_get_messages_not_errors(actions):
    actions.agree_to_terms()
    response = actions.enter_info(name="山" * 5000, address="東" * 5000, phone="0" * 5000,
                                  **{"policy_numbers-0": "A" * 5000})
    assert response.status_code == 422


@pytest.mark.parametrize("value", ["\x00", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
                                   "<script>alert(1)</script>", "' OR 1=1 --", "１２３", "\u202e", "💥" * 30])
def test_malformed_input_never_gives_a_500(actions, value):
    actions.agree_to_terms()
    for field in ("name", "name_kana", "birth_year", "birth_month", "birth_day", "postal_code", "address", "phone", "email", "policy_numbers-0"):
        response = actions.enter_info(**{field: value})
        assert response.status_code in (303, 422), (field, value)
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_malformed_login_and_code_input_never_gives_a_500(actions):
    for email, password in (("\x00", "\x00"), ("a" * 300, "b" * 300), ("<x>@y.z", "'; drop table member; --")):
        assert actions.login(email, password).status_code == 422
    assert actions.post("/mypage/login/otp", {"code": "\x00"}).status_code == 303


def test_malformed_links_never_give_a_500(client):
    for path in ("/mypage/register/verify/%00", "/mypage/register/verify/" + "a" * 5000,
                 "/mypage/password/reset/%FF", "/mypage/contracts/%00/", "/mypage/settings/email/confirm/x"):
        assert client.get(path).status_code in (303, 404, 410), path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["name", "name_kana", "birth_year", "birth_month", "birth_day", "postal_code", "address", "phone",
                                        "email", "password", "password_confirm", "policy_numbers-0",
                                        "policy_numbers-7", "action"]),
                       st.text(max_size=60)))
def test_any_info_form_input_answers_without_a_500(actions, data):
    actions.agree_to_terms()
    response = actions.post("/mypage/register/info", data)
    assert response.status_code in (200, 303, 422, 429)
