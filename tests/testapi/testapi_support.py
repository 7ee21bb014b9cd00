"""Helpers for the test API tests (imported by name: tests/ has no packages)."""
from __future__ import annotations

import uuid

from clickar import contracts as contract_data
from clickar import create_app
from clickar.db import database, upgrade
from clickar.demo import demo_rows

TOKEN = "e2e-test-api-token-0123456789"


def make_app(database_url, smtp_port=None, **config):
    app = create_app({
        "DATABASE_URL": database_url,
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}" if smtp_port else None,
        "BASE_URL": "http://localhost",
        "RATELIMIT_KEY_PREFIX": f"testapi-{uuid.uuid4().hex}",
        **config,
    })
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        contract_data.upsert(demo_rows())
        database.close()
    return app
