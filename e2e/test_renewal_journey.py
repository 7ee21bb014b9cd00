"""更新のお手続き end to end on a phone (issue 8), with the e2e kit's live server.

login → 更新のお手続き → change 運転者年齢条件 and see the premium change
without a reload → 保険料 → 重要事項説明・意向確認 → 最終確認 → 確定 → 完了
with a 受付番号 → the mail arrives → My Page shows 手続き済み. Once more with
JavaScript disabled (再計算 posts the form; every step is a full page).

A throw-away contract has no conditions loaded, so the standard ones apply:
6等級 → 7等級 (基本保険料 56,000円), 家族限定 ×0.980, 26歳以上 ×1.000, the rest ×1.000
    56,000 × 0.98          = 54,880円
    56,000 × 0.98 × 1.48   = 81,222.4 → 81,220円 (年齢を問わず補償, 10円未満切り捨て)
"""
from __future__ import annotations

from playwright.sync_api import expect

from .pages import LoginPage, MyPageTop
from .pages.journeys import register
from .pages.renewal import AFTER, BEFORE, RenewalStep, finish


def log_in_again(top: MyPageTop, person) -> MyPageTop:
    """マイページログイン: this browser was trusted at 本登録, so no one-time password."""
    screen = top.log_out().log_in(person.email, person.password)
    assert isinstance(screen, MyPageTop)
    return screen


def start(top: MyPageTop, car_name: str) -> RenewalStep:
    expect(top.card(car_name)).to_contain_text("更新手続き受付中")
    top.start_renewal(car_name)
    step = RenewalStep(top.page)
    step.heading = "ご契約内容の確認"
    step.expect_shown()
    expect(top.page.get_by_text("標準的な条件を表示しています")).to_be_visible()
    return step.next("更新内容の選択")


def test_renewal_with_javascript_updates_the_premium_without_a_reload(phone, people, mailbox):
    person = people.new()
    car = person.contracts[0]["car_name"]
    top = log_in_again(register(phone, person, mailbox, trust_device=True), person)
    options = start(top, car)
    premium = phone.locator("#premium")
    expect(premium).to_have_text(BEFORE)
    phone.evaluate("window.__sameDocument = true")
    url = phone.url
    phone.get_by_label("年齢を問わず補償", exact=True).check()  # 運転者年齢条件
    expect(premium).to_have_text(AFTER)  # swapped in by htmx (hx-trigger="change")
    assert phone.evaluate("window.__sameDocument === true"), "the page was reloaded"
    assert phone.url == url
    # issue 19 item 13: the premium follows each choice, so 再計算 is not offered; 車両保険なし
    # switches the 免責金額 choices off and says why, and 一般型 switches them back on
    expect(options.button("再計算")).to_be_hidden()
    deductible = phone.get_by_role("group", name="車両保険の免責金額")
    phone.get_by_label("車両保険なし", exact=True).check()
    expect(deductible.get_by_role("radio").first).to_be_disabled()
    expect(deductible).to_contain_text("「車両保険なし」を選んでいるため、免責金額は選べません")
    expect(premium).not_to_have_text(AFTER)
    phone.get_by_label("一般型").check()  # labelled 一般型 現在
    expect(deductible.get_by_role("radio").first).to_be_enabled()
    expect(deductible.get_by_text("免責金額は選べません")).to_be_hidden()
    expect(premium).to_have_text(AFTER)
    finish(options, person, mailbox, car)


def test_renewal_without_javascript(open_phone, people, mailbox):
    page = open_phone(javascript=False)
    person = people.new()
    car = person.contracts[0]["car_name"]
    top = log_in_again(register(page, person, mailbox, trust_device=True), person)
    options = start(top, car)
    expect(page.locator("#premium")).to_have_text(BEFORE)
    page.get_by_label("年齢を問わず補償", exact=True).check()
    expect(page.locator("#premium")).to_have_text(BEFORE)  # no script: nothing moves by itself
    options.submit(options.button("再計算"))  # posts the form; the page comes back recalculated
    expect(page.locator("#premium")).to_have_text(AFTER)
    expect(page.get_by_label("年齢を問わず補償", exact=True)).to_be_checked()
    finish(options, person, mailbox, car)


def test_login_page_is_where_a_logged_out_renewal_link_leads(open_phone):
    page = open_phone(javascript=False)
    page.goto("/mypage/contracts/SJ24000101/renewal/")
    LoginPage(page).expect_shown()
