"""Campaign rules: targets, unguessable short codes, URLs, results, CSV.

A campaign's URL is `{BASE_URL}/r/CODE`. The code printed in the QR symbol is
the same URL with scheme and host upper-cased and `/R/` (both routes exist):
then every character is in the QR alphanumeric set and the symbol stays small.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from peewee import IntegrityError

from .. import csvsafe
from ..db import database
from ..jp import JST, to_jst
from ..jp import today as jst_today
from ..models import Campaign, FunnelEvent, Staff, now
from .qr import QrOptions

# -------------------------------------------------------------------- targets

TARGETS = {
    # key: (what marketing reads, where the code leads)
    "mypage": ("マイページトップ", "/mypage/"),
    "register": ("新規登録（会員登録のはじめ）", "/mypage/register/"),
    "login": ("マイページログイン", "/mypage/login"),
    "renewal": ("更新のお手続き（マイページ）", "/mypage/renewal"),  # the renewal itself after login
    "help": ("AIチャット", "/help/chat"),
}


def target_label(key: str) -> str:
    return TARGETS.get(key, ("不明", ""))[0]


def target_path(key: str) -> str:
    return TARGETS.get(key, ("", "/mypage/"))[1]


# ---------------------------------------------------------------------- codes

# Upper-case letters and digits without look-alikes (0/O, 1/I): 32 symbols,
# 5 bits each; 8 of them = 40 bits, about 1.1 × 10^12 codes.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CODE_BITS = CODE_LENGTH * math.log2(len(ALPHABET))


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str | None:
    """What someone typed or scanned → a well-formed code, or None (no lookup needed)."""
    code = (raw or "").strip().upper()
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


# ----------------------------------------------------------------------- URLs

def short_url(base_url: str, code: str) -> str:
    """The link as people read it: https://example.jp/r/ABCD2345."""
    return f"{base_url.rstrip('/')}/r/{code}"


def qr_url(base_url: str, code: str) -> str:
    """The link as the QR symbol holds it: HTTPS://EXAMPLE.JP/R/ABCD2345.

    Scheme and host are case-insensitive, and /R/ is routed like /r/. A
    path prefix in BASE_URL is kept as it is (it might be case-sensitive).
    """
    parts = urlsplit(base_url.rstrip("/"))
    return f"{parts.scheme.upper()}://{parts.netloc.upper()}{parts.path}/R/{code}"


def help_chat_url(base_url: str, label: str, today: dt.date | None = None) -> str:
    """The flyer's small AIチャット code: a live help campaign of the same batch, else /help/chat."""
    help_campaign = Campaign.help_chat_for(label, today or jst_today())
    if help_campaign is not None:
        return qr_url(base_url, help_campaign.code)
    return f"{base_url.rstrip('/')}/help/chat"


# -------------------------------------------------------------- create / edit

FIELDS = ("name", "target", "label", "agency_name", "agency_phone", "valid_from", "valid_until")


def create(data: dict, staff: Staff | None = None) -> Campaign:
    """A new campaign with a fresh code; a (very unlikely) code clash just draws again."""
    for _ in range(5):
        try:
            with database.atomic():
                return Campaign.create(code=new_code(), created_by=staff,
                                       **{k: data[k] for k in FIELDS if k in data})
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a free campaign code")


def update(campaign: Campaign, data: dict) -> Campaign:
    """Everything but the code changes: printed flyers keep working."""
    for key in FIELDS:
        if key in data:
            setattr(campaign, key, data[key])
    campaign.updated_at = now()
    campaign.save()
    from .tracking import forget

    forget(campaign.code)  # this process's scans see the change at once (others within seconds)
    return campaign


def as_form_data(campaign: Campaign) -> dict:
    return {k: getattr(campaign, k) for k in FIELDS}


# -------------------------------------------------------------------- results

STATE_LABELS = {"live": "配布中", "not_yet": "開始前", "expired": "期間終了"}
MAX_CHART_DAYS = 90


@dataclass
class Day:
    date: dt.date
    scans: int = 0
    started: int = 0
    registered: int = 0
    renewed: int = 0


