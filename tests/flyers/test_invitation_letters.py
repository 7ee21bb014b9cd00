"""Issue 22: each invitation letter's QR code decodes back to its own /I/TOKEN URL, in the
QR alphanumeric mode, on a page set in the embedded Japanese font; the PDF is never kept."""
from __future__ import annotations

import io
import os
import tempfile

from clickar.db import database
from clickar.flyers.qr import qr_mode
from clickar.invitations import core, letters


def make_letters(app, numbers):
    with app.app_context():
        database.connect(reuse_if_open=True)
        contracts, skipped = core.choose("", numbers)
        batch = core.create_batch("admin@example.jp", "t", contracts, skipped)
        issued = list(core.issue(batch, "admin@example.jp", "PDF"))
        pdf = b"".join(letters.stream(iter(issued), "http://localhost"))
        urls = [(inv.contract.name, core.letter_url("http://localhost", token)) for inv, token in issued]
        database.close()
    return pdf, urls


def page_image(tools, pdf: bytes, page: int, dpi: int = 200):
    from PIL import Image

    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "in.pdf")
        with open(src, "wb") as f:
            f.write(pdf)
        tools.run("pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile",
                  src, os.path.join(d, "out"))
        with Image.open(os.path.join(d, "out.png")) as im:
            return im.convert("RGB")


def test_each_letter_decodes_to_its_own_url_in_the_embedded_font(app, tools):
    pdf, urls = make_letters(app, ["SJ24000101", "SJ24000201"])
    assert len(urls) == 2 and urls[0][1] != urls[1][1]
    for page, (name, url) in enumerate(urls, 1):
        assert url.startswith("HTTP://LOCALHOST/I/") and qr_mode(url) == "alphanumeric"
        found = tools.decode(page_image(tools, pdf, page))
        assert [b.text for b in found] == [url]
        text = tools.pdf_tool("pdftotext", pdf, "-f", str(page), "-l", str(page))
        assert f"{name} 様" in text and "マイページ会員登録のご案内" in text
    fonts = tools.pdf_tool("pdffonts", pdf)
    rows = fonts.splitlines()[2:]
    assert any("IPAexGothic" in row for row in rows)
    assert rows and all(row.split()[-5] == "yes" for row in rows)  # every font embedded


def test_a_download_leaves_no_letter_file_behind(app, tools, tmp_path, monkeypatch):
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("TMPDIR", str(work))
    pdf, _ = make_letters(app, ["SJ24000101"])
    assert pdf.startswith(b"%PDF") and list(work.iterdir()) == []


def test_the_batch_pdf_streams_its_first_bytes_before_any_letter_is_drawn(app, tools, monkeypatch):
    """The route's response is a generator: its first chunk (header and the one subset font)
    leaves before the first letter's token is issued; the whole is still one valid PDF."""
    import re

    from clickar.staff.accounts import create_staff

    drawn = []
    real_draw = letters.draw_letter

    def counting_draw(page, contract, url):
        drawn.append(url)
        real_draw(page, contract, url)

    monkeypatch.setattr(letters, "draw_letter", counting_draw)
    with app.app_context():
        database.connect(reuse_if_open=True)
        create_staff("admin@example.jp", "Staffpass2026", "admin")
        contracts, skipped = core.choose("", ["SJ24000101", "SJ24000201"])
        batch = core.create_batch("admin@example.jp", "t", contracts, skipped)
        database.close()
    client = app.test_client()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/staff/login").get_data(as_text=True)).group(1)
    client.post("/staff/login", data={"email": "admin@example.jp", "password": "Staffpass2026", "csrf_token": csrf})
    response = client.post(f"/staff/invitations/{batch.id}/letters.pdf", data={"csrf_token": csrf}, buffered=False)
    chunks = iter(response.response)
    first = next(chunks)
    assert first.startswith(b"%PDF") and drawn == []
    pdf = first + b"".join(chunks)
    response.close()
    assert len(drawn) == 2
    info = tools.pdf_tool("pdfinfo", pdf)
    assert re.search(r"Pages:\s+2\b", info) and "Syntax Error" not in info
    assert "山田" in tools.pdf_tool("pdftotext", pdf)
