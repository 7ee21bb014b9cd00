"""Issue 19 item 23 as a staffer meets it on a phone: 「パスワードをお忘れの方」 on the staff
login, the mailed link, a new password, and the old one refused (emulated in Chromium).

Its own staff account (made with `flask staff create`), so the shared e2e account keeps
its password."""
from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from .a11y import Axe, context_options
from .pages import Screen
from .pages.staff import make_staff

OLD = "e2e-reset-old-password"
NEW = "e2e-reset-new-password"


def _log_in(page, email, password):
    page.goto("/staff/login")
    page.get_by_label("メールアドレス", exact=True).fill(email)
    page.get_by_label("パスワード", exact=True).fill(password)
    Screen(page).submit(page.get_by_role("button", name="ログイン", exact=True))


def test_a_staffer_resets_a_forgotten_password_from_the_login_page(phone, target, mailbox):
    email = f"e2e-reset-{secrets.token_hex(4)}@example.jp"  # one per run and device
    make_staff(target, email, OLD)
    phone.goto("/staff/login")
    expect(phone.locator("#main")).not_to_contain_text("flask")  # no command line for staff
    phone.get_by_role("link", name="パスワードをお忘れの方").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("スタッフのパスワード再設定")
    phone.get_by_label("メールアドレス", exact=True).fill(email)
    phone.get_by_role("button", name="再設定用のメールを送る").click()
    expect(phone.get_by_role("status")).to_contain_text("パスワード再設定用のURLをお送りしました")

    body = mailbox.wait_for(email, "パスワード再設定のご案内")[-1].body
    link = re.search(r"https?://\S+/staff/password/reset/[A-Za-z0-9_\-]+", body).group(0)
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("新しいパスワードの設定")
    phone.get_by_label("新しいパスワード", exact=True).fill("short")
    phone.get_by_label("新しいパスワード（確認用）").fill("short")
    phone.get_by_role("button", name="設定する").click()
    expect(phone.get_by_text("パスワードは12文字以上、128文字以内で入力してください。").first).to_be_visible()
    expect(phone.get_by_label("新しいパスワード", exact=True)).to_have_value("")
    phone.get_by_label("新しいパスワード", exact=True).fill(NEW)
    phone.get_by_label("新しいパスワード（確認用）").fill(NEW)
    phone.get_by_role("button", name="設定する").click()
    expect(phone.get_by_role("status")).to_contain_text("パスワードを再設定しました")

    phone.goto(link)  # single use
    expect(phone.get_by_role("heading", level=1)).to_have_text("このURLは無効です")
    _log_in(phone, email, OLD)
    expect(phone.get_by_text("メールアドレスまたはパスワードが正しくありません。").first).to_be_visible()
    _log_in(phone, email, NEW)
    expect(phone.get_by_role("heading", level=1)).to_have_text("キャンペーン一覧")
    Screen(phone).expect_fits_the_screen()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_an_admin_sends_a_reset_link_and_reads_the_audit_on_a_phone(pw, chromium, target, scheme):
    """スタッフアカウント: 再設定メールを送る, then パスワード再設定の記録 says who, when, for whom;
    axe finds nothing, light and dark (iPhone SE, 320 px, emulated in Chromium)."""
    admin, colleague = (f"e2e-{role}-{secrets.token_hex(4)}@example.jp" for role in ("admin", "colleague"))
    make_staff(target, admin, OLD, role="admin")
    make_staff(target, colleague, OLD)
    context = chromium.new_context(base_url=target.base_url,
                                   **context_options(pw, "iPhone SE", color_scheme=scheme))
    try:
        page = context.new_page()
        _log_in(page, admin, OLD)
        expect(page.get_by_role("heading", level=1)).to_have_text("キャンペーン一覧")
        page.goto("/staff/accounts")
        page.get_by_role("button", name=f"{colleague} に再設定メールを送る").click()
        expect(page.get_by_role("status")).to_contain_text(f"{colleague} 宛てにパスワード再設定のメールを送りました")
        audit = page.get_by_role("region", name="パスワード再設定の記録")
        row = audit.get_by_role("row").filter(has_text=colleague).first
        expect(row).to_contain_text("再設定メールを送信（管理者の操作）")
        expect(row).to_contain_text(admin)
        axe = Axe(page, scheme)
        axe.check("staff accounts with the audit (320 px)")
        axe.assert_clean()
        Screen(page).expect_fits_the_screen()
    finally:
        context.close()
