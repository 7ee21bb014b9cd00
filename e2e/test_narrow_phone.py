"""Issue 19 item 14 on an iPhone SE (320 px wide): the signed-in header keeps one row and
no step label breaks inside a word (契約確/認, 重要事/項, 会員規/定).

Emulated in Chromium with Playwright's "iPhone SE" profile (WebKit is not available here)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .a11y import Axe, context_options

from .pages import LoginPage
from .pages.journeys import register

SE = "iPhone SE"

# every label's text as one unit: it may sit on one line, or wrap only where a word ends
_LINES_OF_LABELS = """(sel) => [...document.querySelectorAll(sel)].map(el => {
  const words = el.dataset.words ? el.dataset.words.split(' ') : [el.textContent.trim()];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const tops = [];
  let n;
  while ((n = walker.nextNode())) {
    if (n.parentElement.getBoundingClientRect().width <= 1) continue;  // visually hidden: read aloud, not drawn
    for (let i = 0; i < n.textContent.length; i++) {
      if (!n.textContent[i].trim()) continue;
      const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
      const box = r.getClientRects()[0];
      if (box && box.width > 0) tops.push([n.textContent[i], Math.round(box.top)]);
    }
  }
  return {words, tops};
})"""


def _broken_inside_a_word(page, selector: str) -> list[str]:
    """Labels whose characters sit on two line boxes somewhere other than between two words."""
    broken = []
    for label in page.evaluate(_LINES_OF_LABELS, selector):
        chars = label["tops"]
        if not chars:
            continue
        allowed, at = set(), 0
        for word in label["words"][:-1]:  # a line may end after each word but the last
            at += len(word)
            allowed.add(at)
        for i in range(1, len(chars)):
            if chars[i][1] > chars[i - 1][1] + 2 and i not in allowed:
                shown = "".join(c for c, _ in chars[:i]) + "/" + "".join(c for c, _ in chars[i:])
                broken.append(shown)
    return broken


def _header_rows(page) -> int:
    """How many rows the header's items take: items whose boxes do not overlap vertically."""
    boxes = page.evaluate("""() => [...document.querySelector('.site-header__inner').children]
        .filter(el => el.offsetParent !== null && el.tagName !== 'DIALOG')
        .map(el => { const r = el.getBoundingClientRect(); return [r.top, r.bottom]; })""")
    rows: list[tuple[float, float]] = []
    for top, bottom in sorted(boxes):
        if rows and top < rows[-1][1] - 1:
            rows[-1] = (rows[-1][0], max(rows[-1][1], bottom))
        else:
            rows.append((top, bottom))
    return len(rows)


def test_iphone_se_header_is_one_row_and_step_labels_keep_their_words(open_phone, people, mailbox):
    page = open_phone(device=SE)
    assert page.viewport_size["width"] == 320
    person = people.new()

    page.goto("/mypage/")
    info = LoginPage(page).expect_shown().start_registration().start_registration().agree_to_terms()
    assert _broken_inside_a_word(page, ".steps--flyer .steps__label") == []
    expect(page.locator(".steps--flyer [aria-current=step]")).to_contain_text("情報入力")
    info.expect_fits_the_screen()

    page.context.clear_cookies()
    top = register(page, person, mailbox)
    assert _header_rows(page) == 1, "the signed-in header keeps one row at 320 px"
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()
    expect(page.locator(".site-header").get_by_role("link", name="設定")).to_be_visible()
    expect(page.locator(".site-header").get_by_role("link", name="AIチャット")).to_be_visible()
    top.expect_fits_the_screen()

    page.goto(f"/mypage/contracts/{person.policy_numbers[0]}/renewal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ご契約内容の確認")
    assert _header_rows(page) == 1
    assert _broken_inside_a_word(page, ".steps--renewal .steps__label") == []
    # the full step names stay for screen readers
    for name in ("契約確認", "更新内容", "保険料", "重要事項", "最終確認", "完了"):
        expect(page.locator(".steps--renewal")).to_contain_text(name)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_iphone_se_signed_in_screens_pass_axe(pw, chromium, target, people, mailbox, scheme):
    """The icon-only AIチャット button and the short step bars keep axe at 0 violations."""
    context = chromium.new_context(base_url=target.base_url, **context_options(pw, SE, color_scheme=scheme))
    try:
        page = context.new_page()
        axe = Axe(page, scheme)
        person = people.new()
        page.goto("/mypage/")
        LoginPage(page).expect_shown().start_registration().start_registration().agree_to_terms()
        axe.check("info (320 px)")
        page.context.clear_cookies()
        register(page, person, mailbox)
        axe.check("My Page top (320 px)")
        page.goto(f"/mypage/contracts/{person.policy_numbers[0]}/renewal/")
        axe.check("renewal: contract (320 px)")
        axe.assert_clean()
    finally:
        context.close()
