"""Manifest, icons, service worker, offline page, install help (issue 6)."""
from __future__ import annotations

import re
import shutil
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
CSS = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")


def css_colour(name: str) -> str:
    return re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", CSS).group(1).lower()


def test_the_manifest_names_my_page_in_japanese_and_opens_it_standalone(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["name"] == "損保ジャパン マイページ（Clickar）"
    assert manifest["short_name"] == "Clickar"  # issue 19 item 19: findable among other マイページ icons
    assert manifest["lang"] == "ja"
    assert manifest["start_url"] == "/mypage/?source=pwa"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == css_colour("brand") == "#b8001f"
    assert manifest["background_color"] == css_colour("bg")


def test_the_manifest_icons_are_the_sizes_it_says(client):
    icons = client.get("/manifest.webmanifest").get_json()["icons"]
    purposes = {(icon["sizes"], icon.get("purpose", "any")) for icon in icons}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes
    for icon in icons:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon
        assert "immutable" in response.headers["Cache-Control"]
        image = Image.open(BytesIO(response.data))
        assert f"{image.width}x{image.height}" == icon["sizes"]
        assert len(response.data) < 8 * 1024, f"{icon['src']} is heavier than an icon needs"


def test_maskable_and_apple_icons_are_full_bleed_and_the_others_rounded():
    folder = ROOT / "static" / "icons"
    for name in ("maskable-512.png", "apple-touch-icon.png"):
        image = Image.open(folder / name).convert("RGBA")
        assert image.getpixel((0, 0))[3] == 255, name  # the launcher or iOS cuts its own shape
    corner = Image.open(folder / "icon-512.png").convert("RGBA").getpixel((0, 0))
    assert corner[3] == 0
    assert Image.open(folder / "apple-touch-icon.png").size == (180, 180)


def test_every_page_links_the_manifest_and_the_180px_apple_touch_icon(client):
    html = client.get("/mypage/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    href = re.search(r'<link rel="apple-touch-icon" href="([^"]+)"', html).group(1)
    assert Image.open(BytesIO(client.get(href).data)).size == (180, 180)
    assert '<meta name="theme-color" content="#b8001f">' in html


@pytest.mark.skipif(not shutil.which("rsvg-convert"), reason="needs Debian librsvg2-bin")
def test_make_icons_draws_every_png_from_the_one_svg(tmp_path):
    from clickar.pwa.icons import ICONS, build

    shutil.copy(ROOT / "static" / "icons" / "icon.svg", tmp_path / "icon.svg")
    made = build(tmp_path)
    assert sorted(p.name for p in made) == sorted(name for name, _size, _bleed in ICONS)
    for name, size, _bleed in ICONS:
        assert Image.open(tmp_path / name).size == (size, size)


# ------------------------------------------------------------------ service worker

def test_the_service_worker_is_rendered_with_the_asset_version_and_revalidated(app, client):
    response = client.get("/sw.js")
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    assert f'const VERSION = "{app.config["ASSET_VERSION"]}";' in body
    precached = re.findall(r'"(/static/[^"]+)"', body)
    assert precached and all(re.search(r"\.[0-9a-f]{8}\.[a-z]+$", url) for url in precached)
    login = client.get("/mypage/login").get_data(as_text=True)
    for url in precached:
        assert url in login or url.endswith(".svg") or client.get(url).status_code == 200


def test_a_deploy_with_other_assets_changes_the_service_worker(app, client):
    before = client.get("/sw.js").data
    app.config["ASSET_VERSION"] = "0123456789ab"
    after = client.get("/sw.js").data
    assert before != after and b"0123456789ab" in after


def test_the_service_worker_only_ever_stores_the_offline_page_and_hashed_files(client):
    """The rules, read from the script itself: one cache.put, guarded by the hashed-name test;
    addAll only with the precache list (the offline page and hashed files)."""
    body = client.get("/sw.js").get_data(as_text=True)
    assert body.count("cache.put(") == 1 and body.count("addAll(") == 1
    assert "HASHED.test(url.pathname)" in body
    assert 'if (request.method !== "GET") return;' in body
    assert "clear-caches" in body and "skip-waiting" in body


# ------------------------------------------------------------------ offline page

def test_the_offline_page_says_so_in_japanese(client):
    html = client.get("/offline").get_data(as_text=True)
    assert "オフラインです" in html
    assert "再読み込み" in html


def test_the_offline_page_offers_phone_numbers_and_no_chat(client):
    """Issue 19 item 18: the AIチャット button cannot work offline; the numbers can."""
    html = client.get("/offline").get_data(as_text=True)
    assert "AIチャット" not in html and "chat-launcher" not in html
    assert '<a href="tel:0120888089">0120-888-089</a>' in html  # 引受保険会社 カスタマーセンター
    assert '<a href="tel:0120256110">0120-256-110</a>' in html  # 事故のご連絡
    assert "取扱代理店の電話番号は、保険証券またはチラシに記載しています。" in html


def test_the_offline_page_holds_no_token_and_nothing_personal_for_a_member(client, actions):
    actions.register()
    top = client.get("/mypage/").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', top).group(1)
    assert "ログアウト" in top
    html = client.get("/offline").get_data(as_text=True)
    assert token not in html
    assert 'name="csrf-token" content=""' in html
    assert "ログアウト" not in html
    personal = re.findall(r'<h2 class="card__title">([^<]+)</h2>|<dd>([A-Z]{2}\d+)</dd>', top)
    assert personal, "My Page shows the member's cars and policy numbers"
    for car, policy in personal:
        assert (car or policy) not in html


def test_logout_lands_on_the_login_page_that_empties_the_caches(client, actions):
    actions.register()
    token = re.search(r'name="csrf-token" content="([^"]+)"',
                      client.get("/mypage/").get_data(as_text=True)).group(1)
    response = client.post("/mypage/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert "logged_out=1" in response.headers["Location"]
    app_js = (ROOT / "static" / "js" / "app.js").read_text(encoding="utf-8")
    assert "logged_out=" in app_js and "caches.delete" in app_js


# ------------------------------------------------------------------ install help

def test_install_help_is_on_the_page_but_hidden_until_javascript_shows_it(client):
    html = client.get("/mypage/login").get_data(as_text=True)
    panel = re.search(r'<aside id="install"[^>]*>', html).group(0)
    assert "hidden" in panel
    assert "ホーム画面に追加" in html and "共有ボタン" in html
    assert "<script>" not in html and " style=" not in html  # CSP: default-src 'self'
