"""Static files under hashed names, cached for a year, served compressed (issue 6)."""
from __future__ import annotations

import gzip
import hashlib
import re
import tempfile
from pathlib import Path

from flask import Response
from hypothesis import given, settings
from hypothesis import strategies as st

from clickar.assets import Assets

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
GZIP = {"Accept-Encoding": "gzip, deflate"}
LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def linked_files(client, path="/mypage/login") -> list[str]:
    return LINK.findall(client.get(path).get_data(as_text=True))


def digest(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:8]


def test_the_login_page_links_its_css_js_and_icons_by_content_hash(client):
    links = linked_files(client)
    for name in ("css/app.css", "js/app.js", "vendor/htmx.min.js", "icons/icon.svg", "icons/apple-touch-icon.png"):
        stem, ext = name.rsplit(".", 1)
        assert f"/static/{stem}.{digest(name)}.{ext}" in links, links


def test_hashed_files_are_cached_for_a_year_as_immutable(client):
    for url in linked_files(client):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", url


def test_hashed_files_are_the_files_themselves(client):
    css = next(u for u in linked_files(client) if u.endswith(".css"))
    assert client.get(css).data == (STATIC / "css/app.css").read_bytes()
    assert client.get(css).mimetype == "text/css"


def test_plain_names_still_work_but_are_only_briefly_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_an_outdated_hash_gets_the_current_file_without_immutable_caching(client):
    response = client.get("/static/css/app.00000000.css")
    assert response.status_code == 200
    assert response.data == (STATIC / "css/app.css").read_bytes()
    assert "immutable" not in response.headers["Cache-Control"]


def test_an_unknown_static_file_is_a_404(client):
    assert client.get("/static/css/nothing.1234abcd.css").status_code == 404
    assert client.get("/static/../pyproject.toml").status_code == 404


