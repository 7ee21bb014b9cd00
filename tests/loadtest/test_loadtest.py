"""make loadtest's short run (issue 23): ~60 s, a few dozen users, the faults; its audit must pass,
and the audit must find a scan the funnel lost. Needs PostgreSQL and redis-server."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
POSTGRES_URL = os.environ.get("CLICKAR_TEST_POSTGRES_URL")
sys.path.insert(0, str(ROOT / "tests"))
from servers import answers  # noqa: E402


@pytest.fixture
def postgres_and_redis():
    if not POSTGRES_URL or not answers(POSTGRES_URL, 5432):
        pytest.skip("CLICKAR_TEST_POSTGRES_URL is not set or does not answer")
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")


@pytest.mark.timeout(600)
def test_short_loadtest_with_faults_passes_its_audit(postgres_and_redis):
    run = subprocess.run([sys.executable, "-m", "bench.loadtest", "--duration", "60", "--users", "24"],
                         cwd=ROOT, capture_output=True, text=True, timeout=580)
    report = json.loads((ROOT / "reports" / "loadtest" / "report.json").read_text())
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    events = " | ".join(e["event"] for e in report["timeline"])
    for fault in ("kill -9", "Redis restarted", "SMTP sink stopped", "pg_terminate_backend"):
        assert fault in events, events
    steps = {s["step"]: s["requests"] for s in report["steps"]}
    assert steps.get("/r/CODE", 0) > 0 and steps.get("/help/chat/api", 0) > 0, steps
    assert report["journeys"]["complete"] > 0 and steps.get("更新 確定", 0) > 0, report["journeys"]
    assert report["mail"]["lag_p95_s"] is not None and report["findings"] == []


def test_the_audit_finds_a_scan_the_funnel_lost_or_counted_too_often(postgres_and_redis, tmp_path):
    from bench import loadtest
    from clickar import create_app
    from clickar.db import database
    from clickar.flyers.tracking import record_visit
    from clickar.models import Campaign

    stack = loadtest.Stack(POSTGRES_URL, tmp_path)
    stack.make_database("LTAUDIT2")
    try:
        (tmp_path / "app.log").write_text('{"event": "request", "status": 302}\n')
        scans = tmp_path / "scans.txt"
        scans.write_text("ok 10.0.0.1\nrefused 10.0.1.1\n")  # one answered, one 503: the funnel holds none
        findings = loadtest.audit(stack, scans, tmp_path / "none_stats.csv")
        assert findings == ["scans: 1 answered 302 but not in the funnel (e.g. 10.0.0.1)"], findings
        app = create_app({"DATABASE_URL": stack.db_url})
        with app.app_context():
            database.connect(reuse_if_open=True)
            campaign = Campaign.by_code("LTAUDIT2")
            for address in ("10.0.0.1", "10.0.1.1"):  # both counted once: a 503 that was counted is right
                record_visit(campaign, address, "", stack.secret)
            assert loadtest.audit(stack, scans, tmp_path / "none_stats.csv") == []
            record_visit(campaign, "10.0.1.1", "", stack.secret)  # counted twice, reached the app once
            database.close()
        findings = loadtest.audit(stack, scans, tmp_path / "none_stats.csv")
        assert any("counted more often than their scans reached the app" in f for f in findings), findings
        (tmp_path / "app.log").write_text('{"event": "request", "status": 500}\n')
        assert any("500" in f for f in loadtest.audit(stack, scans, tmp_path / "none_stats.csv"))
    finally:
        stack.drop_database()
