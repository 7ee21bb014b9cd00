"""CLICKAR_* environment → Flask settings.

SETTINGS is the single table of what can be configured; shared/INTERFACE.md
documents each row and tests/test_docs.py fails when the two disagree.
"""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str


SETTINGS = (
    Setting("CLICKAR_ENV", "development", "development / testing / staging / production"),
    Setting("CLICKAR_DATABASE_URL", "sqlite:///instance/clickar.db", "peewee db_url"),
    Setting("CLICKAR_SECRET_KEY", None, "signs and encrypts session cookies; required in production; "
            "NEW,OLD,… (comma-separated, newest first) while rotating: old keys still open what they sealed"),
    Setting("CLICKAR_BASE_URL", "http://127.0.0.1:5000", "absolute links in mail and QR codes"),
    Setting("CLICKAR_SMTP_URL", None, "smtp://host:port or smtps://user:pass@host:port; unset keeps mail in the outbox"),
    Setting("CLICKAR_MAIL_FROM", "noreply@example.jp", "From: header"),
    Setting("CLICKAR_REDIS_URL", None, "rate-limit storage; unset = in-memory"),
    Setting("CLICKAR_INSURER_NAME", "損保ジャパン", "insurer name in UI copy and mail subjects"),
    Setting("CLICKAR_TEST_API_TOKEN", None, "testing/staging only: enables the /_test/api/ test data API (bearer token, 16+ characters)"),
    Setting("CLICKAR_LLM_URL", None, "optional OpenAI-compatible API base (…/v1) that adds a streamed summary under AIチャット answers; unset = off"),
    Setting("CLICKAR_LLM_MODEL", "default", "model name sent to CLICKAR_LLM_URL"),
    Setting("CLICKAR_METRICS_TOKEN", None, "bearer token for /metrics (Prometheus); unset = /metrics answers loopback clients only"),
    Setting("CLICKAR_TRUSTED_PROXIES", "0", "how many proxies (load balancers) in front set X-Forwarded-For/-Proto; 0 = none trusted"),
    Setting("CLICKAR_REDIS_PREFIX", "clickar", "prefix of every rate-limit key in Redis (deployments sharing one Redis use different ones)"),
    Setting("CLICKAR_REMINDER_HOUR", "9", "JST hour (0-23) at which the mail worker sends 更新のご案内 reminders"),
    Setting("CLICKAR_BENCH", None, "1 = `make bench` mode: a bench-only bare page and raised rate limits; refused in production"),
)

ENVIRONMENTS = ("development", "testing", "staging", "production")


MIN_SECRET_KEY = 32  # characters of each production key (token_urlsafe(48) makes 64)


class ConfigError(RuntimeError):
    """The environment asks for something unsafe or impossible."""


def secret_keys(value: str | None) -> list[str]:
    """CLICKAR_SECRET_KEY as a list, newest first: "NEW,OLD" while a rotation is under way."""
    return [key.strip() for key in (value or "").split(",") if key.strip()]


def _secure_base_url(url: str) -> bool:
    """https, or http on this machine only (browsers treat localhost as a secure context)."""
    parsed = urlsplit(url)
    return parsed.scheme == "https" or (parsed.scheme == "http"
                                        and parsed.hostname in ("localhost", "127.0.0.1", "::1"))


