"""The renewal period: 90 to 14 days before 保険終期 (both days included), or the group's own dates."""
from __future__ import annotations

import datetime as dt

import pytest
from renewal_support import TARO_CAR, also_on_postgres, days_from_today, set_insurance_end

from clickar import jp
from clickar.renewal import window

END = dt.date(2027, 4, 1)


@pytest.mark.parametrize("days_before_end, state", [
    (91, "before"),
    (90, "open"),   # first day
    (60, "open"),
    (14, "open"),   # last day
    (13, "closed"),
    (0, "closed"),
    (-5, "closed"),
])
def test_default_window_edges(days_before_end, state):
    w = window.default_window(END)
    assert w.state(END - dt.timedelta(days=days_before_end)) == state


def test_default_window_dates():
    w = window.default_window(END)
    assert (w.opens, w.closes) == (dt.date(2027, 1, 1), dt.date(2027, 3, 18))


def test_a_groups_own_dates_replace_the_default_window():
    w = window.window_for(END, dt.date(2026, 12, 1), dt.date(2027, 2, 28))
    assert w.state(dt.date(2026, 11, 30)) == "before"
    assert w.state(dt.date(2026, 12, 1)) == "open"
    assert w.state(dt.date(2027, 2, 28)) == "open"
    assert w.state(dt.date(2027, 3, 1)) == "closed"
    # only one date given: the default applies
    assert window.window_for(END, dt.date(2026, 12, 1), None) == window.default_window(END)


def test_the_renewed_term_ends_a_year_later_even_from_29_february():
    assert window.one_year_after(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
    assert window.one_year_after(dt.date(2027, 4, 1)) == dt.date(2028, 4, 1)


def test_japan_days_are_used_for_today():
    assert jp.JST.utcoffset(None) == dt.timedelta(hours=9)


# ------------------------------------------------------------------ on screen

@pytest.mark.parametrize("days_to_end, status, label", [
    (91, "before", "期間外"), (90, "open", "更新手続き受付中"), (14, "open", "更新手続き受付中"), (13, "closed", "期間外")])
def test_my_page_status_follows_the_window_edges(seeded, taro, client, days_to_end, status, label):
    set_insurance_end(seeded, TARO_CAR, days_from_today(days_to_end))
    page = client.get("/mypage/").get_data(as_text=True)
    assert f'<span class="status status--{status}">{label}</span>' in page


def test_before_the_window_the_button_says_when_renewal_opens(seeded, taro, client):
    end = days_from_today(120)
    set_insurance_end(seeded, TARO_CAR, end)
    opens = end - dt.timedelta(days=90)
    top = client.get("/mypage/").get_data(as_text=True)
    assert f"{opens.year}年{opens.month}月{opens.day}日から受け付けます" in top
    r = client.get(f"/mypage/contracts/{TARO_CAR}/renewal/")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "まだ受付期間前です" in page
    assert f"{opens.year}年{opens.month}月{opens.day}日" in page
    assert "クリック保険サービス株式会社" in page and 'href="tel:0350001234"' in page
    # and no step can be reached
    assert client.get(f"/mypage/contracts/{TARO_CAR}/renewal/contract").headers["Location"].endswith("/renewal/")


def test_after_the_window_the_button_says_it_has_closed_with_the_agency_contact(seeded, taro, client):
    set_insurance_end(seeded, TARO_CAR, days_from_today(10))
    page = client.get(f"/mypage/contracts/{TARO_CAR}/renewal/").get_data(as_text=True)
    assert "受付期間は終了しました" in page
    assert "取扱代理店にお問い合わせください" in page
    assert "03-5000-1234" in page
    assert taro.contract().headers["Location"].endswith("/renewal/")


@also_on_postgres  # My Page top's one query (contracts, groups, live renewals) on both databases
def test_groups_import_sets_the_period_shown_on_my_page(seeded, taro, client, runner, tmp_path):
    opens, closes = days_from_today(-3), days_from_today(3)
    set_insurance_end(seeded, TARO_CAR, days_from_today(200))  # far outside the default window
    csv_file = tmp_path / "groups.csv"
    csv_file.write_text("group_name,renewal_opens,renewal_closes,installments,agency_email\n"
                        f"株式会社クリックカー商事,{opens},{closes},1,desk@agency.example.jp\n", encoding="utf-8")
    result = runner.invoke(args=["groups", "import", str(csv_file)])
    assert result.exit_code == 0, result.output
    top = client.get("/mypage/").get_data(as_text=True)
    assert "更新手続き受付中" in top
    taro.contract()
    page = client.get(f"{taro.base}/options").get_data(as_text=True)
    assert "一時払" in page
