"""Print-grade QR codes for marketing flyers (SVG, PNG, PDF).

Geometry
--------
``QrOptions.size_mm`` is the *printed width of the whole code including the
quiet zone*.  The quiet zone is always exactly 4 modules, so for a symbol of
``n`` modules the printed module size is ``size_mm / (n + 8)``.

* SVG: ``width``/``height`` in mm, ``viewBox`` in modules (one unit = one
  module), all dark modules in a single ``<path>``.  Quiet zone exactly 4.
* PNG: the canvas is exactly ``round(size_mm / 25.4 * dpi)`` pixels so that,
  printed at the ``dpi`` written into the file (pHYs), it is ``size_mm`` wide.
  Every module is a whole number of pixels (``box = canvas // (n + 8)``); the
  pixels left over (fewer than ``n + 8``) are added as extra white margin, so
  the quiet zone is 4 modules *or slightly more* and the symbol is centred.
  A size/dpi combination giving less than one pixel per module raises
  ``ValueError``.
* PDF: one page exactly ``size_mm`` x ``size_mm`` (the page *is* the code,
  quiet zone included; MediaBox = TrimBox), modules drawn as vector
  rectangles, no fonts, so it can be placed into a layout as is or printed at
  100 % ("actual size").  reportlab writes the file (``_render_pdf``) with
  ``draw_qr``, which draws the same vectors on the A4 flyer's canvas.

Error correction is ``M`` by default.  With ``logo=True`` it is raised to
``H`` when ``M`` was asked for (``Q`` and ``H`` are kept), and a small drawn
logo (white rounded square with a blue "C") replaces the centre modules.  The
logo is a whole, odd number of modules wide and covers up to ~10 % (H) / ~6 % (Q)
of the symbol area, never more than 25 %.

The data is encoded as one segment in the most compact mode the encoder
allows; upper-case URLs such as ``HTTP://EXAMPLE.JP/R/ABC123`` qualify for the
alphanumeric mode.  The URL is never changed; ``qr_mode()`` reports the mode.

Every rendering is cached per ``(kind, url, options)``; ``cache_info()``
returns the ``functools`` statistics of that cache.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from typing import Literal

import qrcode
import qrcode.constants
import qrcode.util

QUIET_ZONE = 4
MM_PER_INCH = 25.4
PT_PER_MM = 72 / MM_PER_INCH
MAX_LOGO_AREA = 0.25

LOGO_BLUE = "#1f5fbf"

_EC_CONSTANTS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
_EC_RANK = {"L": 0, "M": 1, "Q": 2, "H": 3}
# Side of the logo as a fraction of the symbol side, per error correction.
_LOGO_SIDE = {"Q": 0.25, "H": 0.33}

_MODE_NAMES = {
    qrcode.util.MODE_NUMBER: "numeric",
    qrcode.util.MODE_ALPHA_NUM: "alphanumeric",
    qrcode.util.MODE_8BIT_BYTE: "byte",
    qrcode.util.MODE_KANJI: "kanji",
}

ErrorCorrection = Literal["M", "Q", "H"]


@dataclass(frozen=True)
class QrOptions:
    """How a QR code is rendered.  Hashable: used as a cache key."""

    size_mm: float = 25
    dpi: int = 300
    error_correction: ErrorCorrection = "M"
    logo: bool = False

    def __post_init__(self) -> None:
        if self.error_correction not in ("M", "Q", "H"):
            raise ValueError("error_correction must be 'M', 'Q' or 'H'")
        if not self.size_mm > 0:
            raise ValueError("size_mm must be positive")
        if int(self.dpi) != self.dpi or self.dpi <= 0:
            raise ValueError("dpi must be a positive integer")

    @property
    def effective_error_correction(self) -> str:
        """The level actually encoded: a logo needs at least Q (M becomes H)."""
        if self.logo and _EC_RANK[self.error_correction] < _EC_RANK["Q"]:
            return "H"
        return self.error_correction


@dataclass(frozen=True)
class QrLayout:
    """The encoded symbol and where everything sits, in modules."""

    url: str
    version: int
    error_correction: str
    mode: str
    modules: tuple[tuple[bool, ...], ...]  # n x n, True = dark, no quiet zone
    logo_box: tuple[int, int, int] | None  # (row0, col0, side) in symbol coords

    @property
    def size(self) -> int:
        """Modules per side of the symbol (without quiet zone)."""
        return len(self.modules)

    @property
    def total(self) -> int:
        """Modules per side including the quiet zone on both sides."""
        return self.size + 2 * QUIET_ZONE

    @property
    def logo_fraction(self) -> float:
        """Share of the symbol area (quiet zone excluded) under the logo."""
        if self.logo_box is None:
            return 0.0
        return self.logo_box[2] ** 2 / self.size**2

    def is_dark(self, row: int, col: int) -> bool:
        """Dark module at symbol coordinates, logo area cleared."""
        if self.logo_box is not None:
            r0, c0, side = self.logo_box
            if r0 <= row < r0 + side and c0 <= col < c0 + side:
                return False
        return self.modules[row][col]

    def runs(self) -> list[tuple[int, int, int]]:
        """Horizontal runs of dark modules as (row, col, length), symbol coords."""
        out = []
        n = self.size
        for r in range(n):
            c = 0
            while c < n:
                if self.is_dark(r, c):
                    start = c
                    while c < n and self.is_dark(r, c):
                        c += 1
                    out.append((r, start, c - start))
                else:
                    c += 1
        return out


def _validate_url(url: str) -> None:
    if not isinstance(url, str) or not url:
        raise ValueError("url must be a non-empty string")


@functools.lru_cache(maxsize=1024)
def qr_layout(url: str, opts: QrOptions = QrOptions()) -> QrLayout:
    """Encode ``url`` (unchanged) and compute the module matrix and logo box."""
    _validate_url(url)
    ec = opts.effective_error_correction
    data = qrcode.util.QRData(url.encode("utf-8"))
    qr = qrcode.QRCode(error_correction=_EC_CONSTANTS[ec], border=0)
    qr.add_data(data)
    qr.make(fit=True)
    n = qr.modules_count
    modules = tuple(tuple(bool(v) for v in row) for row in qr.modules)
    logo_box = None
    if opts.logo:
        side = int(n * _LOGO_SIDE[ec])
        if side % 2 == 0:  # odd so it is centred on the module grid
            side -= 1
        while side > 0 and side * side > MAX_LOGO_AREA * n * n:
            side -= 2
        if side >= 3:
            start = (n - side) // 2
            logo_box = (start, start, side)
    return QrLayout(
        url=url,
        version=qr.version,
        error_correction=ec,
        mode=_MODE_NAMES.get(data.mode, str(data.mode)),
        modules=modules,
        logo_box=logo_box,
    )


def qr_mode(url: str, opts: QrOptions = QrOptions()) -> str:
    """'numeric', 'alphanumeric' or 'byte': the mode the encoder used for url."""
    return qr_layout(url, opts).mode


# ---------------------------------------------------------------- rendering


def _logo_shapes(x: float, y: float, side: float) -> dict:
    """Logo geometry (same units as the inputs, y down): square + 'C' arc."""
    return {
        "square": (x, y, side, side),
        "radius": side * 0.2,
        "cx": x + side / 2,
        "cy": y + side / 2,
        "ring_r": side * 0.27,
        "ring_w": side * 0.16,
        # the C opens to the right: arc from 45 deg to 315 deg (counter-clockwise
        # in maths orientation), i.e. it leaves a 90 deg gap around 0 deg.
        "gap_deg": 45.0,
    }


def _fmt(v: float) -> str:
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return s or "0"


def _render_svg(url: str, opts: QrOptions) -> str:
    import math

    lay = qr_layout(url, opts)
    total = lay.total
    q = QUIET_ZONE
    d = "".join(f"M{c + q} {r + q}h{ln}v1h-{ln}z" for r, c, ln in lay.runs())
    size = _fmt(opts.size_mm)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
        f'width="{size}mm" height="{size}mm" viewBox="0 0 {total} {total}" '
        f'shape-rendering="crispEdges">',
        f"<title>{_xml_escape(url)}</title>",
        f'<rect width="{total}" height="{total}" fill="#ffffff"/>',
        f'<path fill="#000000" d="{d}"/>',
    ]
    if lay.logo_box is not None:
        r0, c0, side = lay.logo_box
        g = _logo_shapes(c0 + q, r0 + q, side)
        x, y, w, h = g["square"]
        cx, cy, rr = g["cx"], g["cy"], g["ring_r"]
        a = math.radians(g["gap_deg"])
        # y axis points down in SVG: start at the lower-right end of the C, go
        # the long way (large-arc) round through the left side to the upper end
        x1, y1 = cx + rr * math.cos(a), cy + rr * math.sin(a)
        x2, y2 = cx + rr * math.cos(a), cy - rr * math.sin(a)
        parts.append(
            f'<g shape-rendering="geometricPrecision">'
            f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(w)}" height="{_fmt(h)}" '
            f'rx="{_fmt(g["radius"])}" fill="#ffffff"/>'
            f'<path d="M{_fmt(x1)} {_fmt(y1)}A{_fmt(rr)} {_fmt(rr)} 0 1 1 '
            f'{_fmt(x2)} {_fmt(y2)}" fill="none" stroke="{LOGO_BLUE}" '
            f'stroke-width="{_fmt(g["ring_w"])}" stroke-linecap="round"/></g>'
        )
    parts.append("</svg>\n")
    return "".join(parts)


def _xml_escape(s: str) -> str:
    return (
        s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


@dataclass(frozen=True)
class PngGeometry:
    pixels: int  # canvas width = height
    box: int  # pixels per module
    offset: int  # pixels from the canvas edge to the first symbol module


def png_geometry(url: str, opts: QrOptions = QrOptions()) -> PngGeometry:
    """Canvas size, pixels per module and symbol offset of ``qr_png``."""
    lay = qr_layout(url, opts)
    pixels = round(opts.size_mm / MM_PER_INCH * opts.dpi)
    box = pixels // lay.total
    if box < 1:
        raise ValueError(
            f"{opts.size_mm} mm at {opts.dpi} dpi gives {pixels} px for "
            f"{lay.total} modules: less than one pixel per module"
        )
    offset = (pixels - box * lay.size) // 2
    return PngGeometry(pixels=pixels, box=box, offset=offset)


def _render_png(url: str, opts: QrOptions) -> bytes:
    from PIL import Image, ImageDraw

    lay = qr_layout(url, opts)
    geo = png_geometry(url, opts)
    box, off = geo.box, geo.offset
    mode = "RGB" if lay.logo_box is not None else "L"
    img = Image.new(mode, (geo.pixels, geo.pixels), "white")
    draw = ImageDraw.Draw(img)
    for r, c, ln in lay.runs():
        x0, y0 = off + c * box, off + r * box
        draw.rectangle((x0, y0, x0 + ln * box - 1, y0 + box - 1), fill="black")
    if lay.logo_box is not None:
        r0, c0, side = lay.logo_box
        # draw supersampled, then paste, so the round shapes are smooth
        s = side * box
        k = 4
        logo = Image.new("RGB", (s * k, s * k), "white")
        ld = ImageDraw.Draw(logo)
        g = _logo_shapes(0, 0, s * k)
        ld.rounded_rectangle((0, 0, s * k - 1, s * k - 1), radius=g["radius"], fill="white")
        rr, w = g["ring_r"], g["ring_w"]
        cx, cy = g["cx"], g["cy"]
        outer = rr + w / 2
        gap = g["gap_deg"]
        ld.arc(
            (cx - outer, cy - outer, cx + outer, cy + outer),
            start=gap,
            end=360 - gap,
            fill=LOGO_BLUE,
            width=max(1, round(w)),
        )
        logo = logo.resize((s, s), Image.LANCZOS)
        img.paste(logo, (off + c0 * box, off + r0 * box))
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(opts.dpi, opts.dpi), optimize=True)
    return buf.getvalue()


def _num(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("", "-0") else s


def qr_pdf_ops(url: str, x: float, y: float, size: float, opts: QrOptions = QrOptions()) -> str:
    """PDF content-stream operators drawing the code as vectors.

    ``x, y`` is the lower-left corner and ``size`` the full width (quiet zone
    included) in points.  White background, then all dark modules as one
    filled path (no seams between modules), then the logo.  Wrapped in q/Q.
    """
    from reportlab.pdfgen.pathobject import PDFPathObject

    lay = qr_layout(url, opts)
    m = size / lay.total
    q = QUIET_ZONE
    top = y + size
    ops = ["q", "1 g", f"{_num(x)} {_num(y)} {_num(size)} {_num(size)} re f", "0 g"]
    for r, c, ln in lay.runs():
        ops.append(
            f"{_num(x + (c + q) * m)} {_num(top - (r + q + 1) * m)} {_num(ln * m)} {_num(m)} re"
        )
    ops.append("f")
    if lay.logo_box is not None:
        r0, c0, side = lay.logo_box
        g = _logo_shapes(0, 0, side * m)
        lx = x + (c0 + q) * m
        ly = top - (r0 + q + side) * m
        sq = PDFPathObject()
        sq.roundRect(lx, ly, side * m, side * m, g["radius"])
        ops += ["1 g", sq.getCode(), "f"]
        cx, cy, rr = lx + g["cx"], ly + g["cy"], g["ring_r"]
        gap = g["gap_deg"]
        arc = PDFPathObject()
        arc.arc(cx - rr, cy - rr, cx + rr, cy + rr, startAng=gap, extent=360 - 2 * gap)
        r_, g_, b_ = (int(LOGO_BLUE[i : i + 2], 16) / 255 for i in (1, 3, 5))
        ops += [
            f"{_num(r_)} {_num(g_)} {_num(b_)} RG",
            f"{_num(g['ring_w'])} w 1 J",
            arc.getCode(),
            "S",
        ]
    ops.append("Q")
    return "\n".join(ops)


def draw_qr(canvas, url: str, x: float, y: float, size: float, opts: QrOptions = QrOptions()) -> None:
    """Draw the code as vectors on a reportlab canvas (see ``qr_pdf_ops``)."""
    canvas.addLiteral(qr_pdf_ops(url, x, y, size, opts))


def _render_pdf(url: str, opts: QrOptions) -> bytes:
    """One page = the code (MediaBox and TrimBox size_mm square), drawn by reportlab; no fonts in it.

    invariant=1 keeps the bytes the same for the same input (no dates, fixed document id)."""
    from reportlab.pdfgen.canvas import Canvas

    from .fonts import register_japanese_font

    size = opts.size_mm * PT_PER_MM
    buf = io.BytesIO()
    # A TrueType initial font is "dynamic": reportlab names no font at all until text is drawn
    # (its default, Helvetica, would be a non-embedded font reference in a print file).
    c = Canvas(buf, pagesize=(size, size), invariant=1, pageCompression=1,
               initialFontName=register_japanese_font())
    c.setTrimBox((0, 0, size, size))
    c.setTitle(url)
    c.setCreator("Clickar")
    draw_qr(c, url, 0, 0, size, opts)
    c.showPage()
    c.save()
    return buf.getvalue()


_RENDERERS = {"svg": _render_svg, "png": _render_png, "pdf": _render_pdf}


@functools.lru_cache(maxsize=1024)
def _render(kind: str, url: str, opts: QrOptions):
    return _RENDERERS[kind](url, opts)


def _check(url: str, opts: QrOptions | None) -> QrOptions:
    _validate_url(url)
    if opts is None:
        return QrOptions()
    if not isinstance(opts, QrOptions):
        raise TypeError("opts must be a QrOptions")
    return opts


def qr_svg(url: str, opts: QrOptions | None = None) -> str:
    """SVG document, size in mm, dark modules as one vector path."""
    return _render("svg", url, _check(url, opts))


def qr_png(url: str, opts: QrOptions | None = None) -> bytes:
    """PNG at ``opts.dpi`` (pHYs set), whole pixels per module."""
    return _render("png", url, _check(url, opts))


def qr_pdf(url: str, opts: QrOptions | None = None) -> bytes:
    """Single-page vector PDF, the page is the code (size_mm square)."""
    return _render("pdf", url, _check(url, opts))


def cache_info():
    """``functools`` CacheInfo (hits, misses, maxsize, currsize) of renderings."""
    return _render.cache_info()


def cache_clear() -> None:
    _render.cache_clear()
    qr_layout.cache_clear()
