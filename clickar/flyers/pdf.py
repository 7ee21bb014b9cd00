"""Printable A4 flyer: member registration steps + campaign QR code.

Laid out like the printed flyer the product started from: greeting and title,
intro, the ten steps of マイページ会員登録 with the big QR code in step 1, the
optional AIチャット help code, how to renew after registering, and the
【お問い合わせ先】 footer.  The Japanese font (see ``fonts.py``) is embedded
(TrueType subset) and the QR codes are drawn as vectors at exact size.

Text sizes shrink a little when long agency data would overflow the page;
everything always stays on one A4 portrait page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from .. import flyer_words as words
from .fonts import register_japanese_font
from .qr import QrOptions, draw_qr

PAGE_W, PAGE_H = A4
MARGIN = 11 * mm
CONTENT_W = PAGE_W - 2 * MARGIN

BLUE = HexColor("#1f5fbf")
NAVY = HexColor("#17376b")
PALE = HexColor("#eaf1fb")
RED = HexColor("#c8102e")
PALE_RED = HexColor("#fdeff1")
GREY = HexColor("#555555")
LINE = HexColor("#9db6dd")

MAIN_QR_MM = 34
HELP_QR_MM = 22

# Phone screens of the key steps, taken from the app itself by `make flyer-images`
# (screenshots/flyer_steps.py): step-NN.png, NN = the flyer's step number.
STEP_IMAGES = Path(__file__).with_name("step_images")
STEP_IMAGE_MM = 12        # printed width of a phone screen in its step's card (the text keeps its size)
STEP_IMAGE_RATIO = 1.3    # its printed height / width: the top of the screen (heading and first fields)


def step_images(folder: Path = STEP_IMAGES) -> tuple[tuple[int, bytes], ...]:
    """(step number, PNG bytes) of every step image there is, in step order."""
    found = []
    for path in sorted(folder.glob("step-[0-9][0-9].png")):
        found.append((int(path.stem[5:]), path.read_bytes()))
    return tuple(found)

DEFAULT_INSURER_ADDRESS = words.INSURER_ADDRESS
DEFAULT_INSURER_WEBSITE = words.INSURER_WEBSITE


def readable_url(url: str) -> str:
    """The link as people type it (printed under its code): the code's upper-case scheme and host
    in lower case, /R/ as /r/ (campaigns.qr_url ↔ campaigns.short_url); the code stays as it is."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    host, slash, path = rest.partition("/")
    if path.startswith("R/"):
        path = "r/" + path[2:]
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"


@dataclass(frozen=True)
class _Text:
    """All the wording, with the caller's values already escaped."""

    insurer: str
    agency: str
    phone: str
    address: str
    website: str


def _steps(t: _Text) -> list[tuple[int, str, list[str]]]:
    """Steps 2–10: (number, title, paragraphs in reportlab markup)."""
    red = RED.hexval()[2:]
    return [
        (2, words.STEPS[2], ["「新規登録」ボタンを押します。"]),
        (
            3,
            words.STEPS[3],
            ["マイページ登録完了までの手順をご確認ください。", "再度「新規登録」ボタンを押します。"],
        ),
        (
            4,
            words.STEPS[4],
            [
                "「会員規定」をご確認ください。",
                "ご同意いただける場合は「会員規定について確認しました。」をチェックします。",
                "「会員規定に同意して登録する」を押します。",
            ],
        ),
        (
            5,
            words.STEPS[5],
            [
                "必須項目について入力してください。",
                f'<font color="#{red}">！設定したパスワードは本登録の際に必要ですので、'
                "必ず控えておいてください。</font>",
                "@IMPORTANT",
                "「次へ」ボタンを押します。",
            ],
        ),
        (
            6,
            words.STEPS[6],
            ["前画面でご入力いただいた内容をご確認ください。", "「確定」ボタンを押します。"],
        ),
        (
            7,
            words.STEPS[7],
            [
                "仮登録を受け付けたことを画面で表示しています。",
                "ご登録いただいたメールアドレス宛にメールが送信されます。",
                f'<font color="#{red}">※この段階では、まだ登録手続きは完了していません。</font>',
            ],
        ),
        (
            8,
            words.STEPS[8],
            [
                "メールに記載されているURLを押してください。",
                f'<font color="#{red}">{words.VERIFY_NOTE}</font>',
            ],
        ),
        (
            9,
            words.STEPS[9],
            [
                "「5 お客さま情報の入力」で設定したパスワードを入力してください。"
                "パスワードは、大文字と小文字を区別して照合します。",
                "※「信頼できる端末（ブラウザ等）として登録する」は、個人所有の端末をご使用の"
                "場合のみ選択してください。選択すると次回以降のワンタイムパスワードの入力を"
                "省略できます。",
                "「登録」ボタンを押してください。",
            ],
        ),
        (
            10,
            words.STEPS[10],
            [
                "マイページ会員登録が完了したことを画面で表示しています。",
                "ご登録いただいたメールアドレス宛に登録完了のメールが送信されます。",
                f"件名：マイページ会員登録完了のご連絡（{t.insurer}）",
            ],
        ),
    ]


