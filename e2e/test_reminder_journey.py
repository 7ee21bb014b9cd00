"""更新のご案内 end to end on a phone (issue 21).

A registered member's contract is in its renewal period. The operator's daily
`reminders send` mails them through real SMTP (the kit's aiosmtpd sink); the
member opens the mail's link on a phone that is not a trusted device, logs in
with the one-time password, lands on that contract's 更新のお手続き (not My Page
top), and renews to 確定. The next `reminders send`, that day and on the
period's last day, mails them nothing.

Local mode only: the pass is a command on the server's machine (remote mode has
no such command; its deployment runs it from the mail worker).
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from .pages import LoginPage
from .pages.journeys import register
from .pages.renewal import AFTER, RenewalStep, finish

REMINDER = "更新のお手続きのご案内"
LINK = re.compile(r"更新のお手続き：(http\S+)")


def reminders_to(mailbox, address: str) -> list:
    return [m for m in mailbox.mails(address) if REMINDER in m.subject]


def test_a_reminder_brings_the_member_back_to_renew_and_then_stops(target, open_phone, people, mailbox):
    if target.mode != "local":
        pytest.skip("`reminders send` runs on the server's machine: local mode only")
    person = people.new()
    car = person.contracts[0]["car_name"]
    register(open_phone(), person, mailbox, trust_device=True)

    sent = target.flask("reminders", "send")
    assert re.search(r"\d+ mail", sent.stdout + sent.stderr), sent.stdout
    mail = mailbox.wait_for(person.email, REMINDER)[-1]
    assert car in mail.subject and car in mail.body
    link = LINK.search(mail.body).group(1)
    assert person.email not in link and person.contracts[0]["policy_number"] not in link  # no personal data

    # another phone, not a trusted device: login, then the one-time password
    page = open_phone()
    page.goto(link)
    login = LoginPage(page).expect_shown()
    login.field("メールアドレス").fill(person.email)
    login.field("パスワード").fill(person.password)
    login.submit(login.button("ログイン"))
    page.get_by_label("ワンタイムパスワード").fill(mailbox.otp_code(person.email))
    login.submit(page.get_by_role("button", name="認証する"))
    step = RenewalStep(page)
    step.heading = "ご契約内容の確認"               # that contract's 更新のお手続き, not My Page top
    step.expect_shown()
    expect(page.get_by_text(car).first).to_be_visible()
    assert f"/mypage/contracts/{person.contracts[0]['policy_number']}/renewal/" in page.url
    options = step.next("更新内容の選択")
    page.get_by_label("年齢を問わず補償", exact=True).check()    # 運転者年齢条件 (finish expects it)
    expect(page.locator("#premium")).to_have_text(AFTER)
    finish(options, person, mailbox, car)

    before = len(reminders_to(mailbox, person.email))
    target.flask("reminders", "send")                         # the same day
    end = dt.date.fromisoformat(person.contracts[0]["insurance_end"]) - dt.timedelta(days=14)
    target.flask("reminders", "send", "--today", end.isoformat())   # the period's last day
    target.flask("mail", "flush")                              # whatever was queued has gone out
    assert len(reminders_to(mailbox, person.email)) == before == 1
