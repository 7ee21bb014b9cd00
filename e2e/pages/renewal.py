"""The renewal's steps (ご契約内容の確認 … 更新のお手続き完了) and their last stretch, walked by
the renewal and the reminder journeys."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .base import Screen
from .mypage import MyPageTop

BEFORE, AFTER = "54,880円", "81,220円"


class RenewalStep(Screen):
    def next(self, heading: str, button: str = "次へ") -> "RenewalStep":
        self.submit(self.button(button))
        step = RenewalStep(self.page)
        step.heading = heading
        return step.expect_shown()


def finish(options: RenewalStep, person, mailbox, car_name: str) -> None:
    page = options.page
    premium = options.next("保険料の確認")
    expect(page.locator("#premium")).to_have_text(AFTER)
    expect(page.get_by_text("例示用（デモ）の料率表")).to_be_visible()
    disclosure = premium.next("重要事項説明・意向確認")
    # issue 19 item 12: the text scrolls with the page (no small inner box) and comes as a PDF
    text = page.locator("section.terms")
    assert text.evaluate("e => e.scrollHeight <= e.clientHeight + 1"), "the 重要事項説明 scrolls inside a box"
    pdf = page.get_by_role("link", name="重要事項説明書をPDFで保存する")
    assert page.request.get(pdf.get_attribute("href")).headers["content-type"] == "application/pdf"
    disclosure.submit(disclosure.button("次へ"))  # nothing ticked: the server refuses
    expect(disclosure.error_summary).to_be_visible()
    disclosure.field("重要事項説明書の内容を確認しました。").check()
    disclosure.field("更新後のご契約内容が、私の意向に沿っていることを確認しました。").check()
    review = disclosure.next("最終確認")
    expect(page.locator("#premium")).to_have_text(AFTER)
    done = review.next("更新のお手続き完了", button="確定")
    number = page.locator("#receipt-number").inner_text().strip()
    assert re.fullmatch(r"R\d{6}-[A-Z0-9]{6}", number), number
    body = mailbox.wait_for(person.email, "更新手続き受付のご連絡")[-1].body
    assert number in body and AFTER in body and "年齢を問わず補償" in body
    done.submit(done.link("マイページトップへ"))
    top = MyPageTop(page).expect_shown()
    card = top.card(car_name)
    expect(card.locator(".status")).to_have_text("更新手続き済み")
    expect(card).to_contain_text(number)
    expect(card.get_by_role("link", name="更新のお手続き", exact=True)).to_have_count(0)
    expect(card.get_by_role("link", name="お手続き内容を確認する")).to_be_visible()
