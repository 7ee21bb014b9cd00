"""Every screen usable by everyone (issue 11), on a phone profile.

- axe-core with the WCAG 2.2 AA tags on every screen — registration, login, one-time
  password, password reset, settings, My Page, renewal, AIチャット, the staff console,
  error and offline pages — including the states after an empty submit, and the main
  screens once more in dark mode: zero violations.
- The whole registration with the keyboard only (Tab / Enter / Space).
- 320 px wide with 200 % text: nothing sticks out of the viewport sideways.

The axe contexts use bypass_csp=True (see e2e/a11y.py): the CSP is script-src 'self'
and axe is injected as an inline script.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .a11y import Axe, context_options, overflow
from .pages import ConfirmPage, LoginPage, MyPageTop, OtpPage, Screen, VerifyPage


@pytest.fixture
def open_context(pw, chromium, target, device_name):
    """open_context(**context options) → a Page in a fresh bypass-CSP context on the phone."""
    opened = []

    def open_(device: str | None = None, **extra):
        context = chromium.new_context(base_url=target.base_url,
                                       **context_options(pw, device or device_name, **extra))
        context.set_default_timeout(15_000)
        opened.append(context)
        return context.new_page()

    yield open_
    for context in opened:
        context.close()


def shown(page, heading: str) -> Screen:
    screen = Screen(page)
    screen.heading = heading
    return screen.expect_shown()


def submit(page, name: str, heading: str | None = None, errors: bool = False) -> Screen:
    screen = Screen(page)
    screen.submit(page.locator("#main").get_by_role("button", name=name, exact=True).first)
    if errors:
        expect(screen.error_summary).to_be_visible()
        expect_errors_tied_to_fields(page)
    if heading:
        return shown(page, heading)
    return screen


def expect_errors_tied_to_fields(page) -> None:
    """After a failed submit: the summary's links lead to fields that exist, and every
    field marked invalid names its error (and hint) through aria-describedby."""
    problems = page.evaluate("""() => {
      const out = [];
      for (const a of document.querySelectorAll('.error-summary a[href^="#"]')) {
        const el = document.getElementById(a.getAttribute('href').slice(1));
        if (!el) out.push(`summary link ${a.getAttribute('href')} leads nowhere`);
      }
      for (const el of document.querySelectorAll('[aria-invalid="true"]')) {
        const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
        const texts = ids.map(id => document.getElementById(id)).filter(Boolean);
        if (texts.length !== ids.length) out.push(`#${el.id}: aria-describedby names a missing element`);
        if (!texts.some(t => t.classList.contains('field__error') || /error/.test(t.id)))
          out.push(`#${el.id} is invalid but its error is not in aria-describedby`);
        if (!(el.labels && el.labels.length) && !el.getAttribute('aria-labelledby'))
          out.push(`#${el.id} has no visible label`);
      }
      return out;
    }""")
    assert not problems, f"{page.url}: " + "; ".join(problems)


def check_screens(page, axe: Axe, screens) -> None:
    """Each (path, heading, button): open it, check it, and if it has a form, check it submitted empty."""
    for path, heading, button in screens:
        page.goto(path)
        shown(page, heading)
        axe.check(heading)
        if button:
            submit(page, button, heading, errors=True)
            axe.check(f"{heading}, empty submit")


def ask_the_chat(page, axe: Axe) -> None:
    """On the AIチャット page: ask, wait for the answer, check the page with it."""
    field = page.get_by_label("ご質問")
    field.fill("パスワードわすれた")
    field.press("Enter")
    expect(page.locator(".chat-exchange--answer").last).to_be_visible()
    axe.check("chat, answered")


def register_checking(page, axe: Axe, person, mailbox) -> MyPageTop:
    """The registration, axe on every screen and on each form's empty submit."""
    page.goto("/mypage/login")
    login = LoginPage(page).expect_shown()
    axe.check("login")
    submit(page, "ログイン", errors=True)
    axe.check("login, empty submit")
    overview = login.start_registration()
    axe.check("registration overview")
    terms = overview.start_registration()
    axe.check("terms")
    submit(page, "会員規定に同意して登録する", "会員規定への同意", errors=True)
    axe.check("terms, not ticked")
    info = terms.agree_to_terms()
    axe.check("info")
    info.next_expecting_errors()
    axe.check("info, empty submit")
    confirm = info.fill(person).next()
    axe.check("confirm")
    sent = confirm.confirm()
    axe.check("sent")
    verify = VerifyPage(page).open_url(mailbox.verification_url(person.email))
    axe.check("verify")
    submit(page, "登録", "本登録", errors=True)
    axe.check("verify, empty submit")
    done = verify.register(person.password, trust_device=True)
    axe.check("done")
    return done.to_my_page()