IMPORTANT_ITEMS = [
    escape(words.IMPORTANT_POLICY_NUMBER),
    f'{escape(words.IMPORTANT_FOUR_ITEMS)}<br/><font color="#{RED.hexval()[2:]}">{escape(words.FOUR_ITEMS)}</font>',
    escape(words.IMPORTANT_MANY_CONTRACTS),
]


class _Flyer:
    def __init__(self, c: Canvas, font: str, fs: float, t: _Text, url: str, help_url: str | None,
                 images: tuple[tuple[int, bytes], ...] = (), measuring: bool = False):
        self.c, self.font, self.fs, self.t = c, font, fs, t
        self.url, self.help_url = url, help_url
        self.images = dict(images)
        self.measuring = measuring  # a scratch layout: pictures take their room but are not decoded
        self.body = ParagraphStyle(
            "body", fontName=font, fontSize=fs, leading=fs * 1.42, wordWrap="CJK"
        )
        self.small = ParagraphStyle(
            "small", parent=self.body, fontSize=fs * 0.9, leading=fs * 0.9 * 1.4
        )
        self.bullet = ParagraphStyle(
            "bullet", parent=self.small, leftIndent=fs * 0.9, firstLineIndent=-fs * 0.9
        )

    # -- primitives ---------------------------------------------------------
    def text(self, x, y, s, size, color=NAVY, bold=False, anchor="left"):
        c = self.c
        w = c.stringWidth(s, self.font, size)
        if anchor == "center":
            x -= w / 2
        elif anchor == "right":
            x -= w
        c.saveState()  # text render mode is graphics state: keep it local
        to = c.beginText(x, y)
        to.setFont(self.font, size)
        to.setFillColor(color)
        if bold:  # the font has no bold face: fill + stroke the outline
            c.setStrokeColor(color)
            c.setLineWidth(size * 0.035)
            to.setTextRenderMode(2)
        to.textOut(s)
        c.drawText(to)
        c.restoreState()
        return w

    def para(self, markup, style, x, top, width, draw=True):
        p = Paragraph(markup, style)
        _, h = p.wrap(width, PAGE_H)
        if draw:
            p.drawOn(self.c, x, top - h)
        return h

    def badge(self, x, top, n, size):
        c = self.c
        r = size / 2
        c.setFillColor(BLUE)
        c.circle(x + r, top - r, r, stroke=0, fill=1)
        self.text(x + r, top - r - size * 0.3, str(n), size * (0.62 if n < 10 else 0.5),
                  color=white, bold=True, anchor="center")

    def qr(self, url, x, top, size_mm):
        draw_qr(self.c, url, x, top - size_mm * mm, size_mm * mm, QrOptions(size_mm=size_mm))

    def url_line(self, url, centre, y, room, size):
        """The code's URL, printed for people who cannot scan (issue 19 item 21).

        Centred under the code; shrunk (not below 5.5 pt) to fit `room`, and kept inside the
        card by growing leftwards when it still does not fit."""
        shown = readable_url(url)
        size = max(5.5, min(size, room / max(self.c.stringWidth(shown, self.font, 1), 1)))
        width = self.c.stringWidth(shown, self.font, size)
        if width <= room:
            self.text(centre, y, shown, size, color=NAVY, anchor="center")
        else:
            self.text(centre + room / 2, y, shown, size, color=NAVY, anchor="right")
        return size

    # -- blocks -------------------------------------------------------------
    def header(self, top):
        c, fs, t = self.c, self.fs, self.t
        x = MARGIN
        # greeting pill
        g = "ご契約者の皆さまへ"
        gs = fs * 1.35
        gw = c.stringWidth(g, self.font, gs) + 6 * mm
        c.setFillColor(NAVY)
        c.roundRect(x, top - gs * 1.7, gw, gs * 1.7, gs * 0.85, stroke=0, fill=1)
        self.text(x + 3 * mm, top - gs * 1.7 + gs * 0.5, g, gs, color=white, bold=True)
        y = top - gs * 1.7 - 3 * mm
        # title
        ts = fs * 2.0
        y -= ts
        w = self.text(x, y, "団体扱自動車保険WEB更新サービス", ts, color=NAVY, bold=True)
        bs = fs * 3.6
        y -= bs * 0.95
        w = self.text(x, y, "Clickar", bs, color=BLUE, bold=True)
        self.text(x + w + 2 * mm, y, "（クリックカー）", fs * 1.5, color=NAVY, bold=True)
        y -= 3.5 * mm
        right_w = 76 * mm if self.help_url else 0
        intro_w = CONTENT_W - right_w - (5 * mm if right_w else 0)
        intro = (
            f"{t.insurer}では、職場やご自宅のパソコン・スマートフォンからインターネット上で"
            "24時間いつでも自動車保険のご継続手続きが可能です。面倒な申込書類のやり取りも"
            "不要ですので、この機会にぜひ団体扱自動車保険WEB更新サービス"
            f'<font color="#{BLUE.hexval()[2:]}">Clickar（クリックカー）</font>をご利用ください。'
        )
        h = self.para(intro, self.body, x, y, intro_w)
        y -= h + 1.5 * mm
        h = self.para(
            "このチラシはClickar更新サービスのお手続き前に必要な"
            "<u>マイページ会員登録の操作</u>についてご案内します。",
            self.body, x, y, intro_w,
        )
        y -= h
        if self.help_url:
            y = min(y, self.help_box(PAGE_W - MARGIN - right_w, top, right_w))
        return y

    def help_box(self, x, top, w):
        c = self.c
        fs = self.fs
        pad = 2.5 * mm
        hs = fs * 1.15
        qr_w = HELP_QR_MM * mm
        cap_w = w - qr_w - 3 * pad
        caption = (
            "マイページの操作でお困りの場合は…<br/>右の二次元コードから<br/>"
            f'<font color="#{BLUE.hexval()[2:]}">AIチャット</font>にご質問ください。'
        )
        cap = self.para(caption, self.small, 0, 0, cap_w, draw=False)
        head_h = hs * 1.9
        body_h = max(qr_w, cap)
        url_h = fs * 1.3
        h = head_h + body_h + url_h + 2 * pad
        c.setStrokeColor(BLUE)
        c.setLineWidth(0.8)
        c.setFillColor(white)
        c.roundRect(x, top - h, w, h, 2 * mm, stroke=1, fill=1)
        c.setFillColor(BLUE)
        c.roundRect(x, top - head_h, w, head_h, 2 * mm, stroke=0, fill=1)
        c.rect(x, top - head_h, w, head_h / 2, stroke=0, fill=1)
        self.text(x + w / 2, top - head_h + hs * 0.6, "操作に関するお問い合わせ", hs,
                  color=white, bold=True, anchor="center")
        body_top = top - head_h - pad
        self.para(caption, self.small, x + pad, body_top - (body_h - cap) / 2, cap_w)
        self.qr(self.help_url, x + w - pad - qr_w, body_top, HELP_QR_MM)
        self.url_line(self.help_url, x + w / 2, top - h + pad + fs * 0.2, w - 2 * pad, fs * 0.85)
        return top - h

    def section_bar(self, top):
        c, fs = self.c, self.fs
        h = fs * 2.6
        c.setFillColor(NAVY)
        c.rect(MARGIN, top - h, CONTENT_W, h, stroke=0, fill=1)
        w = self.text(MARGIN + 3 * mm, top - h + fs * 0.85, "マイページ会員登録お手続き手順",
                      fs * 1.5, color=white, bold=True)
        self.text(MARGIN + 3 * mm + w + 2 * mm, top - h + fs * 0.85, "（所要時間目安：約5分）",
                  fs * 1.15, color=white)
        return top - h

    def step_head(self, x, top, n, title):
        bs = self.fs * 2.1
        self.badge(x, top, n, bs)
        self.text(x + bs + 1.8 * mm, top - bs * 0.5 - self.fs * 0.42, title, self.fs * 1.22,
                  color=NAVY, bold=True)
        return top - bs - 1.2 * mm

    def card(self, x, top, w, h):
        c = self.c
        c.setStrokeColor(LINE)
        c.setLineWidth(0.7)
        c.setFillColor(white)
        c.roundRect(x, top - h, w, h, 2 * mm, stroke=1, fill=1)

    def step1(self, top):
        fs = self.fs
        pad = 2.5 * mm
        x, w = MARGIN, CONTENT_W
        qr_w = MAIN_QR_MM * mm
        cap_s = fs * 1.0
        right_w = qr_w + 14 * mm
        left_w = w - right_w - 2 * pad
        h = pad + qr_w + cap_s * 2.4 + fs * 1.5 + pad
        self.card(x, top, w, h)
        y = self.step_head(x + pad, top - pad, 1, words.STEPS[1])
        c = self.c
        bx = x + pad + 2 * mm
        pc_txt = "パソコンの場合は、上記のキーワードで検索してマイページにアクセスしてください。"
        sp_txt = (
            "スマートフォンでお手続きされる場合は、<br/><font size=\"%.1f\" color=\"#%s\">"
            "カメラで二次元コードを読み取ってください。</font>" % (fs * 1.25, RED.hexval()[2:])
        )
        sb_h = fs * 2.6
        used = sb_h + sum(
            self.para(s, self.body, 0, 0, left_w - 2 * mm, draw=False) for s in (pc_txt, sp_txt)
        )
        spare = max(1.5 * mm, (y - (top - h + pad) - used) / 3)
        # search box mock-up
        sb_w = min(left_w - 2 * mm, 105 * mm)
        y -= min(spare, 3 * mm)
        c.setStrokeColor(BLUE)
        c.setLineWidth(1.2)
        c.setFillColor(white)
        c.roundRect(bx, y - sb_h, sb_w, sb_h, sb_h / 2, stroke=1, fill=1)
        btn_w = c.stringWidth("キーワード検索", self.font, fs) + 6 * mm
        c.setFillColor(BLUE)
        c.roundRect(bx + sb_w - btn_w, y - sb_h, btn_w, sb_h, sb_h / 2, stroke=0, fill=1)
        self.text(bx + sb_w - btn_w / 2, y - sb_h / 2 - fs * 0.35, "キーワード検索", fs,
                  color=white, bold=True, anchor="center")
        # magnifier
        r = sb_h * 0.2
        cx, cy = bx + sb_h * 0.55, y - sb_h / 2 + r * 0.3
        c.setStrokeColor(GREY)
        c.setLineWidth(1.1)
        c.circle(cx, cy, r, stroke=1, fill=0)
        c.line(cx + r * 0.7, cy - r * 0.7, cx + r * 1.6, cy - r * 1.6)
        self.text(bx + sb_h * 1.05, y - sb_h / 2 - fs * 0.45, f"{self.t.insurer}　マイページ",
                  fs * 1.25, color=NAVY, bold=True)
        y -= sb_h + spare
        y -= self.para(pc_txt, self.body, bx, y, left_w - 2 * mm) + spare
        self.para(sp_txt, self.body, bx, y, left_w - 2 * mm)
        # arrow towards the QR
        ax = x + pad + left_w + 1 * mm
        ay = top - pad - qr_w / 2
        c.setFillColor(BLUE)
        p = c.beginPath()
        p.moveTo(ax, ay + 4 * mm)
        p.lineTo(ax + 5 * mm, ay)
        p.lineTo(ax, ay - 4 * mm)
        p.close()
        c.drawPath(p, stroke=0, fill=1)
        # the big code
        qx = x + w - pad - right_w + (right_w - qr_w) / 2
        self.qr(self.url, qx, top - pad, MAIN_QR_MM)
        self.text(qx + qr_w / 2, top - pad - qr_w - cap_s * 1.3,
                  "カメラで二次元コードを読み取ってください", cap_s, color=RED, bold=True,
                  anchor="center")
        self.url_line(self.url, qx + qr_w / 2, top - pad - qr_w - cap_s * 2.4 - fs * 0.9,
                      right_w, fs * 0.95)
        return top - h

    def step_card(self, x, top, w, n, title, paras, draw=True, min_h=0.0):
        pad = 2.2 * mm
        inner = w - 2 * pad
        png = self.images.get(n)
        shot_w = STEP_IMAGE_MM * mm if png else 0.0
        shot_h = shot_w * STEP_IMAGE_RATIO
        text_w = inner - (shot_w + 2 * mm if png else 0.0)  # the text keeps left of the phone screen
        parts = []
        for p in paras:
            if p == "@IMPORTANT":
                parts.append(("important", None))
            else:
                parts.append(("p", p))

        def body(draw_, y):
            for kind, p in parts:
                if kind == "p":
                    y -= self.para(p, self.small, x + pad, y, text_w, draw=draw_) + 0.9 * mm
                else:
                    y = self.important(x + pad, y, text_w, draw_) - 1.2 * mm
            return y

        head_h = self.fs * 2.1 + 1.2 * mm
        h = pad + head_h + (top - body(False, top)) + pad * 0.6
        h = max(h, min_h, 2 * pad + shot_h)
        if draw:
            self.card(x, top, w, h)
            y = self.step_head(x + pad, top - pad, n, title)
            body(True, y)
            if png and not self.measuring:
                self.phone_screen(png, x + w - pad - shot_w, top - pad, shot_w, shot_h)
        return h

    def phone_screen(self, png, x, top, w, h):
        """A small phone screen of this step (the app's own screenshot), framed like a phone."""
        c = self.c
        radius = 1.2 * mm
        c.saveState()
        frame = c.beginPath()
        frame.roundRect(x, top - h, w, h, radius)
        c.clipPath(frame, stroke=0, fill=0)
        image = ImageReader(io.BytesIO(png))
        iw, ih = image.getSize()
        drawn_h = w * ih / iw  # full width; the screen's top shows, the rest is clipped
        c.drawImage(image, x, top - drawn_h, w, drawn_h)
        c.restoreState()
        c.setStrokeColor(GREY)
        c.setLineWidth(0.6)
        c.roundRect(x, top - h, w, h, radius, stroke=1, fill=0)

    def important(self, x, top, w, draw):
        pad = 1.8 * mm
        hs = self.fs * 1.1
        hs_h = hs * 1.5
        # measured as drawn ("・" + item): measuring without the bullet let the last line cross the box
        ps = [self.para("・" + i, self.bullet, 0, 0, w - 2 * pad, draw=False) for i in IMPORTANT_ITEMS]
        h = pad + hs_h + sum(ps) + 0.8 * mm * len(ps) + pad * 0.5
        if draw:
            c = self.c
            c.setFillColor(PALE_RED)
            c.setStrokeColor(RED)
            c.setLineWidth(0.9)
            c.roundRect(x, top - h, w, h, 1.5 * mm, stroke=1, fill=1)
            self.text(x + pad, top - pad - hs * 0.95, words.IMPORTANT_TITLE, hs, color=RED, bold=True)
            y = top - pad - hs_h
            for item in IMPORTANT_ITEMS:
                y -= self.para("・" + item, self.bullet, x + pad, y, w - 2 * pad) + 0.8 * mm
        return top - h

    def steps(self, top):
        gap = 3 * mm
        col_w = (CONTENT_W - gap) / 2
        steps = _steps(self.t)
        cols = [steps[:4], steps[4:]]  # 2–5 | 6–10
        heights = [[self.step_card(0, top, col_w, *s, draw=False) for s in col] for col in cols]
        vgap = 2 * mm
        totals = [sum(hs) + vgap * (len(hs) - 1) for hs in heights]
        total = max(totals)
        for i, (col, hs) in enumerate(zip(cols, heights)):
            x = MARGIN + i * (col_w + gap)
            y = top
            for j, (s, h) in enumerate(zip(col, hs)):
                if j == len(col) - 1:  # stretch the last card: columns end level
                    h = y - (top - total)
                self.step_card(x, y, col_w, *s, min_h=h)
                y -= h + vgap
        return top - total

    def after(self, top):
        c, fs, t = self.c, self.fs, self.t
        pad = 2.5 * mm
        hs = fs * 1.25
        gap = 3 * mm
        col_w = (CONTENT_W - 2 * pad - gap) / 2
        blue = BLUE.hexval()[2:]
        cols = [
            ("①", "登録後、すぐにお手続きされる場合",
             "「10 登録完了」画面の「マイページトップへ」ボタンを押してください。"
             "車名、保険始期など表示内容から、更新のご契約であることを確認し、"
             f'<font color="#{blue}">「更新のお手続き」</font>ボタンを押してお手続きしてください。'),
            ("②", "後日、お手続きされる場合",
             f"キーワード検索（{t.insurer} マイページ）または二次元コードの読み取りでアクセスし、"
             "マイページログイン画面でメールアドレス、パスワードを入力して「ログイン」ボタンを押します。"
             f'更新のご契約であることを確認し<font color="#{blue}">「更新のお手続き」</font>'
             "ボタンを押してお手続きしてください。"),
        ]
        lead = ("マイページ会員にご登録いただき、ありがとうございました。"
                "ご契約の自動車保険の継続手続きをされる場合は、以下のアクセス方法でおこなってください。")
        lead_h = self.para(lead, self.small, 0, 0, CONTENT_W - 2 * pad, draw=False)
        body_hs = [self.para(b, self.small, 0, 0, col_w, draw=False) for _, _, b in cols]
        h = pad + lead_h + 1.5 * mm + hs * 1.5 + max(body_hs) + pad
        c.setFillColor(PALE)
        c.roundRect(MARGIN, top - h, CONTENT_W, h, 2 * mm, stroke=0, fill=1)
        y = top - pad
        y -= self.para(lead, self.small, MARGIN + pad, y, CONTENT_W - 2 * pad) + 1.5 * mm
        for i, (num, title, body) in enumerate(cols):
            x = MARGIN + pad + i * (col_w + gap)
            self.text(x, y - hs, f"{num} {title}", hs, color=NAVY, bold=True)
            self.para(body, self.small, x, y - hs * 1.5, col_w)
        return top - h

    def footer(self, top):
        c, fs, t = self.c, self.fs, self.t
        pad = 2.5 * mm
        hs = fs * 1.2
        col_w = (CONTENT_W - 2 * pad - 4 * mm) / 2
        agency_lines = []
        if t.agency:
            agency_lines.append(t.agency)
        if t.phone:
            agency_lines.append(f"TEL {t.phone}")
        agency = "<br/>".join(agency_lines) or "&nbsp;"
        insurer = (f"{t.insurer}<br/>{t.address}<br/>"
                   f"&lt;公式ウェブサイト&gt; {t.website}")
        ha = self.para(agency, self.body, 0, 0, col_w, draw=False)
        hi = self.para(insurer, self.small, 0, 0, col_w, draw=False)
        h = pad + hs * 1.6 + max(ha, hi, 10 * mm) + pad
        c.setStrokeColor(NAVY)
        c.setLineWidth(1)
        c.setFillColor(white)
        c.rect(MARGIN, top - h, CONTENT_W, h, stroke=1, fill=1)
        y = top - pad - hs
        w = self.text(MARGIN + pad, y, "【お問い合わせ先】", hs, color=NAVY, bold=True)
        self.text(MARGIN + pad + w, y, "（取扱代理店）", fs, color=GREY)
        x2 = MARGIN + pad + col_w + 4 * mm
        self.text(x2, y, "（引受保険会社）", fs, color=GREY)
        y -= hs * 0.6
        self.para(agency, self.body, MARGIN + pad, y, col_w)
        self.para(insurer, self.small, x2, y, col_w)
        c.setStrokeColor(LINE)
        c.setLineWidth(0.5)
        c.line(x2 - 2 * mm, top - pad, x2 - 2 * mm, top - h + pad)
        return top - h

    def draw(self):
        gap = 3 * mm
        y = PAGE_H - MARGIN
        y = self.header(y) - gap
        y = self.section_bar(y) - 2 * mm
        y = self.step1(y) - 2 * mm
        y = self.steps(y) - gap
        y = self.after(y) - gap
        y = self.footer(y)
        return y


