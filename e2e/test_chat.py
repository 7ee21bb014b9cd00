"""AIチャット on a phone (issue 9): open it from the drawer, ask, get an answer, give
feedback; an accident question gets the handoff; without JavaScript it is a page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


def launcher(page):
    """The AIチャット button in the header (the footer has a link of the same name)."""
    return page.locator(".chat-launcher").get_by_role("link", name="AIチャット", exact=True)


def open_drawer(page):
    page.goto("/mypage/login")
    page.evaluate("window.__noReload = true")  # gone if anything reloads the page
    launcher(page).click()
    dialog = page.get_by_role("dialog", name="AIチャット")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("ご質問")).to_be_focused()
    return dialog


def ask(dialog_or_page, question: str):
    field = dialog_or_page.get_by_label("ご質問")
    field.fill(question)
    field.press("Enter")


@pytest.mark.every_device
def test_the_drawer_opens_the_chat_answers_and_takes_feedback(phone):
    page = phone
    dialog = open_drawer(page)

    ask(dialog, "パスワードわすれた")
    answer = dialog.locator(".chat-exchange--answer").last
    expect(answer.get_by_role("heading", name="パスワードを忘れた")).to_be_visible()
    expect(dialog.get_by_label("ご質問")).to_have_value("")
    expect(dialog.get_by_label("ご質問")).to_be_focused()

    answer.get_by_role("button", name="はい", exact=True).click()
    thanks = answer.locator(".chat-feedback--done")
    expect(thanks).to_contain_text("ご回答ありがとうございました。")
    expect(thanks).to_be_focused()
    expect(answer.get_by_role("button", name="はい", exact=True)).to_have_count(0)

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher(page)).to_be_focused()
    assert page.evaluate("window.__noReload === true"), "the drawer must not reload the page"
    assert page.url.endswith("/mypage/login")


def test_an_accident_question_gets_the_handoff_with_the_accident_line(phone):
    dialog = open_drawer(phone)
    ask(dialog, "じこおこしてしまった、どうすれば")
    handoff = dialog.locator(".chat-exchange--handoff").last
    expect(handoff).to_contain_text("事故のご連絡")
    expect(handoff.get_by_role("link", name="0120-256-110")).to_have_attribute("href", "tel:0120256110")
    expect(handoff.get_by_role("button", name="はい")).to_have_count(0)


def test_a_suggestion_is_picked_inside_the_drawer(phone):
    dialog = open_drawer(phone)
    ask(dialog, "メール届かない")
    dialog.locator(".chat-exchange--suggest").last.get_by_role("link", name="仮登録メールが届かない").click()
    expect(dialog.locator(".chat-exchange--answer").last.get_by_role(
        "heading", name="仮登録メールが届かない")).to_be_visible()
    assert phone.url.endswith("/mypage/login")


def test_without_javascript_the_button_leads_to_the_chat_page(open_phone):
    page = open_phone(javascript=False)
    page.goto("/mypage/login")
    launcher(page).click()
    expect(page).to_have_url(re.compile(r"/help/chat$"))
    expect(page.get_by_role("heading", level=1, name="AIチャット")).to_be_visible()

    ask(page, "パスワードわすれた")
    answer = page.locator(".chat-exchange--answer").last
    expect(answer.get_by_role("heading", name="パスワードを忘れた")).to_be_visible()
    answer.get_by_role("button", name="いいえ", exact=True).click()
    expect(page.locator(".chat-exchange--answer").last).to_contain_text("ご回答ありがとうございました。")

    ask(page, "事故った")
    expect(page.locator(".chat-exchange--handoff").last).to_contain_text("事故のご連絡")


def test_the_chat_button_never_covers_the_login_buttons(phone):
    page = phone
    page.goto("/mypage/login")
    button = launcher(page)
    buttons = page.locator("#main .button")

    def overlaps() -> list[str]:
        box = button.bounding_box()
        hits = []
        for i in range(buttons.count()):
            other = buttons.nth(i).bounding_box()
            if other and not (other["x"] + other["width"] <= box["x"] or box["x"] + box["width"] <= other["x"]
                              or other["y"] + other["height"] <= box["y"] or box["y"] + box["height"] <= other["y"]):
                hits.append(buttons.nth(i).inner_text())
        return hits

    assert overlaps() == []
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(100)
    assert overlaps() == []


def test_on_the_chat_page_each_exchange_is_appended_without_a_reload(phone):
    page = phone
    page.goto("/help/chat")
    page.evaluate("window.__noReload = true")
    ask(page, "メール届かない")
    expect(page.locator(".chat-exchange--suggest")).to_have_count(1)
    ask(page, "ワンタイムパスワードがこない")
    expect(page.locator("#chat-log > li:not(.chat-exchange--welcome)")).to_have_count(2)
    expect(page.get_by_label("ご質問")).to_have_value("")
    expect(page.get_by_label("ご質問")).to_be_focused()
    ask(page, "")
    expect(page.locator("#chat-q-error")).to_contain_text("ご質問を入力してください。")
    expect(page.get_by_label("ご質問")).to_be_focused()
    assert page.evaluate("window.__noReload === true")


def test_the_drawer_opened_offline_answers_once_the_connection_is_back(phone):
    """Issue 19 item 16: opened offline it said 読み込み中… forever, even after reconnecting and reopening."""
    page = phone
    page.goto("/mypage/login")
    page.context.set_offline(True)
    launcher(page).click()
    dialog = page.get_by_role("dialog", name="AIチャット")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("通信できませんでした")
    expect(dialog.get_by_text("読み込み中…")).to_have_count(0)
    dialog.get_by_role("button", name="閉じる").click()
    expect(dialog).to_be_hidden()

    page.context.set_offline(False)
    launcher(page).click()
    expect(dialog.get_by_label("ご質問")).to_be_focused()
    ask(dialog, "パスワードわすれた")
    expect(dialog.locator(".chat-exchange--answer").last.get_by_role(
        "heading", name="パスワードを忘れた")).to_be_visible()


def test_after_no_the_drawer_gives_numbers_to_tap(phone):
    """Issue 19 item 17: after いいえ, the agency (where it is printed) and the insurer's number."""
    dialog = open_drawer(phone)
    ask(dialog, "パスワードわすれた")
    answer = dialog.locator(".chat-exchange--answer").last
    answer.get_by_role("button", name="いいえ", exact=True).click()
    done = answer.locator(".chat-feedback--done")
    expect(done).to_contain_text("ご契約の取扱代理店")
    expect(done.get_by_role("link", name="0120-888-089")).to_have_attribute("href", "tel:0120888089")


def test_on_a_320_px_phone_the_drawers_close_button_stays_in_view_as_the_chat_grows(phone):
    """The outside phone walk (320 × 568): after a few questions the drawer's head with 閉じる had
    scrolled out of view. The dialog itself had become scrollable (its absolutely placed hidden
    labels overflowed it) and focusing the field scrolled it; only the body scrolls now."""
    phone.set_viewport_size({"width": 320, "height": 568})
    dialog = open_drawer(phone)
    for question in ("ワンタイムパスワードが届かない", "メール届かない", "じこおこしてしまった"):
        ask(dialog, question)
        expect(dialog.locator(".chat-exchange").last).to_contain_text(question[:4])
    close = dialog.get_by_role("button", name="閉じる")
    expect(close).to_be_in_viewport()
    assert dialog.evaluate("d => d.scrollTop") == 0
    head, box = dialog.locator(".chat-dialog__head").bounding_box(), dialog.bounding_box()
    assert head["y"] >= box["y"] - 0.5, (head, box)
