"""Structured logs with a request id, and Prometheus metrics at /metrics.

Logs: one JSON object per line on stderr — time, level, logger, message,
request_id — and one `"event": "request"` line per request with the method,
the endpoint, the URL *rule* (`/mypage/register/verify/<token>`, never the
path that carries the token), the status and the duration. No query strings,
no form data, no mail addresses, names, phone numbers, policy numbers or
tokens: messages and exception texts pass through `scrub()` (the AIチャット
masking plus URL tokens and query strings) before they are written.

Request id: a sane `X-Request-ID` from the load balancer is kept, anything
else is replaced by a fresh one; either way it is echoed back in the response.

Metrics (prometheus_client): request latency histogram and request counter by
endpoint, rate-limit hits by rule (`limit_hit()`, called by clickar.auth.limits),
and, read from the database at scrape time so every process reports the same
numbers, members, provisional registrations, renewals and the outbox backlog.
Under gunicorn with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py does it),
the per-process histograms and counters are summed across workers.

/metrics is not public: with CLICKAR_METRICS_TOKEN set it wants
`Authorization: Bearer <token>`; without one it answers loopback clients that
did not come through a proxy. Anyone else gets a 404.
"""
from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import os
import re
import sys
import time
import traceback
import uuid

from flask import Response, g, has_request_context, request

from .masking import mask_personal_data

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{7,127}")

# ------------------------------------------------------------------ scrubbing

_QUERY = re.compile(r"\?[^\s\"']*")
_LONG_TOKEN = re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{20,}(?![A-Za-z0-9_\-])")
_TOKEN_PATH = re.compile(r"(/(?:verify|reset|confirm|email|r|R)/)[^/\s\"'?]+")
# terminal colour codes (werkzeug colours its request lines): their letters would run into
# the text next to them ("\x1b[0m20261205" → "0m20261205", read as a 証券番号)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def scrub(text: str) -> str:
    """Text fit for a log: no query strings, no URL tokens, no personal data."""
    if not text:
        return text
    text = _ANSI.sub("", text)
    text = _QUERY.sub("?[…]", text)
    text = _TOKEN_PATH.sub(r"\1[…]", text)
    text = _LONG_TOKEN.sub("[…]", text)
    return mask_personal_data(text)


# ------------------------------------------------------------------ logging

class JsonFormatter(logging.Formatter):
    """One JSON object per line. Extra fields: pass `extra={"fields": {...}}`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            kind, value, tb = record.exc_info
            entry["error"] = scrub("".join(traceback.format_exception_only(kind, value)).strip())
            entry["traceback"] = "".join(traceback.format_tb(tb))  # code and line numbers only
        return json.dumps(entry, ensure_ascii=False, default=str)


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


_configured = False


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr for the app's loggers (once per process)."""
    global _configured
    if _configured:
        return
    _configured = True
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter())
    from flask.logging import default_handler

    for name in ("clickar", "werkzeug"):
        logger = logging.getLogger(name)
        logger.removeHandler(default_handler)
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False


log = logging.getLogger("clickar")


# ------------------------------------------------------------------ metrics