def test_text_assets_are_served_gzipped_when_the_browser_accepts_it(client):
    for url in linked_files(client):
        if not re.search(r"\.(css|js|svg)$", url):
            continue
        response = client.get(url, headers=GZIP)
        plain = client.get(url)
        assert response.headers["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in response.headers["Vary"], url
        assert gzip.decompress(response.data) == plain.data, url
        assert int(response.headers["Content-Length"]) == len(response.data) < len(plain.data)
        assert "Content-Encoding" not in plain.headers


def test_text_assets_are_served_brotli_compressed_to_browsers_that_accept_br(client):
    """brotli is the `brotli` extra, in the app lock: every browser asking `br` gets the smaller file."""
    import brotli

    for url in linked_files(client):
        if not re.search(r"\.(css|js)$", url):
            continue
        packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        plain = client.get(url)
        assert packed.headers["Content-Encoding"] == "br", url
        assert brotli.decompress(packed.data) == plain.data, url
        assert len(packed.data) < len(client.get(url, headers=GZIP).data), url


def test_gzip_refused_with_q0_is_not_sent(client):
    url = next(u for u in linked_files(client) if u.endswith(".css"))
    assert "Content-Encoding" not in client.get(url, headers={"Accept-Encoding": "gzip;q=0"}).headers


def test_images_are_sent_as_they_are(client):
    png = next(u for u in linked_files(client) if u.endswith(".png"))
    response = client.get(png, headers=GZIP)
    assert "Content-Encoding" not in response.headers
    assert response.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_revalidation_of_an_unchanged_file_answers_304(client):
    url = next(u for u in linked_files(client) if u.endswith(".js"))
    first = client.get(url, headers=GZIP)
    again = client.get(url, headers={**GZIP, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_static_files_carry_no_cookie_even_for_a_member(client, actions):
    actions.register()
    assert client.get("/mypage/").status_code == 200  # logged in: the session is refreshed on pages
    response = client.get(next(u for u in linked_files(client, "/mypage/") if u.endswith(".css")))
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


# ------------------------------------------------------------------ HTML

def test_pages_over_1kb_are_gzipped_for_browsers_that_accept_it(client):
    plain = client.get("/mypage/login")
    packed = client.get("/mypage/login", headers=GZIP)
    assert len(plain.data) > 1024
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"] and "HX-Request" in packed.headers["Vary"]
    html = gzip.decompress(packed.data).decode()
    assert "マイページログイン" in html
    assert len(packed.data) < len(plain.data) / 2


def test_pages_stay_plain_without_accept_encoding_but_still_say_they_vary(client):
    response = client.get("/mypage/login")
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.headers["Vary"]


def test_small_answers_are_not_compressed(client):
    response = client.get("/healthz", headers=GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers


def test_htmx_422_answers_are_compressed_too(client, actions):
    data = {"email": "", "password": "", "csrf_token": actions.csrf()}
    plain = client.post("/mypage/login", data=data, headers={"HX-Request": "true"})
    packed = client.post("/mypage/login", data=data, headers={**GZIP, "HX-Request": "true"})
    assert plain.status_code == packed.status_code == 422
    assert len(plain.data) > 1024
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data


def test_streamed_and_already_encoded_responses_are_left_alone(app):
    def stream():
        yield "<p>" + "あ" * 2000 + "</p>"

    app.add_url_rule("/_t/stream", "t_stream", lambda: Response(stream(), mimetype="text/html"))
    app.add_url_rule("/_t/encoded", "t_encoded", lambda: Response(
        gzip.compress(b"x" * 5000), mimetype="text/html", headers={"Content-Encoding": "gzip"}))
    client = app.test_client()
    streamed = client.get("/_t/stream", headers=GZIP)
    assert "Content-Encoding" not in streamed.headers
    assert "あ" * 2000 in streamed.get_data(as_text=True)
    encoded = client.get("/_t/encoded", headers=GZIP)
    assert gzip.decompress(encoded.data) == b"x" * 5000  # compressed once, not twice


# ------------------------------------------------------------------ the asset table

def test_the_asset_version_changes_when_any_static_file_changes(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "a.css").write_text("body { color: red }")
    (tmp_path / "b.js").write_text("1")
    before = Assets(tmp_path)
    version, name = before.version, before.get("css/a.css").hashed_name
    (tmp_path / "css" / "a.css").write_text("body { color: blue }")
    after = Assets(tmp_path)
    assert after.version != version
    assert after.get("css/a.css").hashed_name != name
    assert before.get("css/a.css").hashed_name == after.get("css/a.css").hashed_name  # re-read on change


def test_a_deployed_asset_table_keeps_the_files_it_started_with(tmp_path):
    """Staging/production (watch=False): the hashed names pages link to stay those of the
    version the service worker precached, until the next deploy restarts the processes."""
    (tmp_path / "a.css").write_text("body { color: red }")
    deployed = Assets(tmp_path, watch=False)
    name = deployed.get("a.css").hashed_name
    (tmp_path / "a.css").write_text("body { color: blue }")
    assert deployed.get("a.css").hashed_name == name
    assert deployed.resolve(name) == (deployed.get("a.css"), True)
    assert deployed.get("missing.css") is None


def test_the_app_config_carries_the_asset_version(app):
    assert re.fullmatch(r"[0-9a-f]{12}", app.config["ASSET_VERSION"])


@settings(max_examples=40, deadline=None)
@given(stem=st.from_regex(r"[a-z][a-z0-9_\-.]{0,12}", fullmatch=True),
       ext=st.sampled_from(["css", "js", "svg", "png", "json", "txt"]),
       body=st.binary(max_size=200))
def test_every_hashed_name_resolves_to_its_file_and_only_with_its_hash(stem, ext, body):
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "d").mkdir()
        (Path(folder) / "d" / f"{stem}.{ext}").write_bytes(body)
        assets = Assets(folder)
        asset = assets.get(f"d/{stem}.{ext}")
        assert assets.resolve(asset.hashed_name) == (asset, True)
        assert assets.resolve(f"d/{stem}.{ext}") == (asset, False)
        wrong = "0" * 8 if asset.digest != "0" * 8 else "1" * 8
        assert assets.resolve(f"d/{stem}.{wrong}.{ext}") == (asset, False)


def test_files_outside_the_static_folder_are_never_served(tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "secret.txt").write_text("no")
    assets = Assets(tmp_path / "static")
    assert assets.get("../secret.txt") is None
    assert assets.resolve("../secret.12345678.txt") == (None, False)


def test_a_name_without_extension_is_served_under_its_plain_name(tmp_path):
    (tmp_path / "robots").write_text("x")
    asset = Assets(tmp_path).get("robots")
    assert asset is not None and asset.hashed_name == "robots"
