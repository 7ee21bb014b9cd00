"""A personal invitation letter on a phone, end to end (issue 22), emulated in Chromium.

An admin makes a batch for one fresh contract in /staff/invitations and downloads the
print vendor's CSV (the token exists only there); the phone opens the letter's URL as
the QR code holds it, types only 生年月日, mail address and password ×2, then 本登録
from the mail, and reaches My Page with the contract linked.
"""
from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from .pages import VerifyPage
from .pages.staff import StaffLogin, make_staff

ADMIN = ("e2e-invitations-admin@example.jp", "e2e-invitations-2026")


@pytest.fixture(scope="module")
def admin_account(target):
    make_staff(target, *ADMIN, role="admin")
    return ADMIN


def letter_path(desk, base_url: str, policy_number: str) -> str:
    """A batch for one contract, made on /staff/invitations; the letter's path from the vendor CSV."""
    desk.goto("/staff/invitations/")
    desk.get_by_label(re.compile("^証券番号リスト")).fill(policy_number)
    desk.get_by_role("button", name="招待状を作成する").click()
    card = desk.locator(".campaign-card").first
    expect(card).to_contain_text("招待状 1通")
    action = card.locator("form[action$='letters.csv']")
    csrf = action.locator("input[name=csrf_token]").get_attribute("value")
    response = desk.request.post(base_url + action.get_attribute("action"), form={"csrf_token": csrf})
    url = list(csv.reader(io.StringIO(response.text())))[1][3]
    assert re.fullmatch(r"HTTP://[A-Z0-9.:\-]+/I/[A-Z2-7]{32}", url)
    return url[url.index("/I/"):]


def test_a_letter_registers_with_four_typed_fields_and_reaches_my_page(
        open_phone, admin_account, people, mailbox, base_url):
    person = people.new()
    desk = open_phone(device="Desktop Chrome")
    desk.goto(StaffLogin.path)
    StaffLogin(desk).expect_shown().log_in(*admin_account)
    path = letter_path(desk, base_url, person.policy_numbers[0])

    phone = open_phone()
    phone.goto(base_url + path)
    expect(phone.get_by_role("heading", name="かんたん会員登録")).to_be_visible()
    typed = phone.locator("form input:not([type=hidden]):not([type=checkbox])")
    names = sorted(typed.evaluate_all("els => els.map(e => e.name)"))
    assert names == ["birth_day", "birth_month", "birth_year", "email", "password", "password_confirm"]
    year, month, day = person.birth_date.split("-")
    phone.get_by_label("年", exact=True).fill(year)
    phone.get_by_label("月", exact=True).fill(str(int(month)))
    phone.get_by_label("日", exact=True).fill(str(int(day)))
    phone.get_by_label("メールアドレス", exact=True).fill(person.email)
    phone.get_by_label("パスワード", exact=True).fill(person.password)
    phone.get_by_label("パスワード（確認用）").fill(person.password)
    phone.get_by_label("会員規定について確認しました。").check()
    phone.get_by_role("button", name="会員規定に同意して登録する").click()
    expect(phone.get_by_role("heading", name="仮登録受付")).to_be_visible()
    done = VerifyPage(phone).open_url(mailbox.verification_url(person.email)).register(person.password)
    done.to_my_page().expect_contract(person.contracts[0])


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_letter_pages_and_the_console_have_no_axe_violations(pw, chromium, target, admin_account, people,
                                                                 base_url, scheme):
    """The console, a batch's page, an open letter (after a wrong 生年月日) and the page of an unknown letter;
    axe finds nothing, light and dark (iPhone 13, 390 px, emulated in Chromium)."""
    from .a11y import Axe, context_options
    from clickar.invitations.core import new_token

    context = chromium.new_context(base_url=target.base_url,
                                   **context_options(pw, "iPhone 13", color_scheme=scheme))
    try:
        page = context.new_page()
        page.goto(StaffLogin.path)
        StaffLogin(page).expect_shown().log_in(*admin_account)
        path = letter_path(page, base_url, people.new().policy_numbers[0])
        axe = Axe(page, scheme)
        axe.check("invitations console")
        page.locator(".campaign-card__title a").first.click()
        page.locator("summary", has_text="取り消す").first.click()
        expect(page.get_by_role("button", name="取り消しを確定する").first).to_be_visible()
        axe.check("a batch's letters, a 取り消す disclosure open")
        page.goto(path)
        page.get_by_label("年", exact=True).fill("1901")
        page.get_by_role("button", name="会員規定に同意して登録する").click()
        expect(page.locator(".error-summary, [role=alert]").first).to_be_visible()
        axe.check("open letter with errors")
        page.goto(f"/I/{new_token()}")
        expect(page.get_by_role("heading", name="このURLはご利用いただけません")).to_be_visible()
        axe.check("unknown letter")
        axe.assert_clean()
    finally:
        context.close()
