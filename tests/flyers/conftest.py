"""Shared helpers for the flyer/QR tests: rasterise SVG/PDF and decode QR codes.

Needs the Debian packages poppler-utils (pdftoppm, pdffonts, pdfinfo,
pdftotext) and librsvg2-bin (rsvg-convert), and a Japanese TrueType font
(fonts-ipaexfont-gothic).  Missing tools fail the tests with the package name.
"""

from __future__ import annotations

import functools
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
    "pdfimages": "poppler-utils",
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


# ------------------------------------------------------------ staff console

from flyer_support import STAFF_PASSWORD  # noqa: E402


@functools.lru_cache(maxsize=1)
def _staff_hash() -> str:
    from clickar.auth.passwords import hash_password

    return hash_password(STAFF_PASSWORD)


class StaffActions:
    """Signs staff in and posts console forms with CSRF (like tests/conftest.py's RegistrationActions)."""

    def __init__(self, app, client):
        self.app = app
        self.client = client

    def account(self, email="marketing@example.jp", role="marketing", password=STAFF_PASSWORD):
        from clickar.db import database
        from clickar.staff.accounts import create_staff
        from clickar.models import Staff

        with self.app.app_context():
            database.connect(reuse_if_open=True)
            staff = Staff.by_email(email)
            if staff is None and password == STAFF_PASSWORD:  # argon2 once per run, not per test
                staff = Staff.create(email=email, password_hash=_staff_hash(), role=role)
            elif staff is None:
                staff = create_staff(email, password, role)
            database.close()
        return staff

    def csrf(self, path="/staff/login") -> str:
        import re

        page = self.client.get(path, follow_redirects=True).get_data(as_text=True)
        return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def post(self, path, data=None, htmx=False, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf())
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.post(path, data=data, headers=headers, **kwargs)

    def login(self, email="marketing@example.jp", role="marketing", password=STAFF_PASSWORD):
        self.account(email, role)
        response = self.post("/staff/login", {"email": email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)
        return response

    def create_campaign(self, **changes):
        """Through the console form; returns the new campaign's page path."""
        data = {"name": "2026年春 Aグループ配布分", "target": "register", "label": "Aグループ",
                "valid_from": "2020-04-01", "valid_until": "", **changes}
        response = self.post("/staff/campaigns/", data)
        assert response.status_code == 303, response.get_data(as_text=True)
        return response.headers["Location"].split("?")[0]


@pytest.fixture
def staff(app, client):
    return StaffActions(app, client)


@pytest.fixture
def make_campaign(app):
    """A campaign written straight through clickar.flyers.campaigns (no console)."""
    import datetime as dt

    from clickar.db import database
    from clickar.flyers import campaigns

    def make(**changes):
        data = {"name": "テスト配布", "target": "register", "label": "",
                "valid_from": dt.date(2020, 1, 1), "valid_until": None, **changes}
        with app.app_context():
            database.connect(reuse_if_open=True)
            campaign = campaigns.create(data)
            database.close()
        return campaign

    return make


@pytest.fixture
def db(app):
    """A connection for reading what the requests wrote (no app context: requests keep their own g)."""
    from clickar.db import database

    database.connect(reuse_if_open=True)
    yield database
    if not database.is_closed():
        database.close()