@dataclass
class Funnel:
    scans: int
    bots: int
    clients: int
    started: int
    registered: int
    renewed: int

    @staticmethod
    def rate(part: int, whole: int) -> str:
        """'12.5%' or '—' when nothing to divide by."""
        if not whole:
            return "—"
        return f"{part / whole * 100:.1f}%"

    def steps(self) -> list[dict]:
        """Rows for the funnel table: label, count, rate from the step before, rate from scans."""
        rows = [("scans", "スキャン", self.scans), ("started", "登録開始", self.started),
                ("registered", "本登録", self.registered), ("renewed", "更新完了", self.renewed)]
        out = []
        previous = None
        for key, label, count in rows:
            out.append({"key": key, "label": label, "count": count,
                        "step_rate": "—" if previous is None else self.rate(count, previous),
                        "overall_rate": "—" if key == "scans" else self.rate(count, self.scans)})
            previous = count
        return out


def funnel(campaign: Campaign) -> Funnel:
    counts = campaign.funnel_counts()
    return Funnel(scans=campaign.scans().count(), bots=campaign.bot_visits().count(),
                  clients=campaign.distinct_clients(), **counts)


def chart_range(campaign: Campaign, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The days the chart shows: the campaign's period up to today, at most 90 days."""
    today = today or jst_today()
    last = min(today, campaign.valid_until) if campaign.valid_until else today
    last = max(last, campaign.valid_from)
    first = max(campaign.valid_from, last - dt.timedelta(days=MAX_CHART_DAYS - 1))
    return first, last


def utc_start_of(day: dt.date) -> dt.datetime:
    """00:00 JST of `day` as naive UTC (the stored clock)."""
    return (dt.datetime.combine(day, dt.time(), JST)
            .astimezone(dt.timezone.utc)
            .replace(tzinfo=None))


def daily(campaign: Campaign, first: dt.date, last: dt.date) -> list[Day]:
    """One row per Japan-time day from first to last (inclusive), zeros included."""
    days = {first + dt.timedelta(days=i): Day(first + dt.timedelta(days=i))
            for i in range((last - first).days + 1)}
    since = utc_start_of(first)
    for when in campaign.scan_times_since(since):
        day = days.get(to_jst(when).date())
        if day is not None:
            day.scans += 1
    for kind, when in campaign.funnel_times_since(since):
        day = days.get(to_jst(when).date())
        if day is not None and kind in FunnelEvent.KINDS:
            setattr(day, kind, getattr(day, kind) + 1)
    return list(days.values())


# ------------------------------------------------------------------------ CSV

def _csv(header: list[str], rows) -> bytes:
    """UTF-8 with a BOM and CRLF line ends, so Excel opens Japanese text as is."""
    buf = io.StringIO()
    writer = csvsafe.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def visits_csv(campaign: Campaign) -> bytes:
    rows = ((to_jst(v.created_at).strftime("%Y-%m-%d %H:%M:%S"), campaign.code, v.device, v.browser,
             "1" if v.is_bot else "0", v.client)
            for v in campaign.visits_for_export().iterator())
    return _csv(["日時（日本時間）", "コード", "端末", "ブラウザ", "ボット", "接続元（匿名化）"], rows)


def daily_csv(campaign: Campaign, today: dt.date | None = None) -> bytes:
    first, last = chart_range(campaign, today)
    rows = ((d.date.isoformat(), d.scans, d.started, d.registered, d.renewed)
            for d in daily(campaign, first, last))
    return _csv(["日付", "スキャン", "登録開始", "本登録", "更新完了"], rows)


# ---------------------------------------------------------------- downloads

SIZES_MM = (15, 20, 25, 30, 40, 50, 60, 80, 100)
DPIS = (150, 300, 600, 1200)
FORMATS = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}


def qr_options(size_mm: float = 25, dpi: int = 300, logo: bool = False,
               error_correction: str = "M") -> QrOptions:
    return QrOptions(size_mm=size_mm, dpi=dpi, error_correction=error_correction, logo=logo)


def download_name(campaign: Campaign, kind: str, opts: QrOptions | None = None) -> str:
    if kind == "flyer":
        return f"flyer-{campaign.code}.pdf"
    suffix = f"-{opts.size_mm:g}mm" if opts else ""
    if opts and kind == "png":
        suffix += f"-{opts.dpi}dpi"
    if opts and opts.logo:
        suffix += "-logo"
    return f"qr-{campaign.code}{suffix}.{kind}"
