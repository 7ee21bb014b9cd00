"""The kit tests itself: a failing test leaves its evidence where the README says.

`test_deliberately_failing_login` only runs (and fails) when
E2E_DELIBERATE_FAILURE=1; the self-test runs it in a subprocess with its own
reports folder and checks for reports/e2e/<test name>/{trace.zip,
screenshot.png, server.log, console.log} and the HTML report.
"""
from __future__ import annotations

import importlib.util
import os
import zipfile

import pytest

from .kit import run_kit
from .pages import LoginPage

DELIBERATE = os.environ.get("E2E_DELIBERATE_FAILURE") == "1"
HAVE_PYTEST_HTML = importlib.util.find_spec("pytest_html") is not None


@pytest.mark.skipif(not DELIBERATE, reason="fails on purpose; run by the kit's self-test only")
def test_deliberately_failing_login(phone, people):
    person = people.new()
    login = LoginPage(phone).open()
    login.field("メールアドレス").fill(person.email)
    assert login.heading == "this heading does not exist", "deliberate failure (E2E_DELIBERATE_FAILURE=1)"


def test_a_failing_test_leaves_a_trace_a_screenshot_and_the_server_log(tmp_path):
    report = tmp_path / "reports" / "report.html"
    html = [f"--html={report}", "--self-contained-html"] if HAVE_PYTEST_HTML else []
    result = run_kit(tmp_path, "e2e/test_kit_selftest.py::test_deliberately_failing_login", *html,
                     extra_env={"E2E_DELIBERATE_FAILURE": "1", "DEVICE": "Pixel 7"})
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "1 failed" in output, output

    folder = tmp_path / "reports" / "test_deliberately_failing_login-Pixel-7"
    assert sorted(p.name for p in folder.iterdir()) == [
        "console.log", "screenshot.png", "server.log", "trace.zip"], output
    assert (folder / "screenshot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with zipfile.ZipFile(folder / "trace.zip") as trace:
        assert any(name.endswith(".trace") for name in trace.namelist())
    log = (folder / "server.log").read_text(encoding="utf-8")
    assert "GET /mypage/login" in log, log
    assert "POST /_test/api/contracts" in log, log
    assert str(folder / "trace.zip") in output, "the failure report names the evidence"
    if HAVE_PYTEST_HTML:
        page = report.read_text(encoding="utf-8")
        assert "test_deliberately_failing_login" in page and "trace.zip" in page
