"""JSON logs with a request id and no personal data; Prometheus /metrics, not public."""
from __future__ import annotations

import io
import json
import logging
import re

import pytest

from demo_people import PERSON


@pytest.fixture
def log_lines():
    """Everything the app logs during the test, as parsed JSON lines."""
    from clickar.ops.observability import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(name) for name in ("clickar", "werkzeug")]
    for logger in loggers:
        logger.addHandler(handler)

    def read():
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    read.text = lambda: stream.getvalue()
    yield read
    for logger in loggers:
        logger.removeHandler(handler)


def test_a_sane_request_id_is_kept_and_echoed(client, log_lines):
    response = client.get("/mypage/login", headers={"X-Request-ID": "lb-7f3a9c2e-0001"})
    assert response.headers["X-Request-ID"] == "lb-7f3a9c2e-0001"
    request_lines = [line for line in log_lines() if line.get("event") == "request"]
    assert request_lines[-1]["request_id"] == "lb-7f3a9c2e-0001"
    assert request_lines[-1]["endpoint"] == "auth.login_form" and request_lines[-1]["status"] == 200


@pytest.mark.parametrize("given", ["short", "x" * 200, "<script>alert(1)</script>", "id with spaces", "ＩＤ１２３４５６７８"])
def test_an_odd_request_id_is_replaced_by_a_fresh_one(client, given):
    echoed = client.get("/mypage/login", headers={"X-Request-ID": given}).headers["X-Request-ID"]
    assert echoed != given and re.fullmatch(r"[0-9a-f]{32}", echoed)


def test_every_request_gets_its_own_id(client):
    ids = {client.get("/mypage/login").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_a_whole_journey_leaves_no_personal_data_in_the_logs(actions, client, log_lines):
    verify = actions.register_until_sent()
    token = verify.rsplit("/", 1)[1]
    assert actions.verify(verify).status_code == 303
    client.post("/mypage/logout", data={"csrf_token": actions.csrf("/mypage/")})
    assert actions.login().status_code == 303
    code = actions.otp_code()
    assert actions.post("/mypage/login/otp", {"code": code}).status_code == 303
    client.get("/mypage/?notice=" + PERSON["email"])  # a query string carrying an address
    client.get(f"/mypage/register/verify/{token}")  # the used link again
    actions.post("/mypage/password/forgot", {"email": PERSON["email"]})

    lines = log_lines()
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) >= 15
    assert all(line["request_id"] and line["duration_ms"] >= 0 for line in requests)
    assert {"registration.info_submit", "registration.verify_submit", "auth.otp_submit"} <= {
        line["endpoint"] for line in requests}
    text = log_lines.text()
    for secret in (PERSON["email"], "taro@", PERSON["name"], "山田", PERSON["name_kana"], PERSON["phone"],
                   PERSON["postal_code"], PERSON["address"], PERSON["policy_numbers-0"], PERSON["password"],
                   "1970-04-01", "1970年4月1日", token, token[:10], code):
        assert secret not in text, secret


def test_an_error_log_masks_what_the_exception_says(app, client, log_lines):
    def boom():
        raise ValueError(f"cannot handle {PERSON['email']} / {PERSON['phone']} / {PERSON['policy_numbers-0']}")

    app.add_url_rule("/_t/boom", "t_boom", boom)
    assert client.get("/_t/boom").status_code == 500
    error = next(line for line in log_lines() if line["level"] == "ERROR")
    assert "ValueError" in error["error"] and error["request_id"]
    for secret in (PERSON["email"], PERSON["phone"], PERSON["policy_numbers-0"]):
        assert secret not in json.dumps(error, ensure_ascii=False)


def test_a_coloured_log_line_keeps_its_words_and_loses_its_colour_codes(log_lines):
    """werkzeug colours its request lines; the escape codes' letters ran into the text next
    to them ("\x1b[0m20261205" → "0m20261205") and the line read ［証券番号］ in the JSON log."""
    logging.getLogger("werkzeug").warning("\x1b[33m\"GET /mypage/ HTTP/1.1\" 200 -\x1b[0m20261205 batch done")
    line = log_lines()[-1]["message"]
    assert line == '"GET /mypage/ HTTP/1.1" 200 -20261205 batch done'


# ------------------------------------------------------------------ /metrics

def _metric(text: str, name: str, **labels) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        if head.split("{")[0] != name:
            continue
        if all(f'{k}="{v}"' in head for k, v in labels.items()):
            total += float(value)
    return total


def test_metrics_count_requests_registrations_and_the_outbox(app, actions, client):
    before = client.get("/metrics").get_data(as_text=True)
    actions.register()
    for thread in app.extensions.get("mail_threads", []):
        thread.join(10)  # the registration's own mails have left
    with app.test_request_context():
        from clickar import mail
        from clickar.db import database

        database.connect(reuse_if_open=True)
        mail.queue("test", "later@example.jp", "あとで送る", "otp", code="123456", minutes=5)  # never dispatched
        database.close()
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert _metric(text, "clickar_members") == 1
    assert _metric(text, "clickar_registrations_completed") == 1
    assert _metric(text, "clickar_outbox_backlog") == 1
    assert _metric(text, "clickar_database_up") == 1
    seen = _metric(text, "clickar_request_duration_seconds_count", endpoint="registration.info_submit")
    assert seen - _metric(before, "clickar_request_duration_seconds_count",
                          endpoint="registration.info_submit") == 1
    assert 'clickar_request_duration_seconds_bucket{endpoint="registration.info_submit",le="0.5"' in text


def test_limiter_hits_are_counted_by_rule(actions, client):
    def hits():
        return _metric(client.get("/metrics").get_data(as_text=True), "clickar_rate_limit_hits_total",
                       rule="identity-policy")

    before = hits()
    actions.agree_to_terms()
    statuses = [actions.enter_info(name="別人 次郎").status_code for _ in range(11)]
    assert statuses[-1] == 429
    assert hits() - before == 1


@pytest.mark.parametrize("remote,headers,visible", [
    ("127.0.0.1", {}, True),
    ("203.0.113.9", {}, False),
    ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}, False),  # through a proxy on this machine
])
def test_metrics_answer_only_this_machine_without_a_token(client, remote, headers, visible):
    response = client.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": remote})
    assert response.status_code == (200 if visible else 404)


def test_with_a_token_metrics_want_it_from_everyone(app, client):
    app.config["METRICS_TOKEN"] = "m" * 32
    assert client.get("/metrics").status_code == 404  # even from loopback
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    ok = client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 32},
                    environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert ok.status_code == 200 and "clickar_request_duration_seconds" in ok.get_data(as_text=True)


def test_healthz_keeps_its_shape_and_reports_the_outbox(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok" and body["checks"]["outbox"] == "ok"
    assert body["outbox_backlog"] == 0
