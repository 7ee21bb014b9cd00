"""QR codes: every SVG, PNG and PDF decodes back to the exact URL (zxing-cpp)."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from PIL import Image

from clickar.flyers import qr
from clickar.flyers.qr import (
    QUIET_ZONE,
    QrOptions,
    cache_info,
    png_geometry,
    qr_layout,
    qr_mode,
    qr_pdf,
    qr_png,
    qr_svg,
)

UPPER = "HTTP://127.0.0.1:5000/R/ABC123"
LOWER = "https://clickar.example.jp/r/K7Q2ZP9X?src=flyer"
URLS = [UPPER, LOWER]

OPTIONS = {
    "small": QrOptions(size_mm=15, dpi=150),
    "large": QrOptions(size_mm=60, dpi=600),
    "logo": QrOptions(size_mm=25, dpi=300, logo=True),
    "small-logo-Q": QrOptions(size_mm=15, dpi=150, error_correction="Q", logo=True),
    "large-logo-H": QrOptions(size_mm=60, dpi=600, error_correction="H", logo=True),
}
EC_RANK = {"L": 0, "M": 1, "Q": 2, "H": 3}


def _image(fmt: str, url: str, opts: QrOptions, tools) -> Image.Image:
    if fmt == "svg":
        return tools.svg_to_image(qr_svg(url, opts), opts.dpi)
    if fmt == "png":
        return Image.open(io.BytesIO(qr_png(url, opts))).convert("RGB")
    return tools.pdf_to_image(qr_pdf(url, opts), opts.dpi)


def _dark_bbox(img: Image.Image):
    """Bounding box of (near-)black pixels: the symbol without quiet zone."""
    gray = img.convert("L").point(lambda v: 255 if v < 100 else 0)
    return gray.getbbox()


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
@pytest.mark.parametrize("name", list(OPTIONS))
@pytest.mark.parametrize("url", URLS, ids=["upper", "lower"])
def test_decodes_back_to_exact_url(fmt, name, url, tools):
    opts = OPTIONS[name]
    img = _image(fmt, url, opts, tools)
    found = tools.decode(img)
    assert [b.text for b in found] == [url]
    # the level the decoder reads is the one we promised
    assert found[0].ec_level == opts.effective_error_correction
    if opts.logo:
        assert EC_RANK[found[0].ec_level] >= EC_RANK["Q"]
    # printed size: rendering at opts.dpi gives size_mm (±1 px)
    expected = opts.size_mm / 25.4 * opts.dpi
    assert abs(img.width - expected) <= 1 and abs(img.height - expected) <= 1


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
@pytest.mark.parametrize("name", ["small", "large", "logo"])
def test_vector_quiet_zone_is_exactly_four_modules(fmt, name, tools):
    opts = OPTIONS[name]
    lay = qr_layout(UPPER, opts)
    img = _image(fmt, UPPER, opts, tools)
    module_px = img.width / lay.total
    left, top, right, bottom = _dark_bbox(img)
    for margin in (left, top, img.width - right, img.height - bottom):
        assert abs(margin / module_px - QUIET_ZONE) < 0.5, margin / module_px


def test_svg_path_quiet_zone_and_viewbox():
    opts = QrOptions(size_mm=25)
    lay = qr_layout(UPPER, opts)
    svg = qr_svg(UPPER, opts)
    assert f'viewBox="0 0 {lay.total} {lay.total}"' in svg
    assert lay.total == lay.size + 2 * QUIET_ZONE
    xs, ys, ends = [], [], []
    for x, y, ln in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        xs.append(int(x))
        ys.append(int(y))
        ends.append(int(x) + int(ln))
    assert min(xs) == min(ys) == QUIET_ZONE
    assert max(ends) == max(ys) + 1 == lay.total - QUIET_ZONE


def test_svg_is_vector_paths_sized_in_mm():
    svg = qr_svg(UPPER, QrOptions(size_mm=22.5))
    assert 'width="22.5mm"' in svg and 'height="22.5mm"' in svg
    assert svg.count("<path") == 1  # all dark modules in one path
    assert svg.count("<rect") == 1  # only the white background
    assert "<image" not in svg
    logo = qr_svg(UPPER, QrOptions(size_mm=22.5, logo=True))
    assert logo.count("<rect") == 2 and qr.LOGO_BLUE in logo


@pytest.mark.parametrize("name", list(OPTIONS))
def test_png_pixels_dpi_and_whole_pixel_modules(name):
    opts = OPTIONS[name]
    lay = qr_layout(LOWER, opts)
    geo = png_geometry(LOWER, opts)
    img = Image.open(io.BytesIO(qr_png(LOWER, opts)))
    assert img.size == (round(opts.size_mm / 25.4 * opts.dpi),) * 2 == (geo.pixels,) * 2
    assert [round(v) for v in img.info["dpi"]] == [opts.dpi, opts.dpi]
    # quiet zone: at least 4 modules, the leftover (< one module per px) split
    assert geo.offset >= QUIET_ZONE * geo.box
    assert geo.pixels - 2 * geo.offset - lay.size * geo.box in (0, 1)
    # every module is a uniform box x box block of the right colour
    gray = img.convert("L")
    for r in range(lay.size):
        for c in range(lay.size):
            x, y = geo.offset + c * geo.box, geo.offset + r * geo.box
            lo, hi = gray.crop((x, y, x + geo.box, y + geo.box)).getextrema()
            if lay.logo_box is None:
                assert lo == hi == (0 if lay.is_dark(r, c) else 255)
            elif lay.is_dark(r, c):
                assert lo == hi == 0
    # the quiet zone itself is white
    for box in [(0, 0, geo.pixels, geo.offset), (0, 0, geo.offset, geo.pixels)]:
        assert gray.crop(box).getextrema() == (255, 255)


def test_png_too_small_for_dpi_is_refused():
    with pytest.raises(ValueError, match="less than one pixel per module"):
        qr_png(UPPER, QrOptions(size_mm=3, dpi=72))


def test_pdf_page_is_the_code_at_exact_size(tools):
    opts = QrOptions(size_mm=30)
    info = tools.pdf_tool("pdfinfo", qr_pdf(UPPER, opts))
    pts = 30 / 25.4 * 72
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert abs(w - pts) < 0.01 and abs(h - pts) < 0.01
    assert re.search(r"Pages:\s+1\n", info)
    # no fonts at all in the QR PDF (nothing to embed, nothing missing)
    fonts = tools.pdf_tool("pdffonts", qr_pdf(UPPER, opts)).splitlines()
    assert len(fonts) == 2  # header lines only


def test_error_correction_with_logo():
    assert QrOptions().effective_error_correction == "M"
    assert QrOptions(logo=True).effective_error_correction == "H"
    assert QrOptions(error_correction="Q", logo=True).effective_error_correction == "Q"
    assert QrOptions(error_correction="H", logo=True).effective_error_correction == "H"
    assert QrOptions(error_correction="Q").effective_error_correction == "Q"
    assert qr_layout(UPPER, QrOptions(logo=True)).error_correction == "H"
    with pytest.raises(ValueError):
        QrOptions(error_correction="L")
    with pytest.raises(ValueError):
        QrOptions(size_mm=0)


@pytest.mark.parametrize("n", [1, 10, 40, 120, 300])
@pytest.mark.parametrize("ec", ["M", "Q", "H"])
def test_logo_covers_at_most_a_quarter_and_is_centred(n, ec):
    url = "HTTPS://CLICKAR.EXAMPLE.JP/R/" + "X" * n
    lay = qr_layout(url, QrOptions(error_correction=ec, logo=True))
    assert 0 < lay.logo_fraction <= 0.25
    r0, c0, side = lay.logo_box
    assert side % 2 == 1 and r0 == c0 == (lay.size - side) // 2
    assert r0 > 8  # clear of the finder patterns and their separators
    assert qr_layout(url, QrOptions(error_correction=ec)).logo_fraction == 0


def test_logo_is_drawn_in_png():
    img = Image.open(io.BytesIO(qr_png(UPPER, QrOptions(logo=True)))).convert("RGB")
    colours = {c for _, c in img.getcolors(1 << 20)}
    assert any(b > 150 and r < 120 for r, g, b in colours)  # some blue


def test_mode_reports_encoder_and_url_is_never_changed(tools):
    assert qr_mode(UPPER) == "alphanumeric"
    assert qr_mode(LOWER) == "byte"
    assert qr_mode("HTTP://127.0.0.1:5000/r/ABC123") == "byte"  # one lower-case char
    assert qr_mode("0123456789") == "numeric"
    lower = UPPER.replace("HTTP", "http").replace("/R/", "/r/").replace("ABC", "abc")
    # alphanumeric keeps the symbol smaller than the same URL in lower case
    assert qr_layout(UPPER).version < qr_layout(lower).version
    # case is preserved end to end
    img = Image.open(io.BytesIO(qr_png(lower, QrOptions(size_mm=20, dpi=300))))
    assert [b.text for b in tools.decode(img)] == [lower]


@pytest.mark.parametrize("fn", [qr_svg, qr_png, qr_pdf])
def test_cache_returns_same_object_and_renders_once(fn, monkeypatch):
    kind = fn.__name__.split("_")[1]
    calls = []
    real = qr._RENDERERS[kind]

    def counting(url, opts):
        calls.append((url, opts))
        return real(url, opts)

    monkeypatch.setitem(qr._RENDERERS, kind, counting)
    url = f"HTTP://127.0.0.1:5000/R/{uuid.uuid4().hex[:10].upper()}"
    before = cache_info()
    first = fn(url, QrOptions(size_mm=20, dpi=200, logo=True))
    mid = cache_info()
    second = fn(url, QrOptions(size_mm=20, dpi=200, logo=True))  # equal, not identical
    third = fn(url, QrOptions(size_mm=20, dpi=200, logo=True))
    after = cache_info()
    assert second is first and third is first
    assert len(calls) == 1
    assert mid.misses == before.misses + 1
    assert after.hits == mid.hits + 2 and after.misses == mid.misses
    # other options are a different entry
    assert fn(url, QrOptions(size_mm=21, dpi=200, logo=True)) is not first
    assert len(calls) == 2


def test_cache_info_shape():
    info = cache_info()
    assert info.maxsize and info.maxsize >= 256
    assert {"hits", "misses", "currsize"} <= set(info._fields)
