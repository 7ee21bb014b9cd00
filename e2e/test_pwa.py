"""The installable PWA (issue 6): install, offline, personal data, updates, first-load weight.

These tests need what the kit's `open_phone` switches off: a browser profile
that is not incognito (Chromium refuses to install from one) and service
workers. `installed_phone` is therefore a persistent context on the kit's
server (`target`); the update test runs its own in-process app so it can change
the asset version while the page is open.
"""
from __future__ import annotations

import re
import threading
import time

import pytest
from playwright.sync_api import expect

from . import kit
from .pages import LoginPage, MyPageTop
from .pages.journeys import register

WALK_CACHES = """async () => {
  const out = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    out[name] = [];
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      out[name].push({ url: request.url, type: response.headers.get("content-type") || "",
                       body: (response.headers.get("content-type") || "").startsWith("text/html")
                             ? await response.text() : "" });
    }
  }
  return out;
}"""
WAIT_FOR_WORKER = "navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)"
HASHED = re.compile(r"^/static/.+\.[0-9a-f]{8}\.[a-z0-9]+$")


def _open(pw, base_url, profile, device):
    options = kit.context_options(pw, device)
    options["service_workers"] = "allow"
    context = pw.chromium.launch_persistent_context(
        str(profile), executable_path=kit.CHROMIUM, args=kit.LAUNCH_ARGS, base_url=base_url, **options)
    context.set_default_timeout(15_000)
    return context, (context.pages[0] if context.pages else context.new_page())


@pytest.fixture
def installed_phone(pw, target, device_name, tmp_path):
    """A phone whose browser keeps a profile and runs Clickar's service worker."""
    context, page = _open(pw, target.base_url, tmp_path / "profile", device_name)
    yield page
    context.close()


def controlled(page, path: str):
    """Open `path`, wait for the service worker, and reload so it controls the page."""
    page.goto(path)
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    assert page.evaluate(WAIT_FOR_WORKER), "the service worker does not control the page"


def caches_now(page) -> dict:
    return page.evaluate(WALK_CACHES)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


# ------------------------------------------------------------------ install

def test_the_login_page_is_installable_with_no_installability_errors(installed_phone):
    page = installed_phone
    controlled(page, "/mypage/login")
    cdp = page.context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []
    assert '"start_url":"/mypage/?source=pwa"' in manifest["data"].replace(" ", "")


# ------------------------------------------------------------------ offline

def test_offline_a_page_load_shows_the_offline_page_and_an_htmx_action_a_toast(installed_phone):
    page = installed_phone
    controlled(page, "/mypage/login")
    page.context.set_offline(True)
    try:
        page.goto("/mypage/register/")
        expect(page.get_by_role("heading", level=1, name="オフラインです")).to_be_visible()
        expect(page.get_by_text("インターネットに接続されていないため")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/mypage/register/$"))  # the address stays; retry = reload
        # issue 19 item 18: no AIチャット (it cannot answer offline), numbers to phone instead
        expect(page.get_by_role("link", name="AIチャット")).to_have_count(0)
        expect(page.get_by_role("link", name="0120-888-089")).to_have_attribute("href", "tel:0120888089")
        expect(page.get_by_text("取扱代理店の電話番号は、保険証券またはチラシに記載しています。")).to_be_visible()

        page.context.set_offline(False)
        login = LoginPage(page).open()
        page.context.set_offline(True)
        login.link("新規登録").click()  # hx-get: the network is gone
        expect(page.locator("#toast")).to_have_text(re.compile("通信できませんでした"))
        login.expect_shown()  # no blank swap: the login screen is still there
    finally:
        page.context.set_offline(False)


# ------------------------------------------------------------------ personal data

def test_no_cache_holds_a_personal_page_and_logout_empties_every_cache(installed_phone, people, mailbox):
    page = installed_phone
    person = people.new()
    top = register(page, person, mailbox)
    page.reload()  # My Page top again, now under the service worker
    assert page.evaluate(WAIT_FOR_WORKER)
    top = MyPageTop(page).expect_shown()
    top.start_renewal(person.car_names[0])  # a contract's page too (htmx)
    page.goto("/mypage/")
    secret = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert secret

    stored = caches_now(page)
    assert stored, "the service worker caches the offline page and static files"
    for entries in stored.values():
        for entry in entries:
            path = path_of(entry["url"])
            assert path == "/offline" or HASHED.match(path), f"{path} must not be cached"
            for private in (person.email, person.name, person.car_names[0], person.policy_numbers[0], secret):
                assert private not in entry["body"], f"{path} holds {private!r}"
            assert "ログアウト" not in entry["body"]

    top.log_out()  # back on the login page with ログアウトしました。
    page.wait_for_function("caches.keys().then(keys => keys.length === 0)")
    page.wait_for_timeout(300)  # anything still in flight would show up now
    assert caches_now(page) == {}


# ------------------------------------------------------------------ updates

@pytest.fixture
def own_app(tmp_path, monkeypatch):
    """Clickar served from this process, so a test can change its asset version."""
    from werkzeug.serving import make_server

    monkeypatch.setenv("CLICKAR_ENV", "testing")
    from clickar import create_app
    from clickar.db import database, upgrade

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'own.db'}"})
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        database.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.base_url = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join(timeout=5)


