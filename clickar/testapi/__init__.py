"""Test data API for testers: /_test/api/… (CLICKAR_ENV testing or staging, with a token).

The e2e kit uses it against a deployment to create throw-away contracts, to
read the mail a run caused (verification URL, one-time password) without an
SMTP sink, and to delete what the run created. In production and development,
or when CLICKAR_TEST_API_TOKEN is unset, the blueprint is never registered, so
every /_test/api/ path is a plain 404.
"""
from __future__ import annotations

ENABLED_IN = ("testing", "staging")


def enabled(config) -> bool:
    """Only testing/staging, and only with a token of a sensible length."""
    token = config.get("TEST_API_TOKEN") or ""
    return config.get("ENV_NAME") in ENABLED_IN and len(token) >= 16


def init_app(app) -> None:
    if not enabled(app.config):
        return
    from ..extensions import csrf
    from .views import bp

    csrf.exempt(bp)  # JSON with a bearer token, never a browser form
    app.register_blueprint(bp)
