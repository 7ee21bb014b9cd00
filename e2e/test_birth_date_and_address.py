"""Issue 19 items 1 and 2 on a phone (iPhone 13 / Pixel 5 profiles, emulated in Chromium):
生年月日 typed as 年 · 月 · 日 with the 和暦 shown beside 年, and 郵便番号 filling 住所 —
with htmx as it is typed, and with JavaScript off through the 住所を検索 button."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .a11y import Axe, context_options
from .pages import InfoPage, TermsPage

PHONES = pytest.mark.parametrize("device", ["iPhone 13", "Pixel 5"])


def info_step(page) -> InfoPage:
    return TermsPage(page).open().agree_to_terms()


@PHONES
def test_typing_the_birth_year_shows_its_wareki_and_the_postal_code_fills_the_address(open_phone, people, device):
    page = open_phone(device=device)
    person = people.new()
    info = info_step(page)
    for part in ("年", "月", "日"):
        expect(info.birth_field(part)).to_have_attribute("inputmode", "numeric")

    info.birth_field("年").press_sequentially("1970")
    expect(info.era_hint).to_have_text("昭和45年")
    info.birth_field("年").fill("")
    info.birth_field("年").press_sequentially("S45")
    expect(info.era_hint).to_have_text("昭和45年（1970年）")
    info.birth_field("月").press_sequentially("4")
    info.birth_field("日").press_sequentially("1")

    info.field("郵便番号").press_sequentially("１６０－００２３")  # full-width, as a Japanese keyboard types it
    expect(info.field("住所")).to_have_value("東京都新宿区西新宿")
    expect(page.locator("#address-status")).to_contain_text("続けて番地・建物名を入力してください")
    expect(info.button("住所を検索")).to_be_hidden()  # with JavaScript the lookup needs no button

    info.field("住所").press("End")
    info.field("住所").press_sequentially("二丁目8番1号")
    expect(info.field("住所")).to_have_value(person.address)
    # 郵便番号 changed after the person typed 番地: 住所 stays theirs
    info.field("郵便番号").fill("")
    info.field("郵便番号").press_sequentially("1000001")
    expect(page.locator("#address-status")).to_contain_text("入力済みの住所はそのままにしています")
    expect(info.field("住所")).to_have_value(person.address)
    info.field("郵便番号").fill(person.postal_code)

    for key, label in (("name", "氏名"), ("name_kana", "フリガナ"), ("phone", "電話番号"), ("email", "メールアドレス")):
        info.field(label).fill(getattr(person, key))
    info.field("パスワード").fill(person.password)
    info.field("パスワード（確認用）").fill(person.password)
    info.policy_field(1).fill(person.policy_numbers[0])
    confirm = info.next()
    assert confirm.values()["生年月日"].startswith("1970年4月1日")


def test_a_code_with_several_towns_offers_them(phone, people):
    info = info_step(phone)
    info.field("郵便番号").press_sequentially("0680546")
    choices = phone.locator(".address-choices")
    expect(choices.get_by_role("button")).to_have_count(2)
    expect(info.field("住所")).to_have_value("")  # nothing guessed
    choices.get_by_role("button", name="北海道夕張市南部菊水町").click()
    expect(info.field("住所")).to_have_value("北海道夕張市南部菊水町")
    expect(phone.locator(".address-choices")).to_have_count(0)


def test_an_unknown_code_says_so_and_keeps_the_address(phone, people):
    info = info_step(phone)
    info.field("住所").fill("大阪府大阪市")
    info.field("郵便番号").press_sequentially("9999999")
    expect(phone.locator("#address-status")).to_contain_text("この郵便番号の住所が見つかりませんでした")
    expect(info.field("住所")).to_have_value("大阪府大阪市")


def test_without_javascript_the_search_button_fills_the_address_and_keeps_what_was_typed(open_phone, people):
    page = open_phone(javascript=False)
    person = people.new()
    info = info_step(page)
    info.policy_field(1).fill(person.policy_numbers[0])
    info.field("氏名").fill(person.name)
    info.fill_birth_date("S45", "4", "1")
    info.field("郵便番号").fill("1600023")
    info.field("パスワード").fill(person.password)
    info.field("パスワード（確認用）").fill(person.password)

    info.submit(info.button("住所を検索"))

    info.expect_shown()
    expect(info.field("住所")).to_have_value("東京都新宿区西新宿")
    expect(info.field("氏名")).to_have_value(person.name)
    expect(info.birth_field("年")).to_have_value("S45")
    expect(info.era_hint).to_have_text("昭和45年（1970年）")  # rendered by the server
    expect(info.field("パスワード")).to_have_value("")  # passwords are never sent back…
    info.field("住所").fill(person.address)
    for key, label in (("name_kana", "フリガナ"), ("phone", "電話番号"), ("email", "メールアドレス")):
        info.field(label).fill(getattr(person, key))
    info.next()  # …but the one typed twice was kept: 次へ goes on


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_changed_info_step_passes_axe(pw, chromium, target, device_name, people, scheme):
    context = chromium.new_context(base_url=target.base_url,
                                   **context_options(pw, device_name, color_scheme=scheme))
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        axe = Axe(page, scheme)
        info = info_step(page)
        info.birth_field("年").press_sequentially("S45")
        expect(info.era_hint).to_have_text("昭和45年（1970年）")
        info.field("郵便番号").press_sequentially("0680546")
        expect(page.locator(".address-choices")).to_be_visible()
        axe.check("info: 和暦 and several towns")
        info.field("郵便番号").fill("")
        info.field("郵便番号").press_sequentially("9999999")
        expect(page.locator("#address-status")).to_contain_text("見つかりませんでした")
        info.fill_birth_date("1970", "2", "30")
        info.submit(info.button("次へ"))
        expect(page.locator("#birth-date-error")).to_contain_text("2月30日は存在しない日付です")
        axe.check("info: birth date error, unknown code")
        axe.assert_clean()
    finally:
        context.close()