def _metrics():
    """The metric objects, made once per process on our own registry."""
    from prometheus_client import CollectorRegistry, Counter, Histogram

    registry = CollectorRegistry(auto_describe=True)
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import PlatformCollector, ProcessCollector

        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
    latency = Histogram(
        "clickar_request_duration_seconds", "Time to answer a request, by endpoint.",
        ["endpoint", "method"], registry=registry,
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
    requests = Counter("clickar_requests_total", "Requests answered, by endpoint and status.",
                       ["endpoint", "method", "status"], registry=registry)
    limited = Counter("clickar_rate_limit_hits_total", "Requests refused by a rate limit, by rule.",
                      ["rule"], registry=registry)
    db_errors = Counter("clickar_database_errors_total",
                        "Requests answered 503 because the database (or Redis) was unreachable.",
                        registry=registry)
    registry.register(DatabaseCollector())
    return registry, latency, requests, limited, db_errors


class DatabaseCollector:
    """Counts read from the database at scrape time (the same in every process)."""

    def describe(self):
        return []

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        from ..db import database

        up = GaugeMetricFamily("clickar_database_up", "1 when the database answered this scrape.")
        try:
            figures = database_figures()
        except Exception:  # noqa: BLE001 - any failure means the database did not answer
            up.add_metric([], 0)
            yield up
            return
        finally:
            try:
                if not database.is_closed():
                    database.close()
            except Exception:  # noqa: BLE001
                pass
        up.add_metric([], 1)
        yield up
        for name, help_text, value in (
            ("clickar_members", "Registered My Page members.", figures["members"]),
            ("clickar_registrations_provisional", "仮登録 waiting for the mail's link.", figures["provisional"]),
            ("clickar_registrations_completed", "Completed registrations still on record.", figures["completed"]),
            ("clickar_renewals", "更新のお手続き submitted (not cancelled).", figures["renewals"]),
            ("clickar_outbox_backlog", "Mails waiting in the outbox.", figures["outbox_backlog"]),
            ("clickar_outbox_oldest_waiting_seconds", "Age of the oldest waiting mail (0 = none).",
             figures["outbox_oldest_seconds"]),
        ):
            gauge = GaugeMetricFamily(name, help_text)
            gauge.add_metric([], value)
            yield gauge


def database_figures() -> dict:
    """{members, provisional, completed, renewals, outbox_backlog, outbox_oldest_seconds}."""
    from ..db import database
    from ..models import Member, PendingRegistration

    database.connect(reuse_if_open=True)
    out = {
        "members": Member.select().count(),
        "provisional": PendingRegistration.select().where(PendingRegistration.completed_at.is_null()).count(),
        "completed": PendingRegistration.select().where(PendingRegistration.completed_at.is_null(False)).count(),
    }
    try:
        from ..models import Renewal

        out["renewals"] = Renewal.select().where(Renewal.cancelled_at.is_null()).count()
    except ImportError:  # pragma: no cover - the renewal area is not installed
        out["renewals"] = 0
    out.update(outbox_backlog())
    return out


def outbox_backlog() -> dict:
    """{outbox_backlog: waiting mails, outbox_oldest_seconds: age of the oldest one}."""
    from peewee import fn

    from ..models import OutboxMail, now

    waiting, oldest = (OutboxMail
                       .select(fn.COUNT(OutboxMail.id), fn.MIN(OutboxMail.created_at))
                       .where(OutboxMail.sent_at.is_null())
                       .tuples()
                       .first()) or (0, None)
    if isinstance(oldest, str):  # SQLite hands back text for an aggregate
        oldest = dt.datetime.fromisoformat(oldest)
    age = (now() - oldest).total_seconds() if oldest else 0.0
    return {"outbox_backlog": waiting or 0, "outbox_oldest_seconds": round(max(0.0, age), 1)}


_METRICS = None


def metrics():
    global _METRICS
    if _METRICS is None:
        _METRICS = _metrics()
    return _METRICS


def limit_hit(rule: str) -> None:
    """One request refused by a rate limit (clickar.auth.limits calls this)."""
    metrics()[3].labels(rule).inc()


def database_unreachable() -> None:
    metrics()[4].inc()


def exposition() -> tuple[bytes, str]:
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    registry = metrics()[0]
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(DatabaseCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


def loopback_client() -> bool:
    """A client on this machine that did not come through a proxy (a local proxy forwards others)."""
    proxied = ("werkzeug.proxy_fix.orig" in request.environ
               or any(h in request.headers for h in ("X-Forwarded-For", "Forwarded", "X-Real-IP")))
    return not proxied and request.remote_addr in ("127.0.0.1", "::1")


def token_given(config) -> bool:
    """Authorization: Bearer CLICKAR_METRICS_TOKEN (never true without a token configured)."""
    token = config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def metrics_allowed(config) -> bool:
    """Token when configured; otherwise a loopback client that did not come through a proxy."""
    if config.get("METRICS_TOKEN"):
        return token_given(config)
    return loopback_client()


# ------------------------------------------------------------------ wiring

def _request_id() -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


QUIET_ENDPOINTS = {"ops.healthz", "metrics", "static", "assets.hashed_static"}


def init_app(app) -> None:
    configure_logging()
    metrics()

    def _start():
        g.request_id = _request_id()
        g.request_started = time.perf_counter()

    # First of all before_request functions: a failing database connect must not lose the id.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    def _finish(response):
        if "request_id" not in g:
            _start()
        response.headers[REQUEST_ID_HEADER] = g.request_id
        seconds = time.perf_counter() - g.request_started
        endpoint = request.endpoint or "(no route)"
        method = request.method
        _, latency, counter, _, _ = metrics()
        latency.labels(endpoint, method).observe(seconds)
        counter.labels(endpoint, method, str(response.status_code)).inc()
        fields = {
            "event": "request",
            "method": method,
            "endpoint": endpoint,
            "route": request.url_rule.rule if request.url_rule else None,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2),
            "htmx": bool(request.headers.get("HX-Request")),
        }
        level = logging.DEBUG if endpoint in QUIET_ENDPOINTS else logging.INFO
        log.log(level, "%s %s %s", method, fields["route"] or "(no route)", response.status_code,
                extra={"fields": fields})
        return response

    # First in the list = last to run: the duration covers every other after_request (compression too).
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)

    @app.get("/metrics", endpoint="metrics")
    def metrics_view():
        from flask import abort, current_app

        if not metrics_allowed(current_app.config):
            abort(404)
        body, content_type = exposition()
        return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
