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