def test_every_member_screen_passes_axe(open_context, people, mailbox):
    page = open_context()
    axe = Axe(page)
    person = people.new()
    top = register_checking(page, axe, person, mailbox)
    axe.check("My Page top")
    policy = person.policy_numbers[0]
    car = person.car_names[0]

    top.open_contract(car)
    axe.check("contract detail")

    # renewal wizard
    page.goto(f"/mypage/contracts/{policy}/renewal/")
    shown(page, "ご契約内容の確認")
    axe.check("renewal: contract")
    submit(page, "次へ", "更新内容の選択")
    axe.check("renewal: options")
    page.get_by_label("車両保険なし", exact=True).check()  # 免責金額 switched off, with its note
    expect(page.locator("#deductible-off")).to_be_visible()
    axe.check("renewal: options, no vehicle cover")
    page.get_by_label("一般型").check()
    expect(page.locator("#deductible-off")).to_be_hidden()
    submit(page, "次へ", "保険料の確認")
    axe.check("renewal: premium")
    submit(page, "次へ", "重要事項説明・意向確認")
    axe.check("renewal: disclosure")
    submit(page, "次へ", "重要事項説明・意向確認", errors=True)
    axe.check("renewal: disclosure, nothing ticked")
    page.get_by_label("重要事項説明書の内容を確認しました。", exact=True).check()
    page.get_by_label("更新後のご契約内容が、私の意向に沿っていることを確認しました。", exact=True).check()
    submit(page, "次へ", "最終確認")
    axe.check("renewal: review")
    submit(page, "確定", "更新のお手続き完了")
    axe.check("renewal: done")
    receipt = page.locator("#main a[href*='/receipts/']").first
    if receipt.count():
        Screen(page).submit(receipt)
        axe.check("renewal: receipt")

    # My Page profile, add contract, withdraw
    check_screens(page, axe, [
        ("/mypage/profile", "お客さま情報", None),
        ("/mypage/profile/change", "住所・電話番号の変更", None),
        ("/mypage/contracts/add", "ご契約の追加", "追加"),
        ("/mypage/withdraw", "退会", "退会する"),
    ])

    # settings
    page.goto("/mypage/settings/")
    shown(page, "設定")
    axe.check("settings")
    check_screens(page, axe, [
        ("/mypage/settings/devices", "信頼できる端末", None),
        ("/mypage/settings/password", "パスワードの変更", "変更する"),
        ("/mypage/settings/email", "メールアドレスの変更", "確認メールを送る"),
        ("/mypage/settings/authenticator", "認証アプリ", "設定する"),
        ("/mypage/settings/history", "ログイン履歴", None),
    ])

    # the one-time password screen: log out, log in from a browser that is not trusted
    other = open_context()
    axe_other = Axe(other)
    other.goto("/mypage/login")
    otp = LoginPage(other).expect_shown().log_in(person.email, person.password)
    assert isinstance(otp, OtpPage)
    axe_other.check("one-time password")
    submit(other, "認証する", "ワンタイムパスワードの入力", errors=True)
    axe_other.check("one-time password, empty submit")

    axe.found += axe_other.found
    axe.assert_clean()


