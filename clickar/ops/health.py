"""/healthz: the load balancer's question — does this process reach its database and Redis?"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from ..db import database, forget_connection
from .observability import loopback_client, outbox_backlog, token_given

bp = Blueprint("ops", __name__)

OUTBOX_LATE_SECONDS = 15 * 60  # a mail waiting longer than this: SMTP is likely down


@bp.get("/healthz")
def healthz():
    """{"status": "ok"|"degraded"|"down", "checks": {"database", "redis"?, "outbox"}, "outbox_backlog"}.

    503 when the database or Redis does not answer (the load balancer takes this
    process out); a late outbox (SMTP down) is "degraded" with 200: pages still work.
    Publicly only {"status"}: the checks (which dependency, which exception) need the
    metrics token or a loopback client, as /metrics does.
    """
    checks = {}
    backlog = None
    try:
        database.connect(reuse_if_open=True)
        database.execute_sql("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        checks["database"] = f"down: {type(exc).__name__}"
        forget_connection()
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"] = _redis_check(redis_url)
    if checks["database"] == "ok":
        try:
            backlog = outbox_backlog()
            late = backlog["outbox_oldest_seconds"] > OUTBOX_LATE_SECONDS
            checks["outbox"] = (f"late: {backlog['outbox_backlog']} waiting, oldest "
                                f"{int(backlog['outbox_oldest_seconds'] // 60)} min" if late else "ok")
        except Exception as exc:  # noqa: BLE001
            checks["outbox"] = f"down: {type(exc).__name__}"
            forget_connection()
    else:
        checks["outbox"] = "unknown: database down"
    down = any(checks[k] != "ok" for k in ("database", "redis") if k in checks)
    status = "down" if down else ("ok" if checks["outbox"] == "ok" else "degraded")
    body = {"status": status}
    if loopback_client() or token_given(current_app.config):
        body["checks"] = checks
        if backlog is not None:
            body["outbox_backlog"] = backlog["outbox_backlog"]
    response = jsonify(body)
    response.status_code = 503 if down else 200
    response.headers["Cache-Control"] = "no-store"
    return response


_redis_clients: dict = {}


def _redis_check(url: str) -> str:
    try:
        import redis

        client = _redis_clients.get(url)
        if client is None:
            client = _redis_clients[url] = redis.Redis.from_url(
                url, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return f"down: {type(exc).__name__}"
