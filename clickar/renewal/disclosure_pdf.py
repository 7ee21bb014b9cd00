"""重要事項説明書 as a PDF: the same text the disclosure step shows, to keep or print.

The step's HTML partial (partials/renewal/_disclosure_text.html: h2, h3 and p
only) is rendered as usual and laid out on A4 with the embedded Japanese font,
so the page and the PDF never say different things.
"""
from __future__ import annotations

import html
import io
import re

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from ..flyers.fonts import register_japanese_font

BLOCK = re.compile(r"<(h2|h3|p)\b[^>]*>(.*?)</\1>", re.S)
TAG = re.compile(r"<[^>]+>")
TITLE = "重要事項説明書（契約概要・注意喚起情報）"


def blocks(markup: str) -> list[tuple[str, str]]:
    """(tag, plain text) of each heading and paragraph, in order."""
    return [(tag, " ".join(html.unescape(TAG.sub("", inner)).split())) for tag, inner in BLOCK.findall(markup)]


def disclosure_pdf(markup: str, subject: str, author: str) -> bytes:
    font = register_japanese_font()
    styles = {
        "h2": ParagraphStyle("h2", fontName=font, fontSize=15, leading=21, spaceAfter=4 * mm),
        "h3": ParagraphStyle("h3", fontName=font, fontSize=11.5, leading=17, spaceBefore=3 * mm, spaceAfter=1 * mm),
        "p": ParagraphStyle("p", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK"),
    }
    story = [Paragraph(html.escape(subject), styles["p"]), Spacer(1, 4 * mm)]
    for tag, text in blocks(markup):
        story.append(Paragraph(html.escape(text), styles[tag]))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=18 * mm, bottomMargin=18 * mm, title=TITLE, author=author,
                            creator="Clickar", invariant=1)
    doc.build(story)
    return buf.getvalue()