def test_every_public_screen_passes_axe(open_context, people, mailbox):
    page = open_context()
    axe = Axe(page)
    person = people.new()
    from .pages.journeys import register

    register(page, person, mailbox)
    page.context.clear_cookies()

    page.goto("/mypage/password/forgot")
    shown(page, "パスワードをお忘れの方")
    axe.check("forgot")
    submit(page, "送信する", "パスワードをお忘れの方", errors=True)
    axe.check("forgot, empty submit")
    page.get_by_label("メールアドレス", exact=True).fill(person.email)
    submit(page, "送信する")
    axe.check("forgot, sent")
    body = mailbox.wait_for(person.email, "パスワード再設定")[-1].body
    url = re.search(r"https?://\S+/mypage/password/reset/\S+", body).group(0)
    page.goto(url)
    shown(page, "パスワードの再設定")
    axe.check("reset")
    submit(page, "再設定する", "パスワードの再設定", errors=True)
    axe.check("reset, empty submit")
    page.goto("/mypage/password/reset/not-a-real-token")
    axe.check("reset, invalid link")

    page.goto("/mypage/register/verify/not-a-real-token")
    axe.check("verify, invalid link")
    page.goto("/mypage/session-expired")
    axe.check("session expired")
    page.goto("/offline")
    axe.check("offline")
    page.goto("/mypage/no-such-page")
    axe.check("404")

    # AIチャット: the page, an answer, and the drawer
    page.goto("/help/chat")
    shown(page, "AIチャット")
    axe.check("chat")
    ask_the_chat(page, axe)
    page.goto("/mypage/login")
    page.locator(".chat-launcher").get_by_role("link", name="AIチャット", exact=True).click()
    expect(page.get_by_role("dialog", name="AIチャット")).to_be_visible()
    axe.check("chat drawer")
    axe.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_staff_screen_passes_axe(open_context, staff_account, scheme):  # noqa: F811
    """The staff console on a phone, in light and dark (marketing checks results on the go)."""
    email, password = staff_account
    page = open_context(color_scheme=scheme)
    axe = Axe(page, scheme)
    page.goto("/staff/login")
    shown(page, "スタッフログイン")
    axe.check("staff login")
    submit(page, "ログイン", "スタッフログイン", errors=True)
    axe.check("staff login, empty submit")
    Screen(page).submit(page.get_by_role("link", name="パスワードをお忘れの方"))
    shown(page, "スタッフのパスワード再設定")
    axe.check("staff forgot password")
    submit(page, "再設定用のメールを送る", "スタッフのパスワード再設定", errors=True)
    axe.check("staff forgot password, empty submit")
    page.get_by_label("メールアドレス", exact=True).fill(f"nobody-{scheme}@example.jp")
    submit(page, "再設定用のメールを送る", "スタッフのパスワード再設定")
    expect(page.get_by_role("status")).to_contain_text("パスワード再設定用のURLをお送りしました")
    axe.check("staff forgot password, sent")
    page.goto("/staff/password/reset/not-a-live-link")
    shown(page, "このURLは無効です")
    axe.check("staff reset link invalid")
    page.goto("/staff/login")
    page.get_by_label("メールアドレス", exact=True).fill(email)
    page.get_by_label("パスワード", exact=True).fill(password)
    submit(page, "ログイン", "キャンペーン一覧")
    axe.check("campaigns")
    page.goto("/staff/campaigns/new")
    shown(page, "キャンペーンの作成")
    axe.check("new campaign")
    submit(page, "作成する", "キャンペーンの作成", errors=True)
    axe.check("new campaign, empty submit")
    page.get_by_label("キャンペーン名", exact=True).fill(f"E2E a11y {scheme}")
    page.get_by_label("新規登録（会員登録のはじめ）").check()
    submit(page, "作成する", f"E2E a11y {scheme}")
    axe.check("campaign")
    Screen(page).submit(page.locator("#main").get_by_role("link", name="結果", exact=True).first)
    shown(page, f"E2E a11y {scheme}の結果")
    axe.check("campaign results")
    page.goto("/staff/campaigns/")
    axe.check("campaigns, one made")
    page.goto("/staff/help")
    axe.check("staff help")
    assert len(axe.screens) == 13
    axe.assert_clean()


