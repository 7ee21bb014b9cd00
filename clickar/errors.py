"""One place that turns an error into JSON, a partial or a page (Datasette's habit).

Templates: errors/{status}.html when it exists, else errors/error.html.
"""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from jinja2 import TemplateNotFound
from werkzeug.exceptions import HTTPException

from .db import forget_connection
from .web import hx_redirect, is_htmx

MESSAGES = {
    400: ("リクエストを処理できませんでした", "入力内容をご確認のうえ、もう一度お試しください。"),
    403: ("このページは表示できません", "アクセスする権限がありません。"),
    404: ("ページが見つかりません", "お探しのページは移動または削除された可能性があります。"),
    405: ("この操作はできません", "画面のボタンからお手続きください。"),
    410: ("このページは有効期限が切れています", "お手数ですが、はじめからお手続きください。"),
    413: ("入力内容が大きすぎます", "入力内容を短くして、もう一度お試しください。"),
    429: ("しばらく時間をおいてお試しください", "短時間に操作が繰り返されたため、一時的にご利用を制限しています。"),
    500: ("ただいま処理できません", "時間をおいて、もう一度お試しください。"),
    503: ("メンテナンス中です", "ただいまメンテナンス中です。しばらくしてから、もう一度お試しください。"),
}


def render_error(status: int, title: str | None = None, detail: str | None = None, retry_after=None):
    default_title, default_detail = MESSAGES.get(status, MESSAGES[500])
    ctx = {"status": status, "title": title or default_title, "detail": detail or default_detail,
           "retry_after": retry_after}
    if request.path.endswith(".json") or request.path.startswith("/help/chat/api") \
            or request.accept_mimetypes.best == "application/json":
        return jsonify(error=ctx["title"], detail=ctx["detail"], status=status), status
    try:
        body = render_template(f"errors/{status}.html", **ctx)
    except TemplateNotFound:
        body = render_template("errors/error.html", **ctx)
    return body, status


# ------------------------------------------------------- database unreachable

def _unreachable_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean a dependency (the database, Redis) does not answer."""
    import peewee

    kinds: list[type[BaseException]] = [peewee.OperationalError, peewee.InterfaceError]
    try:
        import redis.exceptions

        kinds += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:  # pragma: no cover - redis is an optional extra
        pass
    from limits.errors import StorageError

    kinds.append(StorageError)
    return tuple(kinds)


UNREACHABLE = _unreachable_errors()


# Served even when the per-request database connect failed: they never read the database.
# /healthz reads it, but answers "down" itself instead of failing.
DATABASE_FREE_ENDPOINTS = {"static", "pwa.manifest", "pwa.service_worker", "pwa.offline", "ops.healthz"}


def rollback_session() -> None:
    """A request that failed half-way leaves the browser's session as it came (clickar/session.py)."""
    from flask import g, session

    if hasattr(session, "rollback"):
        session.rollback()
    g.pop("_login_user", None)  # signed in (or out) by the failed request: load again from the cookie


def maintenance_page():
    """503 メンテナンス中, rendered without touching the database (nobody is signed in)."""
    from flask import g
    from flask_login import AnonymousUserMixin

    g._login_user = AnonymousUserMixin()  # Flask-Login must not load the member from the database
    body, status = render_error(503)
    return body, status, {"Retry-After": "60", "Cache-Control": "no-store"}


def init_app(app) -> None:
    @app.errorhandler(UNREACHABLE[0])
    def _unreachable(exc):
        from .ops.observability import database_unreachable

        forget_connection()
        database_unreachable()
        app.logger.error("dependency unreachable: %s", type(exc).__name__)
        rollback_session()
        if request.endpoint in DATABASE_FREE_ENDPOINTS:  # the 503 page keeps its stylesheet
            return app.view_functions[request.endpoint](**(request.view_args or {}))
        return maintenance_page()

    for kind in UNREACHABLE[1:]:
        app.register_error_handler(kind, _unreachable)

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        if is_htmx():
            return hx_redirect("/mypage/session-expired")
        return render_error(400, "画面の有効期限が切れました",
                            "一定時間操作がなかったため、画面の有効期限が切れました。お手数ですが、もう一度お手続きください。")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        retry = getattr(exc, "retry_after", None)
        return render_error(exc.code, retry_after=retry)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        rollback_session()
        return render_error(500)

    @app.get("/mypage/session-expired")
    def session_expired():
        return render_error(400, "画面の有効期限が切れました",
                            "一定時間操作がなかったため、画面の有効期限が切れました。お手数ですが、もう一度お手続きください。")[0], 200
