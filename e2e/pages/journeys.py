"""Journeys several e2e modules (and the screenshot scripts) walk: steps 1-10 of the flyer."""
from __future__ import annotations

from playwright.sync_api import expect

from .auth import LoginPage
from .mypage import MyPageTop
from .registration import VerifyPage


def register(page, person, mailbox, trust_device=False) -> MyPageTop:
    """Steps 1–10 of the flyer, starting where the QR code lands: /mypage/.
    Every screen must fit the phone's width (no sideways scrolling)."""
    page.goto("/mypage/")
    login = LoginPage(page).expect_shown().expect_fits_the_screen()  # 1 → 2: the login screen
    overview = login.start_registration().expect_fits_the_screen()  # 「新規登録」
    register = overview.start_registration().expect_fits_the_screen()  # 3: 再度「新規登録」
    info = register.agree_to_terms().expect_fits_the_screen()  # 4
    confirm = info.fill(person).next().expect_fits_the_screen()  # 5 「次へ」
    values = confirm.values()  # 6
    assert values["氏名"] == person.name
    assert values["メールアドレス"] == person.email
    sent = confirm.confirm().expect_fits_the_screen()  # 「確定」
    expect(sent.page.get_by_text("まだ登録手続きは完了していません")).to_be_visible()  # 7
    verify = sent_mail_opens_verify(page, person, mailbox).expect_fits_the_screen()  # 8
    done = verify.register(person.password, trust_device=trust_device).expect_fits_the_screen()  # 9 「登録」
    mailbox.wait_for(person.email, "マイページ会員登録完了のご連絡")  # 10: the completion mail
    top = done.to_my_page().expect_fits_the_screen()  # 「マイページトップへ」
    for contract in person.contracts:
        top.expect_contract(contract)  # 車名, 保険始期, 更新のお手続き
    return top


def sent_mail_opens_verify(page, person, mailbox):
    return VerifyPage(page).open_url(mailbox.verification_url(person.email))
