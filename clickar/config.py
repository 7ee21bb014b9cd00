"""CLICKAR_* environment → Flask settings.

SETTINGS is the single table of what can be configured; shared/INTERFACE.md
documents each row and tests/test_docs.py fails when the two disagree.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str


SETTINGS = (
    Setting("CLICKAR_ENV", "development", "development / testing / staging / production"),
    Setting("CLICKAR_DATABASE_URL", "sqlite:///instance/clickar.db", "peewee db_url"),
    Setting("CLICKAR_SECRET_KEY", None, "signs and encrypts session cookies; required in production"),
    Setting("CLICKAR_BASE_URL", "http://127.0.0.1:5000", "absolute links in mail and QR codes"),
    Setting("CLICKAR_SMTP_URL", None, "smtp://host:port or smtps://user:pass@host:port; unset keeps mail in the outbox"),
    Setting("CLICKAR_MAIL_FROM", "noreply@example.jp", "From: header"),
    Setting("CLICKAR_REDIS_URL", None, "rate-limit storage; unset = in-memory"),
    Setting("CLICKAR_INSURER_NAME", "損保ジャパン", "insurer name in UI copy and mail subjects"),
)

ENVIRONMENTS = ("development", "testing", "staging", "production")


class ConfigError(RuntimeError):
    """The environment asks for something unsafe or impossible."""


def from_environ(environ=None) -> dict:
    """Read the CLICKAR_* variables and return Flask config keys."""
    environ = os.environ if environ is None else environ
    values = {s.name: environ.get(s.name) or s.default for s in SETTINGS}
    env = values["CLICKAR_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigError(f"CLICKAR_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    secret = values["CLICKAR_SECRET_KEY"]
    if env == "production":
        if not secret:
            raise ConfigError("CLICKAR_SECRET_KEY must be set in production")
        if values["CLICKAR_DATABASE_URL"].startswith("sqlite"):
            raise ConfigError("production needs PostgreSQL, not SQLite")
    return {
        "ENV_NAME": env,
        "TESTING": env == "testing",
        "SECRET_KEY": secret,
        "DATABASE_URL": values["CLICKAR_DATABASE_URL"],
        "BASE_URL": values["CLICKAR_BASE_URL"].rstrip("/"),
        "SMTP_URL": values["CLICKAR_SMTP_URL"],
        "MAIL_FROM": values["CLICKAR_MAIL_FROM"],
        "REDIS_URL": values["CLICKAR_REDIS_URL"],
        "INSURER_NAME": values["CLICKAR_INSURER_NAME"],
    }
