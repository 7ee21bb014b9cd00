"""5 お客さま情報の入力 in a real browser: 追加, Back, the identity check (issues 3 and 4)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .pages import InfoPage, LinkInvalidPage, LoginPage, TermsPage, VerifyPage

JS = pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])


def info_step(page) -> InfoPage:
    return TermsPage(page).open().agree_to_terms()


@JS
def test_adding_a_contract_brings_a_second_row_and_keeps_what_was_typed(open_phone, people, javascript):
    page = open_phone(javascript=javascript)
    person = people.new(contracts=2)
    info = info_step(page)
    info.policy_field(1).fill(person.policy_numbers[0])
    info.field("氏名").fill(person.name)
    info.field("住所").fill(person.address)
    if javascript:
        page.evaluate("window.__noReload = true")
        navigations = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)

    info.add_contract(person.policy_numbers[1])

    if javascript:
        expect(info.policy_field(2)).to_be_focused()
    assert info.policy_rows() == 2
    assert info.policy_field(1).input_value() == person.policy_numbers[0]
    assert info.field("氏名").input_value() == person.name
    assert info.field("住所").input_value() == person.address
    if javascript:
        assert page.evaluate("window.__noReload === true"), "追加 with htmx must not reload the page"
        assert navigations == []
    assert info.url_path() == InfoPage.path

    confirm = info.fill(person).next()
    assert confirm.policy_numbers() == person.policy_numbers[:2]


def test_no_more_than_five_contracts_can_be_added(phone):
    info = info_step(phone)
    for _ in range(4):
        info.add_contract()
    assert info.policy_rows() == 5
    expect(info.button("追加")).to_have_count(0)
    expect(phone.get_by_text("登録できるのは最大5契約です。")).to_be_visible()


@JS
def test_browser_back_from_confirmation_keeps_what_was_typed(open_phone, people, javascript):
    page = open_phone(javascript=javascript)
    person = people.new()
    info = info_step(page)
    info.fill(person).next()

    page.go_back()

    info = InfoPage(page).expect_shown()
    values = info.values()
    assert values["policy_numbers"] == person.policy_numbers
    for key in ("name", "name_kana", "birth_date", "postal_code", "address", "phone", "email"):
        assert values[key] == getattr(person, key), key
    info.next()  # the password typed before is still on file: 次へ goes on without retyping it


def test_a_wrong_identity_gets_one_message_that_names_no_field(phone, people):
    person = people.new(typed={"birth_date": "1970-04-02"})  # one day off
    info = info_step(phone)
    info.fill(person).next_expecting_errors()

    errors = info.errors()
    assert len(errors) == 1
    assert "入力された情報とご契約情報が一致しない" in errors[0]
    assert info.field_errors() == [], "the mismatch must not say which field failed"
    expect(phone.locator("[aria-invalid=true]")).to_have_count(0)
    assert phone.title().startswith("エラー：")
    assert info.values()["name"] == person.name, "what was typed stays"


def test_an_address_typed_with_hyphens_and_a_phone_in_full_width_digits_register(phone, people, mailbox):
    """Issue 4: 東京都新宿区西新宿2-8-1 against 二丁目8番1号, （０３）１２３４－５６７８ against 03-1234-5678."""
    person = people.new(typed={"address": "東京都新宿区西新宿2-8-1", "phone": "（０３）１２３４－５６７８"})
    assert person.contracts[0]["address"] == "東京都新宿区西新宿二丁目8番1号"

    confirm = info_step(phone).fill(person).next()
    sent = confirm.confirm()
    verify = VerifyPage(sent.page).open_url(mailbox.verification_url(person.email))
    top = verify.register(person.password).to_my_page()
    top.expect_contract(person.contracts[0])


def test_a_used_verification_link_says_it_is_invalid_and_logs_no_one_in(phone, people, mailbox):
    person = people.new()
    info_step(phone).fill(person).next().confirm()
    url = mailbox.verification_url(person.email)

    VerifyPage(phone).open_url(url).register(person.password).to_my_page().log_out()
    phone.goto(url)
    LinkInvalidPage(phone).expect_shown()
    phone.goto("/mypage/")
    LoginPage(phone).expect_shown()
