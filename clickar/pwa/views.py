"""Manifest, service worker, offline page and /healthz."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, url_for
from flask_login import AnonymousUserMixin

from ..assets import static_url
from ..db import database
from ..help.engine import Contacts

# Cached by the service worker at install so the offline page has its look; hashed names.
PRECACHE = ("css/app.css", "js/app.js", "vendor/htmx.min.js", "icons/icon.svg")

bp = Blueprint("pwa", __name__)


@bp.get("/")
def root():
    return redirect(url_for("mypage.top"))


@bp.get("/manifest.webmanifest")
def manifest():
    insurer = current_app.config["INSURER_NAME"]
    body = {
        "id": "/mypage/",
        "name": f"{insurer} マイページ（Clickar）",
        "short_name": "Clickar",  # under the home-screen icon: "マイページ" was lost among other apps' マイページ
        "description": "団体扱自動車保険WEB更新サービスClickar（クリックカー）のマイページ",
        "lang": "ja",
        "dir": "ltr",
        "start_url": "/mypage/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "theme_color": "#b8001f",       # --brand in static/css/app.css
        "background_color": "#ffffff",  # --bg
        "icons": [
            {"src": static_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static_url("icons/maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/sw.js")
def service_worker():
    """Rendered with ASSET_VERSION: every deploy that changes a static file changes these bytes."""
    body = render_template("pwa/sw.js", version=current_app.config["ASSET_VERSION"],
                           precache=[static_url(name) for name in PRECACHE])
    response = make_response(body)
    response.mimetype = "text/javascript"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def offline():
    """The service worker's fallback page. It is cached, so it is rendered as for nobody:
    no CSRF token, no logout form, no agency from the member's contracts."""
    contacts = Contacts.coerce({}, current_app.config["INSURER_NAME"])
    response = make_response(render_template("pwa/offline.html", current_user=AnonymousUserMixin(),
                                             csrf_token=lambda: "", offline_contacts=contacts))
    response.headers["Cache-Control"] = "no-cache"
    return response


OUTBOX_LATE_SECONDS = 15 * 60  # a mail waiting longer than this: SMTP is likely down


@bp.get("/healthz")
def healthz():
    """{"status": "ok"|"degraded"|"down", "checks": {"database", "redis"?, "outbox"}, "outbox_backlog"}.

    503 when the database or Redis does not answer (the load balancer takes this
    process out); a late outbox (SMTP down) is "degraded" with 200: pages still work.
    Publicly only {"status"}: the checks (which dependency, which exception) need the
    metrics token or a loopback client, as /metrics does.
    """
    from ..errors import forget_connection
    from ..observability import loopback_client, outbox_backlog, token_given

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
