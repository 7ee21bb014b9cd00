"""Fixtures of the e2e kit (independent of tests/conftest.py, so `pytest e2e` runs alone).

- `target`   the app under test: a local server this worker starts (default)
             or a deployment (BASE_URL + CLICKAR_TEST_API_TOKEN).
- `mailbox`  mail to an address: the SMTP sink locally, the test API remotely.
- `people`   `people.new()` → a Person with fresh contracts and mail address.
- `device_name`  the Playwright device profile (DEVICE / DEVICES, see kit.py).
- `open_phone(javascript=True)` → a new Page in a fresh browser context
             emulating the device; `phone` is one with JavaScript on.

On failure the test's folder reports/e2e/<test name>/ keeps trace.zip,
screenshot.png, server.log and console.log (E2E_REPORTS moves reports/e2e).
"""
from __future__ import annotations

import base64
import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from . import kit

EXPECT_TIMEOUT_MS = 10_000
ACTION_TIMEOUT_MS = 15_000


# ------------------------------------------------------------------ options and collection

def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: drives Debian's chromium through Playwright against a live server")
    config.addinivalue_line("markers", "every_device: runs on every device of the run (DEVICES / DEVICE; "
                                       "by default iPhone 13 and Pixel 7)")
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        _fresh_reports_folder()


def _fresh_reports_folder():
    """Evidence of the previous run goes; report.html is rewritten by pytest-html."""
    kit.REPORTS.mkdir(parents=True, exist_ok=True)
    for entry in kit.REPORTS.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.suffix in (".log",):
            entry.unlink(missing_ok=True)


_DEVICES: dict | None = None


def _devices() -> dict:
    """{"all": every profile name, "mobile": the mobile ones}, read once per process."""
    global _DEVICES
    if _DEVICES is None:
        with sync_playwright() as p:
            _DEVICES = {"all": list(kit.all_devices(p)), "mobile": kit.mobile_devices(p)}
    return _DEVICES


def pytest_generate_tests(metafunc):
    if "device_name" not in metafunc.fixturenames:
        return
    chosen = kit.env("DEVICE") or kit.env("DEVICES")
    needs_list = kit.env("DEVICES").lower() == "mobile"
    single, journey = kit.device_choice(_devices()["mobile"] if needs_list else None)
    if chosen:
        unknown = sorted({single, *journey} - set(_devices()["all"]))
        if unknown:
            raise pytest.UsageError(f"unknown device(s) {', '.join(map(repr, unknown))}: use a name from "
                                    "Playwright's list (README \"For testers\") or add it to e2e/devices.py")
    every = metafunc.definition.get_closest_marker("every_device") is not None
    devices = journey if every else [single]
    metafunc.parametrize("device_name", devices, ids=devices, scope="function")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    if report.failed and report.when in ("setup", "call") and "open_phone" in getattr(item, "fixturenames", ()):
        folder = kit.REPORTS / kit.slug(item.name)
        report.sections.append(("e2e evidence", (
            f"kept in {folder}/ (trace.zip, screenshot.png, server.log, console.log)\n"
            f"open the trace: playwright show-trace {folder / 'trace.zip'}")))
    if report.when == "teardown":
        _attach_evidence(item, report)


_REPORTS = pytest.StashKey[dict]()
_EVIDENCE = pytest.StashKey[list]()


def _failed(item) -> bool:
    reports = item.stash.get(_REPORTS, {})
    return any(r.failed for r in reports.values())


def _attach_evidence(item, report):
    """Links to the kept evidence in pytest-html's report (when --html is given)."""
    files = item.stash.get(_EVIDENCE, [])
    if not files:
        return
    html = item.config.pluginmanager.getplugin("html")
    htmlpath = getattr(item.config.option, "htmlpath", None)
    if html is None or not htmlpath:
        return
    base = Path(item.config.invocation_params.dir, htmlpath).parent
    extras = getattr(report, "extras", [])
    for path in files:
        relative = os.path.relpath(path, base)
        if path.suffix == ".png" and item.config.getoption("self_contained_html", default=False):
            extras.append(html.extras.png(base64.b64encode(path.read_bytes()).decode(), name=path.name))
        elif path.suffix == ".png":
            extras.append(html.extras.image(relative, name=path.name))
        else:
            extras.append(html.extras.url(relative, name=path.name))
    report.extras = extras