def test_a_new_version_offers_a_reload_toast_that_activates_it(pw, own_app, device_name, tmp_path):
    context, page = _open(pw, own_app.base_url, tmp_path / "profile", device_name)
    try:
        controlled(page, "/mypage/login")
        old = own_app.config["ASSET_VERSION"]
        own_app.config["ASSET_VERSION"] = "e2e" + str(int(time.time()))  # a deploy
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")

        toast = page.locator("#toast")
        expect(toast).to_contain_text("新しいバージョンがあります")
        with page.expect_navigation():
            toast.get_by_role("button", name="再読み込み").click()
        LoginPage(page).expect_shown()
        page.wait_for_function(f"caches.keys().then(k => k.length === 1 && k[0] === "
                               f"'clickar-static-{own_app.config['ASSET_VERSION']}')")
        assert old not in str(page.evaluate("caches.keys()"))
    finally:
        context.close()


# ------------------------------------------------------------------ ホーム画面に追加

def second_visit(page):
    """The same browser, a new tab: the login page as a returning visitor sees it."""
    LoginPage(page).open()
    again = page.context.new_page()
    LoginPage(again).open()
    return again


def test_android_install_button_opens_the_browsers_prompt(open_phone):
    page = second_visit(open_phone(device="Pixel 7"))
    panel = page.locator("#install")
    expect(panel).to_be_hidden()
    # Chromium fires beforeinstallprompt when it judges the site installable; stand in for it.
    page.evaluate("""() => {
      const event = new Event("beforeinstallprompt", { cancelable: true });
      event.prompt = () => { window.promptShown = true; return Promise.resolve(); };
      window.dispatchEvent(event);
    }""")
    expect(panel).to_be_visible()
    panel.get_by_role("button", name="ホーム画面に追加").click()
    assert page.evaluate("window.promptShown === true")
    expect(panel).to_be_hidden()


def test_the_install_help_waits_for_a_second_visit_so_a_first_visitor_sees_new_registration(open_phone):
    """Issue 19 item 19: on the very first visit it competed with 新規登録."""
    page = open_phone(device="iPhone 13")
    LoginPage(page).open()
    expect(page.get_by_role("link", name="新規登録")).to_be_visible()
    expect(page.locator("#install")).to_be_hidden()
    page.reload()  # the same visit
    expect(page.locator("#install")).to_be_hidden()
    expect(second_visit(page).locator("#install")).to_be_visible()


def test_iphone_safari_gets_a_guide_that_stays_closed_once_closed(open_phone):
    page = second_visit(open_phone(device="iPhone 13"))
    sheet = page.locator("#install")
    expect(sheet).to_be_visible()
    expect(sheet).to_contain_text("共有ボタン")
    expect(sheet).to_contain_text("「ホーム画面に追加」")
    sheet.get_by_role("button", name="閉じる").click()
    expect(sheet).to_be_hidden()
    page.reload()
    LoginPage(page).expect_shown()
    expect(sheet).to_be_hidden()


def test_install_help_stays_off_the_registration_steps(open_phone):
    page = open_phone(device="iPhone 13")
    page.goto("/mypage/register/terms")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#install")).to_be_hidden()


# ------------------------------------------------------------------ weight

BUDGET = 45 * 1024


def test_first_load_of_the_login_page_transfers_at_most_45_kb(installed_phone, record_property):
    """Everything the browser fetches for the first visit (HTML, CSS, JS, icons, manifest),
    as sent on the wire (headers included, gzip as the browser asks), from CDP's Network events."""
    page = installed_phone
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    responses, sizes = {}, {}
    cdp.on("Network.responseReceived", lambda e: responses.__setitem__(e["requestId"], e["response"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto("/mypage/login", wait_until="networkidle")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_timeout(500)

    fetched = {path_of(r["url"]): (sizes.get(rid, 0), r) for rid, r in responses.items()}
    kinds = {"html": "/mypage/login", "manifest": "/manifest.webmanifest"}
    for name, path in kinds.items():
        assert path in fetched, f"no {name} in {sorted(fetched)}"
    assert any(p.endswith(".css") for p in fetched) and any(p.endswith(".js") for p in fetched)
    assert any(p.startswith("/static/icons/") for p in fetched)
    for path, (_size, response) in fetched.items():
        headers = {k.lower(): v for k, v in response["headers"].items()}
        if re.search(r"\.(css|js|svg)$", path) or path == "/mypage/login":
            assert headers.get("content-encoding") in ("gzip", "br"), f"{path} is not compressed"
    total = sum(size for size, _ in fetched.values())
    record_property("first_load_bytes", total)
    print(f"\nfirst load of /mypage/login: {total} bytes over {len(fetched)} responses")
    for path, (size, _r) in sorted(fetched.items(), key=lambda kv: -kv[1][0]):
        print(f"  {size:>6}  {path}")
    assert total <= BUDGET, f"{total} bytes > {BUDGET}"