def from_environ(environ=None) -> dict:
    """Read the CLICKAR_* variables and return Flask config keys."""
    environ = os.environ if environ is None else environ
    values = {s.name: environ.get(s.name) or s.default for s in SETTINGS}
    env = values["CLICKAR_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigError(f"CLICKAR_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    keys = secret_keys(values["CLICKAR_SECRET_KEY"])
    secret = keys[0] if keys else None
    if env == "production":
        if not secret:
            raise ConfigError("CLICKAR_SECRET_KEY must be set in production")
        if any(len(key) < MIN_SECRET_KEY for key in keys):
            raise ConfigError(f"each CLICKAR_SECRET_KEY needs at least {MIN_SECRET_KEY} random characters "
                              "(whoever guesses it can seal a session for any member); make one with "
                              "python3 -c \"import secrets; print(secrets.token_urlsafe(48))\"")
        if values["CLICKAR_DATABASE_URL"].startswith("sqlite"):
            raise ConfigError("production needs PostgreSQL, not SQLite")
        if not _secure_base_url(values["CLICKAR_BASE_URL"]):
            raise ConfigError("production needs an https:// CLICKAR_BASE_URL (cookies are Secure; "
                              "plain http only for localhost)")
        if values["CLICKAR_BENCH"]:
            raise ConfigError("CLICKAR_BENCH raises rate limits: never in production")
        if not values["CLICKAR_REDIS_URL"]:
            raise ConfigError("production needs CLICKAR_REDIS_URL: without Redis each worker process "
                              "keeps its own rate-limit counters, so every limit is multiplied by the "
                              "number of workers")
    smtp = values["CLICKAR_SMTP_URL"]
    if smtp and urlsplit(smtp).scheme not in ("smtp", "smtps"):
        raise ConfigError("CLICKAR_SMTP_URL must start with smtp:// (STARTTLS is required when it "
                          "carries a user name) or smtps://")
    proxies = values["CLICKAR_TRUSTED_PROXIES"]
    if not proxies.isdigit():
        raise ConfigError(f"CLICKAR_TRUSTED_PROXIES must be a whole number, not {proxies!r}")
    hour = values["CLICKAR_REMINDER_HOUR"]
    if not hour.isdigit() or not 0 <= int(hour) <= 23:
        raise ConfigError(f"CLICKAR_REMINDER_HOUR must be an hour 0-23 (JST), not {hour!r}")
    return {
        "ENV_NAME": env,
        "TESTING": env == "testing",
        "SECRET_KEY": secret,
        "SECRET_KEY_FALLBACKS": keys[1:],
        "DATABASE_URL": values["CLICKAR_DATABASE_URL"],
        "BASE_URL": values["CLICKAR_BASE_URL"].rstrip("/"),
        "SMTP_URL": values["CLICKAR_SMTP_URL"],
        "MAIL_FROM": values["CLICKAR_MAIL_FROM"],
        "REDIS_URL": values["CLICKAR_REDIS_URL"],
        "INSURER_NAME": values["CLICKAR_INSURER_NAME"],
        "TEST_API_TOKEN": values["CLICKAR_TEST_API_TOKEN"],
        "LLM_URL": values["CLICKAR_LLM_URL"],
        "LLM_MODEL": values["CLICKAR_LLM_MODEL"],
        "METRICS_TOKEN": values["CLICKAR_METRICS_TOKEN"],
        "TRUSTED_PROXIES": int(proxies),
        "BENCH": values["CLICKAR_BENCH"] == "1" and env != "production",
        "RATELIMIT_KEY_PREFIX": values["CLICKAR_REDIS_PREFIX"],
        "REMINDER_HOUR": int(hour),
    }


def is_loopback(host: str | None) -> bool:
    """An address only this machine reaches: 127.0.0.0/8, ::1, localhost, a unix socket."""
    host = (host or "").strip()
    if host.startswith("unix:") or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_host(bind: str) -> str:
    """The host part of a gunicorn bind (host:port, [v6]:port, unix:path)."""
    bind = bind.strip()
    if bind.startswith("unix:"):
        return bind
    if bind.startswith("["):
        return bind[1:].split("]", 1)[0]
    return bind.rsplit(":", 1)[0] if bind.count(":") == 1 else bind


def check_listen(host: str | None, environ=None) -> None:
    """Refuse to serve other machines when nobody said which environment this is.

    With no CLICKAR_ENV the app runs as development (made-up secret key, the
    /_dev/mail outbox page, SQLite): fine on 127.0.0.1, unsafe on 0.0.0.0.
    """
    environ = os.environ if environ is None else environ
    if not environ.get("CLICKAR_ENV") and not is_loopback(host):
        raise ConfigError(
            f"CLICKAR_ENV is not set and the server would listen on {host}, where other machines "
            "reach it. Set CLICKAR_ENV=production (or staging / testing), or listen on 127.0.0.1 "
            "for development.")