def flyer_pdf(
    url: str,
    insurer_name: str = "損保ジャパン",
    agency_name: str = "",
    agency_phone: str = "",
    help_url: str | None = None,
    *,
    insurer_address: str = DEFAULT_INSURER_ADDRESS,
    insurer_website: str = DEFAULT_INSURER_WEBSITE,
    images: tuple[tuple[int, bytes], ...] | None = None,
) -> bytes:
    """One A4 portrait page, Japanese font embedded, QR codes as vectors.

    Customer-facing text only: the campaign's internal name (社内で見分けるための名前)
    is never printed, nor put in the PDF's title (issue 19 item 20).
    `images`: the phone screens of the key steps (default: step_images(); () for none).
    """
    if not url:
        raise ValueError("url is required")
    font = register_japanese_font()
    if images is None:
        images = step_images()
    t = _Text(
        insurer=escape(insurer_name),
        agency=escape(agency_name),
        phone=escape(agency_phone),
        address=escape(insurer_address),
        website=escape(insurer_website),
    )
    # Largest body size that fits: lay out on a scratch canvas first.
    chosen = None
    for fs in (9.6, 9.3, 9.0, 8.7, 8.4, 8.1, 7.8, 7.5, 7.2, 6.9, 6.6):
        scratch = Canvas(io.BytesIO(), pagesize=A4)
        bottom = _Flyer(scratch, font, fs, t, url, help_url, images, measuring=True).draw()
        if bottom >= MARGIN:
            chosen = fs
            break
    if chosen is None:
        raise ValueError("flyer text does not fit on one A4 page")
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1, pageCompression=1, initialFontName=font)
    c.setTitle("Clickar マイページ会員登録のご案内")
    c.setAuthor(insurer_name)
    c.setCreator("Clickar")
    _Flyer(c, font, chosen, t, url, help_url, images).draw()
    c.showPage()
    c.save()
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """``python -m clickar.flyers.pdf OUT.pdf [URL [HELP_URL]]``: a sample flyer."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(main.__doc__, file=sys.stderr)
        return 2
    url = args[1] if len(args) > 1 else "HTTP://127.0.0.1:5000/R/ABC123"
    help_url = args[2] if len(args) > 2 else "HTTP://127.0.0.1:5000/R/HELP42"
    data = flyer_pdf(
        url,
        agency_name="株式会社サンプル保険サービス",
        agency_phone="03-1234-5678",
        help_url=help_url,
    )
    with open(args[0], "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
