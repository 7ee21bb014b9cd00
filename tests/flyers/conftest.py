"""Shared helpers for the flyer/QR tests: rasterise SVG/PDF and decode QR codes.

Needs the Debian packages poppler-utils (pdftoppm, pdffonts, pdfinfo,
pdftotext) and librsvg2-bin (rsvg-convert), and a Japanese TrueType font
(fonts-ipaexfont-gothic).  Missing tools fail the tests with the package name.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

TOOLS = {
    "pdftoppm": "poppler-utils",
    "pdffonts": "poppler-utils",
    "pdfinfo": "poppler-utils",
    "pdftotext": "poppler-utils",
    "rsvg-convert": "librsvg2-bin",
}


def need(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        pytest.fail(f"{tool} not found: apt-get install -y {TOOLS.get(tool, tool)}")
    return path


def run(*args: str, data: bytes | None = None) -> bytes:
    need(args[0])
    return subprocess.run(args, input=data, capture_output=True, check=True, timeout=120).stdout


def svg_to_image(svg: str, dpi: int):
    """Rasterise with librsvg at ``dpi`` (the SVG is sized in mm)."""
    from PIL import Image

    png = run("rsvg-convert", "-d", str(dpi), "-p", str(dpi), "-b", "white", data=svg.encode())
    return Image.open(io.BytesIO(png)).convert("RGB")


def pdf_to_image(pdf: bytes, dpi: int):
    """Rasterise page 1 with poppler's pdftoppm at ``dpi``."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "in.pdf")
        with open(src, "wb") as f:
            f.write(pdf)
        run("pdftoppm", "-r", str(dpi), "-png", "-singlefile", src, os.path.join(d, "out"))
        with Image.open(os.path.join(d, "out.png")) as im:
            return im.convert("RGB")


def pdf_tool(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "in.pdf")
        with open(src, "wb") as f:
            f.write(pdf)
        return run(tool, *args, src, *(["-"] if tool == "pdftotext" else [])).decode("utf-8")


def decode(image):
    """All QR codes zxing-cpp finds in a PIL image."""
    import zxingcpp

    return [b for b in zxingcpp.read_barcodes(image) if b.valid and b.format.name == "QRCode"]


class Tools:
    need = staticmethod(need)
    run = staticmethod(run)
    svg_to_image = staticmethod(svg_to_image)
    pdf_to_image = staticmethod(pdf_to_image)
    pdf_tool = staticmethod(pdf_tool)
    decode = staticmethod(decode)


@pytest.fixture(scope="session")
def tools() -> Tools:
    """Rasterisers and the QR decoder (fixture so no test imports conftest)."""
    return Tools()
