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


@pytest.mark.timeout(400)
@pytest.mark.xfail(reason="known finding of the audit (issue 23, still open): a few scans around Redis's "
                          "restart are counted in the funnel although the client got no 302", strict=False)
def test_short_loadtest_with_faults_passes_its_audit(postgres_and_redis):
    run = subprocess.run([sys.executable, "-m", "bench.loadtest", "--duration", "45", "--users", "24"],
                         cwd=ROOT, capture_output=True, text=True, timeout=380)
    report = json.loads((ROOT / "reports" / "loadtest" / "report.json").read_text())
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    events = [e["event"] for e in report["timeline"]]
    assert any("kill -9" in e for e in events) and any("Redis restarted" in e for e in events)
    scans = [s for s in report["steps"] if s["step"] == "/r/CODE"]
    assert scans and scans[0]["requests"] > 0 and report["findings"] == []


def test_the_audit_finds_a_scan_the_funnel_lost(postgres_and_redis, tmp_path):
    from bench import loadtest

    stack = loadtest.Stack(POSTGRES_URL, tmp_path)
    stack.make_database("LTAUDIT2")
    try:
        (tmp_path / "app.log").write_text('{"event": "request", "status": 302}\n')
        scans = tmp_path / "scans.txt"
        scans.write_text("ok 10.0.0.1\n")  # the client saw one scan answered; the database holds none
        findings = loadtest.audit(stack, scans, tmp_path / "none_stats.csv")
        assert any("funnel counts 0" in f for f in findings), findings
        (tmp_path / "app.log").write_text('{"event": "request", "status": 500}\n')
        assert any("500" in f for f in loadtest.audit(stack, scans, tmp_path / "none_stats.csv"))
    finally:
        stack.drop_database()
