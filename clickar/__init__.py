"""Clickar: the application factory — config, extensions, blueprints, nothing else."""
from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from flask import Flask

from . import config as config_module
from . import session as session_keys

ROOT = Path(__file__).resolve().parent.parent


def _development_secret(instance: Path) -> str:
    """A key kept under instance/ so dev sessions survive restarts (never in production)."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _listen_host() -> str | None:
    """The --host of `flask run` when that is what is starting (gunicorn checks its bind itself)."""
    import click

    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.info_name == "run" and "host" in ctx.params:
        return ctx.params["host"] or "127.0.0.1"
    return None


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    settings = config_module.from_environ()
    settings["LISTEN_HOST"] = _listen_host()
    if settings["LISTEN_HOST"] is not None:
        try:
            config_module.check_listen(settings["LISTEN_HOST"])
        except config_module.ConfigError as exc:
            import click

            raise click.ClickException(str(exc)) from None
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = (_development_secret(Path(app.instance_path))
                                  if settings["ENV_NAME"] == "development"
                                  else secrets.token_urlsafe(48))
    app.config.from_mapping(
        settings,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=2),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        WTF_CSRF_SSL_STRICT=False,
        MAX_CONTENT_LENGTH=256 * 1024,
        MAX_FORM_MEMORY_SIZE=64 * 1024,
        MAX_FORM_PARTS=200,
        JSON_AS_ASCII=False,
    )
    if test_config:
        app.config.from_mapping(test_config)
    if app.config.get("SECRET_KEY_FALLBACKS"):  # rotation: forms rendered under an old key still post
        app.config.setdefault("WTF_CSRF_SECRET_KEY", session_keys.signing_keys(app))

    from htmx_flask import Htmx

    from . import cli, db, errors, extensions, mail, security, web
    from .auth import limits
    from .auth.settings import bp as settings_bp
    from .auth.views import bp as auth_bp
    from .mypage import bp as mypage_bp
    from .pwa import bp as pwa_bp
    from .registration import bp as registration_bp
    from .session import EncryptedCookieSessionInterface

    app.session_interface = EncryptedCookieSessionInterface()
    Htmx(app)
    db.init_app(app)
    extensions.init_app(app)
    limits.init_app(app)
    security.init_app(app)
    mail.init_app(app)
    errors.init_app(app)
    web.init_app(app)
    from . import assets
    assets.init_app(app)  # hashed static names, compressed responses (PWA)
    cli.init_app(app)
    for bp in (registration_bp, auth_bp, settings_bp, mypage_bp, pwa_bp):
        app.register_blueprint(bp)
    from .lookup import bp as lookup_bp

    app.register_blueprint(lookup_bp)  # /mypage/lookup/: 郵便番号 → 住所, 和暦 beside 生年月日
    from .flyers.views import bp as flyers_bp, links as flyer_links_bp

    from .staff.views import bp as staff_bp

    app.register_blueprint(staff_bp)  # /staff/login, /staff/logout, /staff/accounts
    app.register_blueprint(flyers_bp)  # /staff/: the QR flyer console
    app.register_blueprint(flyer_links_bp)  # /r/CODE short links
    limits.limiter.exempt(flyer_links_bp)  # no route limit there: each client's share is counted in the spool
    from .renewal import bp as renewal_bp

    app.register_blueprint(renewal_bp)  # 更新のお手続き + groups/rates/renewals/changes CLI
    from .help.views import bp as help_bp, staff_bp as help_staff_bp

    app.register_blueprint(help_bp)  # AIチャット: /help/chat, its drawer panel and JSON API
    app.register_blueprint(help_staff_bp)  # /staff/help: unanswered and down-voted questions
    from .reminders.cli import reminders_cli
    from .reminders.views import bp as reminders_bp

    app.register_blueprint(reminders_bp)  # 更新のご案内: the mail's link, unsubscribe, 設定, staff counts
    app.cli.add_command(reminders_cli)
    from .invitations.views import bp as invitations_bp, staff as invitations_staff_bp

    app.register_blueprint(invitations_bp)  # /I/TOKEN, /i/token: a personal letter's short registration
    app.register_blueprint(invitations_staff_bp)  # /staff/invitations: batches, letters, revoke (admins)
    from . import testapi

    testapi.init_app(app)  # /_test/api/: testing/staging with CLICKAR_TEST_API_TOKEN only
    from . import ops, proxy

    proxy.init_app(app)  # CLICKAR_TRUSTED_PROXIES: X-Forwarded-For/-Proto from our load balancer
    ops.init_app(app)  # /healthz, bench mode, JSON logs + /metrics (last: times everything)
    return app
