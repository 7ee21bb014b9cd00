"""A flyer's QR code on a phone, end to end (issue 7).

Marketing makes a campaign in the staff console; a customer opens its
/r/CODE on a phone, lands on the registration start, registers; the
campaign's results then show 1 scan, 1 started, 1 registered.

The staff account is made with the real `flask --app wsgi staff create`
command against the local server's database, so this runs in the kit's
local mode only (a deployment has no such back door).
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .pages import FlowOverviewPage, VerifyPage
from .pages.staff import StaffLogin


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


def test_a_new_campaigns_results_read_well_on_a_1280_px_screen(open_phone, staff_account):
    """The walkthrough (w19): in the half-width column the 端末（OS） chart shrank to a stamp,
    its table broke 端末（OS） one letter per line, and the empty charts' message ran over
    their row labels. Now the chart sits above its table there, at a readable size."""
    desk = open_phone(device="Desktop Chrome")
    desk.goto(StaffLogin.path)
    campaigns = StaffLogin(desk).expect_shown().log_in(*staff_account)
    results = campaigns.new_campaign().create("E2E 結果の見た目", "新規登録（会員登録のはじめ）").results()
    chart = results.page.get_by_role("img", name=re.compile("^スキャンした端末（OS）"))
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] >= 300
    header = results.page.locator("#devices th", has_text="端末（OS）")
    one_line = header.evaluate("th => th.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(th).lineHeight)")
    assert one_line, "端末（OS） should sit on one line"
    texts = chart.locator("text").all_text_contents()  # no scans of this campaign yet
    assert texts == ["この期間のスキャンはまだありません。"], texts


def test_the_campaign_comparison_names_each_campaign_on_a_phone(open_phone, staff_account):
    """The walkthrough (w19): at 390 px the comparison table broke キャンペーン and each
    campaign's name one letter per line; the table scrolls sideways instead."""
    phone = open_phone(device="iPhone 13")
    phone.goto(StaffLogin.path)
    campaigns = StaffLogin(phone).expect_shown().log_in(*staff_account)
    results = campaigns.new_campaign().create("E2E 比較の名前", "新規登録（会員登録のはじめ）").results()
    name = results.page.locator("#compare th", has_text="E2E 比較の名前")
    expect(name).to_be_visible()
    assert name.bounding_box()["width"] >= 100
