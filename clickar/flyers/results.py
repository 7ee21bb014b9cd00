"""The results page's numbers: a chosen period, scans by device/OS, and campaigns side by side.

Each chart is server-rendered SVG (charts.py) with a table of the same numbers
beside it; every number here is a count of people or scans in Japan time.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from peewee import fn

from ..models import Campaign, Visit
from . import campaigns
from .forms import _date  # the campaign form's date reading: 2026-04-01, 2026/4/1, ２０２６年４月１日

DEVICE_LABELS = (("iPhone", "iPhone（iOS）"), ("Android", "Android"), ("Windows", "Windows"),
                 ("Mac", "Mac"), ("other", "その他"))


@dataclass
class Period:
    """The days shown: the campaign's default, or the staff member's 開始日〜終了日."""

    first: dt.date
    last: dt.date
    chosen: bool = False  # the staff chose it (the funnel is then counted within it)
    typed: dict[str, str] = field(default_factory=dict)  # as typed, for the form
    errors: dict[str, str] = field(default_factory=dict)  # field → Japanese message


def read_period(args, campaign: Campaign, today: dt.date | None = None) -> Period:
    """開始日 `from` and 終了日 `until` from the query string; bad input is explained and
    the default period shown. At most campaigns.MAX_CHART_DAYS days (one bar each)."""
    first, last = campaigns.chart_range(campaign, today)
    typed = {"from": (args.get("from") or "").strip(), "until": (args.get("until") or "").strip()}
    if not typed["from"] and not typed["until"]:
        return Period(first, last, typed={"from": first.isoformat(), "until": last.isoformat()})
    errors = {}
    start = _date(typed["from"]) if typed["from"] else first
    end = _date(typed["until"]) if typed["until"] else last
    if start is None:
        errors["from"] = "開始日は 2026-04-01 の形で入力してください。"
    if end is None:
        errors["until"] = "終了日は 2026-04-30 の形で入力してください。"
    if not errors:
        if end < start:
            errors["until"] = "終了日は開始日と同じか、それより後の日付にしてください。"
        elif (end - start).days + 1 > campaigns.MAX_CHART_DAYS:
            errors["until"] = f"期間は{campaigns.MAX_CHART_DAYS}日以内で指定してください。"
    if errors:
        return Period(first, last, typed=typed, errors=errors)
    return Period(start, end, chosen=True, typed={"from": start.isoformat(), "until": end.isoformat()})


def funnel_within(days, campaign: Campaign) -> campaigns.Funnel:
    """The funnel counted within the chosen days (bots and networks stay campaign-wide)."""
    return campaigns.Funnel(scans=sum(d.scans for d in days), bots=campaign.bot_visits().count(),
                            clients=campaign.distinct_clients(), started=sum(d.started for d in days),
                            registered=sum(d.registered for d in days), renewed=sum(d.renewed for d in days))


def devices(campaign: Campaign, first: dt.date, last: dt.date) -> list[tuple[str, int]]:
    """Human scans per device/OS within the days, in a fixed order (zeros included)."""
    rows = dict(campaign.scans()
                .select(Visit.device, fn.COUNT(Visit.id))
                .where((Visit.created_at >= campaigns.utc_start_of(first))
                       & (Visit.created_at < campaigns.utc_start_of(last + dt.timedelta(days=1))))
                .group_by(Visit.device)
                .tuples())
    return [(label, rows.get(key, 0)) for key, label in DEVICE_LABELS]


@dataclass(frozen=True)
class Compared:
    campaign: Campaign
    scans: int
    registered: int
    renewed: int

    @property
    def registered_rate(self) -> str:
        return campaigns.Funnel.rate(self.registered, self.scans)

    @property
    def renewed_rate(self) -> str:
        return campaigns.Funnel.rate(self.renewed, self.registered)


def comparison(today: dt.date | None = None) -> list[Compared]:
    """Every campaign (AIチャット codes aside: nobody registers there), newest first:
    scans → 本登録 → 更新完了, whole period."""
    counts = Campaign.counts_by_campaign()
    rows = []
    for c in Campaign.select().where(Campaign.target != "help").order_by(Campaign.valid_from.desc(), Campaign.id.desc()):
        n = counts.get(c.id, {})
        rows.append(Compared(c, n.get("scans", 0), n.get("registered", 0), n.get("renewed", 0)))
    return rows
