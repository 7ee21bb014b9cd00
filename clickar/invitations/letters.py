"""The letters: one A4 page per contract with its personal QR code, and the vendor's CSV.

Both take the (invitation, token) pairs core.issue() yields, a chunk at a time, and
hand back bytes as they go; neither is written to disk. The QR code is drawn as
vector runs with the flyer's own encoder (flyers/qr.py), uncached: a letter's URL
is never kept in memory after its page.
"""
from __future__ import annotations

import io
from typing import Iterable, Iterator

from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .. import csvsafe, jp
from ..flyer_words import INSURER_ADDRESS, VERIFY_NOTE
from ..flyers.fonts import register_japanese_font
from ..flyers.qr import QUIET_ZONE, qr_layout
from . import core

PAGE_W, PAGE_H = A4
MARGIN = 20 * mm
QR_MM = 40
BLUE = HexColor("#1f5fbf")
STEPS = ("下の二次元コードをスマートフォンで読み取る",
         "生年月日・メールアドレス・パスワードを入力する（約2分）",
         "届いたメールのURLから本登録をおこなう")


def _qr(c: Canvas, url: str, x: float, y: float, side: float) -> None:
    layout = qr_layout.__wrapped__(url)  # not cached: a personal URL
    module = side / layout.total
    c.setFillColor(white)
    c.rect(x, y, side, side, stroke=0, fill=1)
    c.setFillColor(black)
    path = c.beginPath()
    for row, col, length in layout.runs():
        top = y + side - (row + QUIET_ZONE + 1) * module
        path.rect(x + (col + QUIET_ZONE) * module, top, length * module, module)
    c.drawPath(path, stroke=0, fill=1)


def draw_letter(c: Canvas, contract, url: str, font: str) -> None:
    y = PAGE_H - MARGIN
    c.setFont(font, 11)
    c.drawString(MARGIN, y, f"〒{contract.postal_code}")
    c.drawString(MARGIN, y - 6 * mm, contract.address)
    c.setFont(font, 16)
    c.drawString(MARGIN, y - 16 * mm, f"{contract.name} 様")
    c.setFillColor(BLUE)
    c.setFont(font, 20)
    c.drawString(MARGIN, y - 36 * mm, "マイページ会員登録のご案内")
    c.setFillColor(black)
    c.setFont(font, 11)
    lines = [
        f"ご契約のお車：{contract.car_name}",
        f"保険終期：{jp.jdate(contract.insurance_end)}（更新のお手続きは保険終期までにお願いいたします）",
        "この二次元コードは、あなたのご契約専用です。証券番号・住所などの入力は不要です。",
    ]
    for i, line in enumerate(lines):
        c.drawString(MARGIN, y - (48 + 8 * i) * mm, line)
    c.setFont(font, 13)
    c.drawString(MARGIN, y - 78 * mm, "ご登録の手順")
    c.setFont(font, 11)
    for i, step in enumerate(STEPS, 1):
        c.drawString(MARGIN + 4 * mm, y - (87 + 8 * i) * mm, f"{i}. {step}")
    c.setFont(font, 9)
    c.drawString(MARGIN + 4 * mm, y - 119 * mm, VERIFY_NOTE)
    side = QR_MM * mm
    qx, qy = (PAGE_W - side) / 2, y - 130 * mm - side
    _qr(c, url, qx, qy, side)
    c.setFont(font, 8)
    c.drawCentredString(PAGE_W / 2, qy - 5 * mm, url)
    c.setFont(font, 9)
    notes = ["※ご本人確認のため、生年月日をお伺いします。生年月日を5回まちがえると、この二次元コードは使えなくなります。",
             "※お心当たりのない場合や、この案内を紛失された場合は、取扱代理店までご連絡ください。",
             f"取扱代理店：{contract.agency_name}　{contract.agency_phone}"]
    for i, line in enumerate(notes):
        c.drawString(MARGIN, qy - (16 + 6 * i) * mm, line)
    c.setFont(font, 8)
    c.drawString(MARGIN, MARGIN, INSURER_ADDRESS)


def stream(issued: Iterable, base_url: str) -> Iterator[bytes]:
    """The letters' PDF, one page per invitation."""
    font = register_japanese_font()
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1, initialFontName=font)  # no Helvetica
    c.setTitle("マイページ会員登録のご案内")
    for invitation, token in issued:
        draw_letter(c, invitation.contract, core.letter_url(base_url, token), font)
        c.showPage()
    c.save()
    yield buffer.getvalue()


def csv_rows(issued: Iterable, base_url: str) -> Iterator[str]:
    """For a print-and-post vendor: 氏名, 郵便番号, 住所, URL (formula-escaped)."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(["氏名", "郵便番号", "住所", "URL"])
    for invitation, token in issued:
        contract = invitation.contract
        writer.writerow([contract.name, contract.postal_code, contract.address,
                         core.letter_url(base_url, token)])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()
