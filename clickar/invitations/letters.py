"""The letters: one A4 page per contract with its personal QR code, and the vendor's CSV.

Both take the (invitation, token) pairs core.issue() yields, a chunk at a time, and
hand back bytes as they go; neither is written to disk. The PDF is written by
flyers/pdfstream.py, a page at a time: its first bytes (header and the one subset
font, made from the characters of the batch's letters, which are known before any
token is issued) leave before the first letter is drawn. The QR code is drawn as
vector runs with the flyer's own encoder (flyers/qr.py), uncached: a letter's URL
is never kept in memory after its page.
"""
from __future__ import annotations

import io
from typing import Iterable, Iterator

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from .. import csvsafe, jp
from ..flyer_words import INSURER_ADDRESS, VERIFY_NOTE
from ..flyers.pdfstream import Page, StreamingPDF
from ..flyers.qr import QUIET_ZONE, qr_layout
from . import core

PAGE_W, PAGE_H = A4
MARGIN = 20 * mm
QR_MM = 40
BLACK, WHITE, BLUE = (0, 0, 0), (1, 1, 1), (0x1f / 255, 0x5f / 255, 0xbf / 255)
TITLE = "マイページ会員登録のご案内"
STEPS = ("下の二次元コードをスマートフォンで読み取る",
         "生年月日・メールアドレス・パスワードを入力する（約2分）",
         "届いたメールのURLから本登録をおこなう")
# Any URL's token: base32 capitals (the host's letters come from the base URL itself).
TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _qr(page: Page, url: str, x: float, y: float, side: float) -> None:
    layout = qr_layout.__wrapped__(url)  # not cached: a personal URL
    module = side / layout.total
    page.set_fill(WHITE)
    page.rects([(x, y, side, side)])
    page.set_fill(BLACK)
    page.rects((x + (col + QUIET_ZONE) * module, y + side - (row + QUIET_ZONE + 1) * module,
                length * module, module) for row, col, length in layout.runs())


def letter_text(contract, url: str) -> list[tuple]:
    """The letter's words as (size, x, y, text, colour, centred); also what the font must hold."""
    y = PAGE_H - MARGIN
    qy = y - 130 * mm - QR_MM * mm
    rows = [(11, MARGIN, y, f"〒{contract.postal_code}"),
            (11, MARGIN, y - 6 * mm, contract.address),
            (16, MARGIN, y - 16 * mm, f"{contract.name} 様"),
            (20, MARGIN, y - 36 * mm, TITLE, BLUE)]
    lines = [
        f"ご契約のお車：{contract.car_name}",
        f"保険終期：{jp.jdate(contract.insurance_end)}（更新のお手続きは保険終期までにお願いいたします）",
        "この二次元コードは、あなたのご契約専用です。証券番号・住所などの入力は不要です。",
    ]
    rows += [(11, MARGIN, y - (48 + 8 * i) * mm, line) for i, line in enumerate(lines)]
    rows.append((13, MARGIN, y - 78 * mm, "ご登録の手順"))
    rows += [(11, MARGIN + 4 * mm, y - (87 + 8 * i) * mm, f"{i}. {step}") for i, step in enumerate(STEPS, 1)]
    rows.append((9, MARGIN + 4 * mm, y - 119 * mm, VERIFY_NOTE))
    rows.append((8, PAGE_W / 2, qy - 5 * mm, url, BLACK, True))
    notes = ["※ご本人確認のため、生年月日をお伺いします。生年月日を5回まちがえると、この二次元コードは使えなくなります。",
             "※お心当たりのない場合や、この案内を紛失された場合は、取扱代理店までご連絡ください。",
             f"取扱代理店：{contract.agency_name}　{contract.agency_phone}"]
    rows += [(9, MARGIN, qy - (16 + 6 * i) * mm, line) for i, line in enumerate(notes)]
    rows.append((8, MARGIN, MARGIN, INSURER_ADDRESS))
    return [(r + (BLACK, False)[len(r) - 4:]) for r in rows]


def draw_letter(page: Page, contract, url: str) -> None:
    colour = BLACK
    for size, x, y, text, fill, centred in letter_text(contract, url):
        if fill != colour:
            page.set_fill(fill)
            colour = fill
        page.set_font(size)
        (page.centred_text if centred else page.text)(x, y, text)
    if colour != BLACK:
        page.set_fill(BLACK)
    side = QR_MM * mm
    _qr(page, url, (PAGE_W - side) / 2, PAGE_H - MARGIN - 130 * mm - side, side)


def characters(contracts: Iterable, base_url: str) -> set[str]:
    """Every character the batch's letters will draw (the font subset is made from them first)."""
    chars = set(TOKEN_CHARS)
    sample = core.letter_url(base_url, TOKEN_CHARS)
    for contract in contracts:
        for row in letter_text(contract, sample):
            chars.update(row[3])
    return chars


def stream(issued: Iterable, base_url: str, contracts: Iterable | None = None) -> Iterator[bytes]:
    """The letters' PDF, one page per invitation, yielded a page at a time.

    ``contracts``: the letters' contracts, read once up front for the font (the batch's
    open letters); without it ``issued`` is read whole first (small batches, tests)."""
    if contracts is None:
        issued = list(issued)
        contracts = [invitation.contract for invitation, _ in issued]
    pdf = StreamingPDF(characters(contracts, base_url), PAGE_W, PAGE_H, title=TITLE)
    yield pdf.start()
    for invitation, token in issued:
        page = pdf.new_page()
        draw_letter(page, invitation.contract, core.letter_url(base_url, token))
        yield pdf.add_page(page)
    yield pdf.finish()


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
