"""One way to make and put away a test app (imported by name: tests/ has no packages).

Used by the `app` fixture of tests/conftest.py and of tests/testapi/, and by tests that need
an app of their own.
"""
from __future__ import annotations

import uuid

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from clickar import contracts as contract_data
from clickar import create_app
from clickar.db import database, upgrade
from clickar.demo import demo_rows


_SPOOLS = Path(tempfile.gettempdir()) / f"clickar-spool-{os.getpid()}"  # this test process's; gone at its end
atexit.register(shutil.rmtree, _SPOOLS, ignore_errors=True)


def make_app(database_url, smtp_port=None, **config):
    """An app on a migrated database holding the demo contracts; its own rate-limit counters."""
    # Each app spools its own flyer scans (a PostgreSQL test database is shared by name).
    config.setdefault("VISIT_SPOOL_INTERVAL", 0)  # no mover thread per test app: tests call flush_scans
    if "VISIT_SPOOL_DIR" not in config:
        config["VISIT_SPOOL_DIR"] = str(_SPOOLS / uuid.uuid4().hex)
    app = create_app({
        "DATABASE_URL": database_url,
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}" if smtp_port else None,
        "BASE_URL": "http://localhost",
        # Each app counts its own rate limits (shared Redis across workers stays apart).
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        **config,
    })
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        contract_data.upsert(demo_rows())
        database.close()
    return app


def close_app(app) -> None:
    """Wait for the app's mail threads, close the connection, put its scans' spool away."""
    from clickar.flyers.spool import folder_for, for_app

    for thread in app.extensions.get("mail_threads", []):
        thread.join(timeout=10)
    for_app(app).close()
    if _SPOOLS in folder_for(app).parents:
        shutil.rmtree(folder_for(app), ignore_errors=True)
    if not database.is_closed():
        database.close()