# ------------------------------------------------------------------ the app under test

def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def target():
    """The running app: remote when BASE_URL is set, else a local server of this worker."""
    remote = kit.remote_target()
    if remote is not None:
        yield remote
        return
    workdir = Path(tempfile.mkdtemp(prefix="clickar-e2e-"))
    server = kit.LocalServer(workdir, kit.REPORTS / f"server-{_worker()}.log").start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def _people(target):
    people = kit.People(target.api, secrets.token_hex(3).upper(),
                        mail_domain=kit.env("E2E_MAIL_DOMAIN") or "example.jp")
    yield people
    people.cleanup()  # what this worker created, through the test API


@pytest.fixture
def people(_people):
    """Fresh people for this test; rate-limit counters start from zero (the
    limits are the production ones: a whole run from one address would hit them)."""
    _people.api.reset_limits()
    return _people


@pytest.fixture
def mailbox(target):
    return target.mailbox


@pytest.fixture
def base_url(target):
    return target.base_url


# ------------------------------------------------------------------ browser

@pytest.fixture(scope="session")
def pw():
    with sync_playwright() as playwright:
        expect.set_options(timeout=EXPECT_TIMEOUT_MS)
        yield playwright


@pytest.fixture(scope="session")
def chromium(pw):
    try:
        browser, problem = kit.launch_chromium(pw), None
    except kit.BrowserMismatch as e:
        problem = str(e)
    if problem:  # one line, on every e2e test, instead of a timeout in the middle of a journey
        pytest.fail(problem, pytrace=False)
    yield browser
    browser.close()


@pytest.fixture
def device_name():
    """Overridden by parametrization (pytest_generate_tests); here for direct use."""
    return kit.device_choice()[0]


@pytest.fixture
def open_phone(request, pw, chromium, target, device_name):
    """open_phone(javascript=True, device=None) → a Page in a fresh context.

    Every context is traced; on failure the trace, a full-page screenshot, the
    browser console and the server log of the test's time span are kept.
    """
    opened = []
    log_offset = target.log_offset()

    def open_(javascript: bool = True, device: str | None = None):
        context = chromium.new_context(base_url=target.base_url,
                                       **kit.context_options(pw, device or device_name, javascript))
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.tracing.start(title=request.node.nodeid, screenshots=True, snapshots=True, sources=True)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(f"[{m.type}] {m.text}"))
        page.on("pageerror", lambda e: console.append(f"[pageerror] {e}"))
        opened.append((context, page, console))
        return page

    yield open_

    failed = _failed(request.node)
    folder = kit.REPORTS / kit.slug(request.node.name)
    kept: list[Path] = []
    if failed:
        folder.mkdir(parents=True, exist_ok=True)
    for index, (context, page, console) in enumerate(opened, start=1):
        suffix = "" if len(opened) == 1 else f"-{index}"
        if failed:
            shot = folder / f"screenshot{suffix}.png"
            try:
                page.screenshot(path=shot, full_page=True, timeout=5000)
                kept.append(shot)
            except Exception as exc:  # noqa: BLE001 - evidence is best effort, never a new failure
                (folder / f"screenshot{suffix}.error.txt").write_text(repr(exc))
            trace = folder / f"trace{suffix}.zip"
            context.tracing.stop(path=trace)
            kept.append(trace)
            (folder / f"console{suffix}.log").write_text("\n".join(console) + "\n", encoding="utf-8")
            kept.append(folder / f"console{suffix}.log")
        else:
            context.tracing.stop()
        context.close()
    if failed:
        log = folder / "server.log"
        log.write_text(target.log_since(log_offset), encoding="utf-8")
        kept.append(log)
        request.node.stash[_EVIDENCE] = kept


@pytest.fixture
def phone(open_phone):
    return open_phone(javascript=True)


@pytest.fixture(scope="module")
def staff_account(target):
    """The marketing staffer the flyer console tests log in as (local mode only)."""
    from .pages.staff import STAFF_EMAIL, STAFF_PASSWORD, make_staff

    make_staff(target, STAFF_EMAIL, STAFF_PASSWORD)
    return STAFF_EMAIL, STAFF_PASSWORD