def test_main_screens_pass_axe_in_dark_mode(open_context, people, mailbox):
    page = open_context(color_scheme="dark")
    axe = Axe(page, "dark")
    person = people.new()
    page.goto("/mypage/login")
    login = LoginPage(page).expect_shown()
    axe.check("login")
    submit(page, "ログイン", errors=True)
    axe.check("login, empty submit")
    info = login.start_registration().start_registration().agree_to_terms()
    info.next_expecting_errors()
    axe.check("info, empty submit")
    confirm: ConfirmPage = info.fill(person).next()
    axe.check("confirm")
    sent = confirm.confirm()
    axe.check("sent")
    verify = VerifyPage(page).open_url(mailbox.verification_url(person.email))
    top = verify.register(person.password, trust_device=True).to_my_page()
    axe.check("My Page top")
    page.goto(f"/mypage/contracts/{person.policy_numbers[0]}/renewal/")
    shown(page, "ご契約内容の確認")
    axe.check("renewal: contract")
    submit(page, "次へ", "更新内容の選択")
    axe.check("renewal: options")
    submit(page, "次へ", "保険料の確認")
    submit(page, "次へ", "重要事項説明・意向確認")
    submit(page, "次へ", "重要事項説明・意向確認", errors=True)
    axe.check("renewal: disclosure, nothing ticked")
    page.goto("/mypage/settings/")
    axe.check("settings")
    page.goto("/help/chat")
    ask_the_chat(page, axe)
    assert top is not None
    axe.assert_clean()


def test_registration_can_be_done_with_the_keyboard_only(open_context, people, mailbox):
    """From the login screen to 登録完了 with Tab / Shift+Tab / Enter / Space, never a click."""
    page = open_context()
    person = people.new()
    keys = page.keyboard

    def focused() -> dict:
        return page.evaluate("""() => { const el = document.activeElement;
            return {tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '',
                    text: (el.innerText || el.value || '').trim(),
                    label: el.labels && el.labels.length ? el.labels[0].innerText.trim() : ''}; }""")

    def tab_to(predicate, what: str, limit: int = 80):
        for _ in range(limit):
            keys.press("Tab")
            if predicate(focused()):
                return
        raise AssertionError(f"Tab never reached {what}")

    def tab_to_text(text: str):
        tab_to(lambda f: f["text"] == text, f"「{text}」")

    def tab_to_field(label: str):
        tab_to(lambda f: f["label"].startswith(label) and f["tag"] in ("input", "textarea", "select"),
               f"the field {label}")

    def press_and_wait(key: str, heading: str):
        """Press the key on the focused control; the next screen comes (an htmx swap), its
        heading takes the focus (a screen reader reads it next) and the title names it."""
        page.evaluate("() => { window.__e2eSamePage = true }")
        Screen(page).submit(_KeyPress(keys, key))
        shown(page, heading)
        if page.evaluate("() => window.__e2eSamePage === true"):  # swapped, not a new page load
            swaps.append(heading)
            expect(page.get_by_role("heading", level=1, name=heading, exact=True)).to_be_focused()
        expect(page).to_have_title(re.compile(re.escape(heading)))
        current = page.locator(".steps [aria-current='step']")
        if page.locator(".steps").count():
            expect(current).to_have_count(1)

    swaps: list[str] = []
    page.goto("/mypage/login")
    LoginPage(page).expect_shown()
    tab_to_text("新規登録")
    press_and_wait("Enter", "マイページご利用までの流れ")
    tab_to_text("新規登録")
    press_and_wait("Enter", "会員規定への同意")
    tab_to_field("会員規定について確認しました。")
    keys.press("Space")
    expect(page.get_by_label("会員規定について確認しました。", exact=True)).to_be_checked()
    tab_to_text("会員規定に同意して登録する")
    press_and_wait("Enter", "お客さま情報の入力")
    expect(page.locator(".steps [aria-current='step']")).to_contain_text("情報入力")

    born = person.birth_date.split("-")
    values = {
        "証券番号": person.policy_numbers[0], "氏名": person.name, "フリガナ": person.name_kana,
        "年": born[0], "月": str(int(born[1])), "日": str(int(born[2])),  # 生年月日: 年 · 月 · 日
        "郵便番号": person.postal_code, "電話番号": person.phone,
        "メールアドレス": person.email,
    }
    for label, value in values.items():
        tab_to_field(label)
        keys.type(value)
    tab_to_field("住所")
    keys.press("Control+a")
    keys.type(person.address)
    tab_to(lambda f: f["name"] == "password", "パスワード")
    keys.type(person.password)
    tab_to(lambda f: f["name"] in ("password_confirm", "password2", "password_confirmation"),
           "パスワード（確認用）")
    keys.type(person.password)
    tab_to_text("次へ")
    press_and_wait("Enter", "お客さま情報の確認")
    tab_to_text("確定")
    press_and_wait("Enter", "仮登録受付")

    page.goto(mailbox.verification_url(person.email))
    shown(page, "本登録")
    tab_to(lambda f: f["name"] == "password", "パスワード")
    keys.type(person.password)
    tab_to_field("信頼できる端末（ブラウザ等）として登録する")
    keys.press("Space")
    tab_to_text("登録")
    press_and_wait("Enter", "登録完了")
    tab_to_text("マイページトップへ")
    press_and_wait("Enter", "マイページトップ")
    MyPageTop(page).expect_contract(person.contracts[0])
    assert len(swaps) >= 5, f"htmx swaps checked for focus and title: {swaps}"


