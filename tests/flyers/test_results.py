"""What a flyer brought: the funnel, the daily chart, CSV for Excel."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from flyer_support import IPHONE

from clickar.flyers import campaigns, charts, tracking
from clickar.jp import today as jst_today
from clickar.models import Campaign, FunnelEvent, Visit


def _funnel_row(page: str, step: str) -> int:
    row = re.search(rf'<tr data-step="{step}">.*?<td class="num" data-count>(\d+)</td>', page, re.S)
    return int(row.group(1))


def test_scan_then_registration_shows_in_the_campaigns_funnel(app, client, actions, staff, make_campaign, db):
    campaign = make_campaign(target="register")
    assert client.get(f"/r/{campaign.code}", headers={"User-Agent": IPHONE}).status_code == 302
    actions.register()  # same browser: terms → info → confirm → mail link → 本登録
    counts = campaign.funnel_counts()
    assert counts["started"] == counts["registered"] == 1

    staff_client = app.test_client()
    staff.client = staff_client
    staff.login()
    page = staff_client.get(f"/staff/campaigns/{campaign.id}/results").get_data(as_text=True)
    assert [_funnel_row(page, s) for s in ("scans", "started", "registered", "renewed")] == [1, 1, 1, 0]
    assert "100.0%" in page


def test_agreeing_to_the_terms_twice_counts_one_start(client, actions, make_campaign, db):
    campaign = make_campaign()
    client.get(f"/r/{campaign.code}", headers={"User-Agent": IPHONE})
    actions.agree_to_terms()
    actions.agree_to_terms()
    assert FunnelEvent.select().where(FunnelEvent.kind == "started").count() == 1
    assert campaign.funnel_counts()["started"] == 1


def test_registration_without_a_flyer_counts_for_no_campaign(actions, make_campaign, db):
    campaign = make_campaign()
    actions.register()
    assert campaign.funnel_counts() == {"started": 0, "registered": 0, "renewed": 0}
    assert [(e.kind, e.campaign_id) for e in FunnelEvent.select().order_by(FunnelEvent.id)] == [
        ("started", None), ("registered", None)]


def test_registered_and_renewed_are_credited_to_the_campaign_that_started_it(make_campaign, db):
    campaign = make_campaign()
    assert tracking.record_registration_started(campaign.code, "wizard-1")
    assert tracking.record_registered("wizard-1", 42)
    assert not tracking.record_registered("wizard-1", 42)  # a repeat counts once
    assert tracking.record_renewal_completed(42)
    assert not tracking.record_renewal_completed(42)
    assert tracking.record_renewal_completed(43)  # a member who came another way
    assert campaign.funnel_counts() == {"started": 1, "registered": 1, "renewed": 1}


def test_an_unknown_campaign_in_the_session_is_ignored(db):
    assert tracking.record_registration_started("NOTACODE", "wizard-9")
    assert FunnelEvent.get().campaign_id is None


def test_daily_counts_use_japan_time(make_campaign, db):
    campaign = make_campaign(valid_from=dt.date(2026, 3, 1), valid_until=dt.date(2026, 4, 30))
    # 2026-04-01 15:30 UTC is 2026-04-02 00:30 in Japan
    Visit.create(campaign=campaign, created_at=dt.datetime(2026, 4, 1, 15, 30), client="x", device="iPhone",
                 browser="Safari")
    Visit.create(campaign=campaign, created_at=dt.datetime(2026, 4, 1, 14, 30), client="x", device="iPhone",
                 browser="Safari")
    Visit.create(campaign=campaign, created_at=dt.datetime(2026, 4, 1, 14, 0), client="x", device="other",
                 browser="other", is_bot=True)
    days = {d.date: d.scans for d in campaigns.daily(campaign, dt.date(2026, 4, 1), dt.date(2026, 4, 2))}
    assert days == {dt.date(2026, 4, 1): 1, dt.date(2026, 4, 2): 1}


def test_chart_range_is_the_campaign_period_up_to_today_at_most_90_days(make_campaign):
    today = dt.date(2026, 6, 1)
    old = make_campaign(valid_from=dt.date(2025, 1, 1), valid_until=dt.date(2025, 2, 10))
    assert campaigns.chart_range(old, today) == (dt.date(2025, 1, 1), dt.date(2025, 2, 10))
    running = make_campaign(valid_from=dt.date(2025, 1, 1), valid_until=None)
    first, last = campaigns.chart_range(running, today)
    assert last == today and (last - first).days == 89
    future = make_campaign(valid_from=dt.date(2026, 7, 1))
    assert campaigns.chart_range(future, today) == (dt.date(2026, 7, 1), dt.date(2026, 7, 1))


def test_results_page_has_an_svg_chart_with_a_text_table(staff, client, make_campaign, db):
    campaign = make_campaign(valid_from=jst_today() - dt.timedelta(days=6))
    for _ in range(3):
        client.get(f"/r/{campaign.code}", headers={"User-Agent": IPHONE})
    staff.login()
    page = client.get(f"/staff/campaigns/{campaign.id}/results").get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "合計3件" in svg
    assert svg.count("<rect") == 7  # one bar a day
    today = jst_today()
    assert f"{today.year}年{today.month}月{today.day}日：3件" in svg
    assert "日別の数を表で見る" in page and "<table" in page
    assert "style=" not in page and "<script>" not in page  # CSP: no inline style or script


def test_csv_exports_open_in_excel(staff, client, make_campaign, db):
    campaign = make_campaign(valid_from=jst_today())
    client.get(f"/r/{campaign.code}", headers={"User-Agent": IPHONE},
               environ_base={"REMOTE_ADDR": "192.0.2.55"})
    staff.login()
    r = client.get(f"/staff/campaigns/{campaign.id}/visits.csv")
    assert r.headers["Content-Disposition"] == f'attachment; filename="visits-{campaign.code}.csv"'
    assert r.data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in r.data
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0] == ["日時（日本時間）", "コード", "端末", "ブラウザ", "ボット", "接続元（匿名化）"]
    assert rows[1][1:5] == [campaign.code, "iPhone", "Safari", "0"]
    assert "192.0.2" not in r.data.decode("utf-8-sig")

    daily = client.get(f"/staff/campaigns/{campaign.id}/daily.csv")
    rows = list(csv.reader(io.StringIO(daily.data.decode("utf-8-sig"))))
    assert daily.data.startswith(b"\xef\xbb\xbf")
    assert rows[0] == ["日付", "スキャン", "登録開始", "本登録", "更新完了"]
    assert rows[-1] == [jst_today().isoformat(), "1", "0", "0", "0"]


def test_rates_say_dash_when_there_is_nothing_to_divide():
    funnel = campaigns.Funnel(scans=0, bots=0, clients=0, started=0, registered=0, renewed=0)
    assert {row["step_rate"] for row in funnel.steps()} == {"—"}
    funnel = campaigns.Funnel(scans=8, bots=1, clients=5, started=4, registered=1, renewed=0)
    assert [r["step_rate"] for r in funnel.steps()] == ["—", "50.0%", "25.0%", "0.0%"]
    assert [r["overall_rate"] for r in funnel.steps()] == ["—", "50.0%", "12.5%", "0.0%"]


def test_chart_axis_is_round_and_empty_chart_says_so():
    assert [charts.nice_ceiling(v) for v in (0, 3, 5, 9, 17, 99, 101)] == [4, 4, 8, 12, 20, 100, 120]
    empty = charts.bar_chart([("4/1", "2026年4月1日", 0)], "日別スキャン数")
    assert "この期間のスキャンはまだありません。" in empty
    assert empty.count("<rect") == 1


def test_an_empty_bar_chart_holds_only_its_message_so_nothing_collides_with_it():
    """The walkthrough (w19): a new campaign's 端末（OS） and 比較 charts printed
    「この期間のスキャンはまだありません。」 across the row labels; the table beside names the rows."""
    empty = charts.horizontal_bars([("iPhone（iOS）", 0), ("Android", 0)], "スキャンした端末（OS）")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", empty)
    assert texts == ["この期間のスキャンはまだありません。"]
    assert "<rect" not in empty
    full = charts.horizontal_bars([("iPhone（iOS）", 3), ("Android", 1)], "スキャンした端末（OS）")
    assert re.findall(r"<text[^>]*>([^<]*)</text>", full)[1:] == ["3", "Android", "1"]


def test_campaign_list_counts_come_from_two_queries(make_campaign, db):
    a, b = make_campaign(), make_campaign()
    tracking.record_visit(a, "192.0.2.1", IPHONE, "k")
    tracking.record_visit(a, "192.0.2.1", "Googlebot/2.1", "k")
    tracking.record_registration_started(b.code, "w")
    counts = Campaign.counts_by_campaign()
    assert counts[a.id] == {"scans": 1} and counts[b.id] == {"started": 1}


# ---------------------------------------------------- issue 19 item 24: a fuller results page

ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/131.0.0.0 Mobile Safari/537.36")


def test_results_show_devices_as_a_chart_with_a_table_and_a_copyable_url(staff, client, make_campaign, db):
    campaign = make_campaign(valid_from=jst_today() - dt.timedelta(days=6))
    for ua in (IPHONE, IPHONE, ANDROID):
        client.get(f"/r/{campaign.code}", headers={"User-Agent": ua})
    staff.login()
    page = client.get(f"/staff/campaigns/{campaign.id}/results").get_data(as_text=True)
    devices = page[page.index('id="devices-title"'):page.index('id="compare-title"')]
    assert 'aria-labelledby="devices-chart-title devices-chart-desc"' in devices
    assert "iPhone（iOS） 2件、Android 1件" in devices  # the chart's description
    assert re.search(r"<th scope=\"row\">iPhone（iOS）</th><td class=\"num\">2</td><td class=\"num\">66.7%</td>", devices)
    assert f'value="http://localhost/r/{campaign.code}" readonly' in page.replace("HTTP://LOCALHOST/R/", "http://localhost/r/")
    assert "URLをコピー" in page
    assert "style=" not in page and "<script>" not in page


def test_a_chosen_period_counts_only_its_days(staff, client, make_campaign, db):
    campaign = make_campaign(valid_from=jst_today() - dt.timedelta(days=6))
    client.get(f"/r/{campaign.code}", headers={"User-Agent": IPHONE})
    yesterday = jst_today() - dt.timedelta(days=1)
    staff.login()
    r = client.get(f"/staff/campaigns/{campaign.id}/results?from={yesterday - dt.timedelta(days=2)}&until={yesterday}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert _funnel_row(page, "scans") == 0  # today's scan is outside
    assert page.count('<rect class="chart__bar"') >= 3
    full_width = f"{yesterday:%Y}－{yesterday:%m}－{yesterday:%d}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert client.get(f"/staff/campaigns/{campaign.id}/results?from={full_width}&until={full_width}").status_code == 200


@pytest.mark.parametrize("query,message", [
    ("from=2026-13-01", "開始日は 2026-04-01 の形で入力してください。"),
    ("from=2026-04-10&until=2026-04-01", "終了日は開始日と同じか、それより後の日付にしてください。"),
    ("from=2026-01-01&until=2026-12-31", "期間は90日以内で指定してください。"),
])
def test_a_bad_period_is_explained_next_to_the_field_and_keeps_what_was_typed(staff, client, make_campaign, db,
                                                                             query, message):
    campaign = make_campaign()
    staff.login()
    r = client.get(f"/staff/campaigns/{campaign.id}/results?{query}")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert page.count(message) == 2  # the summary and next to the field
    assert f'value="{query.split("&")[0].split("=")[1]}"' in page


def test_campaigns_are_compared_from_scans_to_registered_to_renewed(staff, client, make_campaign, db):
    first = make_campaign(name="春 Aグループ")
    second = make_campaign(name="秋 Bグループ")
    for _ in range(4):
        client.get(f"/r/{first.code}", headers={"User-Agent": IPHONE})
    FunnelEvent.create(campaign=first, kind="registered", member_id=1)
    staff.login()
    page = client.get(f"/staff/campaigns/{second.id}/results").get_data(as_text=True)
    table = page[page.index('id="compare"'):]
    table = table[:table.index("</table>")]
    assert re.search(r"春 Aグループ</a></th>\s*<td class=\"num\">4</td><td class=\"num\">1</td><td class=\"num\">25.0%</td>", table)
    assert "秋 Bグループ" in table and 'aria-current="true"' in table
    assert 'aria-labelledby="compare-chart-title compare-chart-desc"' in page
