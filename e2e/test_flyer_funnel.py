"""A flyer's QR code on a phone, end to end (issue 7).

Marketing makes a campaign in the staff console; a customer opens its
/r/CODE on a phone, lands on the registration start, registers; the
campaign's results then show 1 scan, 1 started, 1 registered.

The staff account is made with the real `flask --app wsgi staff create`
command against the local server's database, so this runs in the kit's
local mode only (a deployment has no such back door).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from . import kit
from .pages import FlowOverviewPage, Screen, VerifyPage

STAFF_EMAIL = "e2e-marketing@example.jp"
STAFF_PASSWORD = "e2e-flyer-console-2026"


def make_staff(target, email: str, password: str, role: str = "marketing") -> None:
    """`flask --app wsgi staff create` on the local server's database (fine when it exists)."""
    if target.mode != "local":
        pytest.skip("needs `flask staff create` on the server's database (local mode)")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CLICKAR_")}
    environ.update({
        "CLICKAR_ENV": "testing",
        "CLICKAR_DATABASE_URL": f"sqlite:///{target.workdir / 'clickar-e2e.db'}",
        "CLICKAR_STAFF_PASSWORD": password,
    })
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "staff", "create", email, "--role", role],
        cwd=kit.ROOT, env=environ, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 or "already exists" in result.stderr, result.stderr


@pytest.fixture(scope="module")
def staff_account(target):
    make_staff(target, STAFF_EMAIL, STAFF_PASSWORD)
    return STAFF_EMAIL, STAFF_PASSWORD


class StaffLogin(Screen):
    heading = "スタッフログイン"
    path = "/staff/login"

    def log_in(self, email: str, password: str) -> "CampaignList":
        self.field("メールアドレス").fill(email)
        self.field("パスワード").fill(password)
        self.button("ログイン").click()
        return CampaignList(self.page).expect_shown()


class CampaignList(Screen):
    heading = "キャンペーン一覧"
    path = "/staff/campaigns/"

    def new_campaign(self) -> "CampaignForm":
        self.submit(self.link("新しいキャンペーン"))
        return CampaignForm(self.page).expect_shown()


class CampaignForm(Screen):
    heading = "キャンペーンの作成"

    def create(self, name: str, target_label: str, label: str = "") -> "CampaignPage":
        self.field("キャンペーン名").fill(name)
        self.page.get_by_label(target_label).check()
        if label:
            self.field("団体名・配布グループ").fill(label)
        self.submit(self.button("作成する"))
        return CampaignPage(self.page, name).expect_shown()


class CampaignPage(Screen):
    def __init__(self, page, name: str):
        super().__init__(page)
        self.heading = name

    def code(self) -> str:
        text = self.page.locator(".qr-preview__caption").inner_text()
        return re.search(r"/R/([A-Z0-9]{8})$", text.strip()).group(1)

    def results(self) -> "ResultsPage":
        self.submit(self.link("結果"))
        return ResultsPage(self.page, self.heading).expect_shown()


class ResultsPage(Screen):
    def __init__(self, page, name: str):
        super().__init__(page)
        self.heading = f"{name}の結果"

    def count(self, step: str) -> int:
        return int(self.page.locator(f'#funnel tr[data-step="{step}"] td[data-count]').inner_text())


def test_a_flyer_scan_that_ends_in_a_registration_shows_in_the_funnel(
        open_phone, staff_account, people, mailbox, base_url):
    # Marketing makes the campaign (the console on a desktop browser).
    desk = open_phone(device="Desktop Chrome")
    desk.goto(StaffLogin.path)
    campaigns = StaffLogin(desk).expect_shown().log_in(*staff_account)
    campaign = campaigns.new_campaign().create("E2E 春の配布", "新規登録（会員登録のはじめ）", label="E2Eグループ")
    code = campaign.code()
    expect(desk.locator(".qr-preview svg")).to_be_visible()

    # A customer scans the flyer with a phone: /R/CODE exactly as the QR code holds it.
    phone = open_phone()
    phone.goto(f"/R/{code}")
    assert phone.url == f"{base_url}/mypage/register/"
    overview = FlowOverviewPage(phone).expect_shown()
    person = people.new()
    sent = overview.start_registration().agree_to_terms().fill(person).next().confirm()
    done = VerifyPage(sent.page).open_url(mailbox.verification_url(person.email)).register(person.password)
    done.to_my_page().expect_contract(person.contracts[0])

    # The campaign's results: 1 scan, 1 started, 1 registered.
    desk.reload()
    results = campaign.results()
    assert [results.count(s) for s in ("scans", "started", "registered", "renewed")] == [1, 1, 1, 0]
    expect(desk.get_by_role("img", name=re.compile("^日別スキャン数"))).to_be_visible()
    # issue 19 item 24: devices and the campaigns side by side, each chart with its table
    expect(desk.get_by_role("img", name=re.compile("^スキャンした端末（OS）"))).to_be_visible()
    expect(desk.locator("#devices")).to_be_visible()
    expect(desk.locator("#compare")).to_be_visible()
