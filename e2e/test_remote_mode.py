"""The remote mode, proven on this machine: a second server started as if it
were staging (its own port, CLICKAR_ENV=staging, a test API token, no SMTP
sink), and the core journey run against it through BASE_URL, reading the
verification URL and the one-time password through the test API."""
from __future__ import annotations

import sqlite3

from . import kit
from .kit import run_kit


def test_the_journey_passes_against_a_staging_server_through_the_test_api(tmp_path):
    staging = kit.LocalServer(tmp_path / "staging", tmp_path / "staging.log",
                              env_name="staging", smtp=False).start()
    try:
        result = run_kit(
            tmp_path,
            "e2e/test_registration_journeys.py::test_register_then_log_in_again_with_a_one_time_password",
            extra_env={"BASE_URL": staging.base_url, "CLICKAR_TEST_API_TOKEN": staging.token,
                       "DEVICE": "Pixel 7"})
    finally:
        staging.stop()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "1 passed" in output, output

    log = (tmp_path / "staging.log").read_text(encoding="utf-8")
    assert "clickar e2e server (staging)" in log
    lines = log.splitlines()
    assert any("GET /_test/api/mail" in line and "200" in line for line in lines), \
        "mail must have been read through the test API"
    assert any("POST /_test/api/cleanup" in line and "200" in line for line in lines), \
        "the run must delete what it created"

    db = sqlite3.connect(tmp_path / "staging" / "clickar-e2e.db")
    try:
        left = {table: db.execute(f"SELECT count(*) FROM {table} WHERE {column} LIKE ?", (like,)).fetchone()[0]
                for table, column, like in (("contract", "policy_number", "E2E%"),
                                            ("member", "email", "e2e-%"),
                                            ("pending_registration", "email", "e2e-%"),
                                            ("outbox_mail", "recipient", "e2e-%"))}
        demo = db.execute("SELECT count(*) FROM contract WHERE policy_number LIKE 'SJ%'").fetchone()[0]
    finally:
        db.close()
    assert left == dict.fromkeys(left, 0), left
    assert demo == 3, "the deployment's own contracts are untouched"