class _KeyPress:
    """Something Screen.submit() can 'click': a key press on the focused element."""

    def __init__(self, keyboard, key: str):
        self.keyboard, self.key = keyboard, key

    def click(self):
        self.keyboard.press(self.key)


def test_reduced_motion_turns_off_animation_and_smooth_scrolling(open_context):
    """prefers-reduced-motion: reduce → no element animates or transitions, no smooth scroll."""
    page = open_context(reduced_motion="reduce")
    moving = []
    for path in ("/mypage/login", "/mypage/register/", "/help/chat", "/staff/login"):
        page.goto(path)
        expect(page.locator("h1").first).to_be_visible()
        moving += page.evaluate("""() => {
          const seconds = v => Math.max(...v.split(',').map(t => parseFloat(t) * (t.trim().endsWith('ms') ? 0.001 : 1)));
          const out = [];
          for (const el of [document.documentElement, ...document.querySelectorAll('body *')]) {
            const s = getComputedStyle(el);
            if (s.animationName !== 'none' && seconds(s.animationDuration) > 0.01)
              out.push(location.pathname + ' ' + el.tagName + '.' + el.className + ' animates');
            if (seconds(s.transitionDuration) > 0.01)
              out.push(location.pathname + ' ' + el.tagName + '.' + el.className + ' transitions');
            if (s.scrollBehavior === 'smooth') out.push(location.pathname + ' ' + el.tagName + ' scrolls smoothly');
          }
          return out;
        }""")
    assert not moving, "with reduced motion these still move:\n" + "\n".join(moving[:20])




def test_320px_wide_with_200_percent_text_nothing_overflows(open_context, people, mailbox):
    """WCAG 1.4.4 / 1.4.10: text at 200 % in a 320 px viewport; nothing scrolls sideways.

    The text is zoomed with html{font-size:200%} (the app sizes text in rem/em, so this is
    what a browser's text-size setting does); page zoom (setPageScaleFactor) would only
    magnify pixels and prove nothing about reflow."""
    page = open_context(viewport={"width": 320, "height": 640}, device_scale_factor=2)
    person = people.new()
    problems: list[str] = []

    def look(screen: str):
        page.add_style_tag(content="html{font-size:200% !important}")
        page.wait_for_timeout(50)
        for p in overflow(page):
            problems.append(f"{screen} {Screen(page).url_path()}: {p}")

    page.goto("/mypage/login")
    login = LoginPage(page).expect_shown()
    look("login")
    submit(page, "ログイン", errors=True)
    look("login, empty submit")
    info = login.start_registration().start_registration().agree_to_terms()
    look("info")
    info.next_expecting_errors()
    look("info, empty submit")
    confirm = info.fill(person).next()
    look("confirm")
    sent = confirm.confirm()
    look("sent")
    verify = VerifyPage(page).open_url(mailbox.verification_url(person.email))
    look("verify")
    done = verify.register(person.password, trust_device=True)
    look("done")
    done.to_my_page()
    look("My Page top")
    page.goto(f"/mypage/contracts/{person.policy_numbers[0]}/")
    look("contract detail")
    page.goto(f"/mypage/contracts/{person.policy_numbers[0]}/renewal/")
    shown(page, "ご契約内容の確認")
    look("renewal: contract")
    submit(page, "次へ", "更新内容の選択")
    look("renewal: options")
    submit(page, "次へ", "保険料の確認")
    look("renewal: premium")
    page.goto("/mypage/settings/")
    look("settings")
    page.goto("/help/chat")
    look("chat")
    assert not problems, "at 320 px with 200 % text these stick out:\n" + "\n".join(problems)

