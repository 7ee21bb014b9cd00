"""Issue 19 item 23: staff password reset, mailed to the staff address.

The link is stored only as a hash, works once, lives 30 minutes; asking is rate-limited
and answers the same whether or not the address has an account; an admin can send the
link from /staff/accounts; every mailed link and every reset leaves an audit row that
admins see. The staff login page shows no command line.
"""
from __future__ import annotations

import datetime as dt
import re

from clickar.models import Staff, StaffAudit, StaffToken, token_hash

from flyer_support import STAFF_PASSWORD

NEW = "a-brand-new-console-pass"
SUBJECT = "パスワード再設定のご案内"


def _ask(staff, email):
    return staff.post("/staff/password/forgot", {"email": email})


def _link(mailbox, email) -> str:
    body = mailbox.last_body(email, SUBJECT)
    return re.search(r"https?://\S+(/staff/password/reset/\S+)", body).group(1)


def test_the_login_page_offers_the_reset_and_shows_no_command(client):
    page = client.get("/staff/login").get_data(as_text=True)
    assert 'href="/staff/password/forgot"' in page and "パスワードをお忘れの方" in page
    assert "flask" not in page and "<code>" not in page


def test_a_mailed_link_sets_a_new_password_once_and_ends_old_sessions(staff, client, mailbox, db):
    staff.account()
    answer = _ask(staff, "Marketing@Example.jp ")
    assert answer.status_code == 200 and "パスワード再設定用のURLをお送りしました" in answer.get_data(as_text=True)
    path = _link(mailbox, "marketing@example.jp")
    token = path.rsplit("/", 1)[1]
    row = StaffToken.get()
    assert row.token_hash == token_hash(token) and token not in str(row.__data__)  # only the hash is kept
    assert dt.timedelta(minutes=29) < row.expires_at - row.created_at <= dt.timedelta(minutes=30)

    assert "新しいパスワード" in client.get(path).get_data(as_text=True)
    done = staff.post(path, {"password": NEW, "password_confirm": NEW})
    assert done.status_code == 303 and done.headers["Location"] == "/staff/login?reset=1"
    assert "パスワードを再設定しました" in client.get("/staff/login?reset=1").get_data(as_text=True)
    assert mailbox.wait_for("marketing@example.jp", "パスワードが再設定されました")

    again = staff.post(path, {"password": "yet-another-password-1", "password_confirm": "yet-another-password-1"})
    assert again.status_code == 404 and "このURLは無効です" in again.get_data(as_text=True)
    old = staff.post("/staff/login", {"email": "marketing@example.jp", "password": STAFF_PASSWORD})
    assert old.status_code == 422
    assert staff.post("/staff/login", {"email": "marketing@example.jp", "password": NEW}).status_code == 303
    assert [(a.action, a.actor_email, a.subject_email) for a in StaffAudit.select().order_by(StaffAudit.id)] == [
        ("reset_mailed", "marketing@example.jp", "marketing@example.jp"),
        ("password_reset", "marketing@example.jp", "marketing@example.jp")]


def test_a_reset_ends_a_signed_in_copy_of_the_session(staff, client, mailbox):
    staff.login()
    _ask(staff, "marketing@example.jp")
    path = _link(mailbox, "marketing@example.jp")
    other = client.application.test_client()
    staff.post(path, {"password": NEW, "password_confirm": NEW})
    response = client.get("/staff/campaigns/")
    assert response.status_code == 303 and "/staff/login" in response.headers["Location"]
    assert other.get("/staff/campaigns/").status_code == 303


def test_unknown_and_known_addresses_get_the_same_answer_and_only_one_gets_mail(staff, mailbox, outbox, db):
    staff.account()
    known = _ask(staff, "marketing@example.jp").get_data(as_text=True)
    unknown = _ask(staff, "nobody@example.jp").get_data(as_text=True)
    strip = lambda page: re.sub(r'(value|content)="[^"]*"', "", page)  # noqa: E731 - typed address, CSRF tokens
    assert strip(known) == strip(unknown)
    assert outbox("marketing@example.jp", SUBJECT) == 1 and outbox("nobody@example.jp") == 0
    assert StaffAudit.select().count() == 1


def test_a_disabled_account_gets_no_link_and_its_old_link_stops(staff, mailbox, outbox, db):
    from clickar.staff.accounts import disable_staff

    staff.account()
    _ask(staff, "marketing@example.jp")
    path = _link(mailbox, "marketing@example.jp")
    with staff.app.app_context():
        disable_staff("marketing@example.jp")
    assert staff.client.get(path).status_code == 404
    refused = staff.post(path, {"password": NEW, "password_confirm": NEW})
    assert refused.status_code == 404
    _ask(staff, "marketing@example.jp")
    assert outbox("marketing@example.jp", SUBJECT) == 1


def test_an_expired_or_replaced_link_does_not_work(staff, mailbox, db):
    staff.account()
    _ask(staff, "marketing@example.jp")
    first = _link(mailbox, "marketing@example.jp")
    _ask(staff, "marketing@example.jp")
    mailbox.wait_for("marketing@example.jp", SUBJECT, count=2)
    second = _link(mailbox, "marketing@example.jp")
    assert first != second
    assert staff.client.get(first).status_code == 404  # only the newest link works
    StaffToken.update(expires_at=dt.datetime(2000, 1, 1)).execute()
    page = staff.client.get(second)
    assert page.status_code == 404 and "有効期限（30分）" in page.get_data(as_text=True)


def test_asking_is_capped_per_address_and_limited_per_client(staff, outbox):
    staff.account()
    answers = [_ask(staff, "marketing@example.jp").status_code for _ in range(10)]
    assert answers == [200] * 10
    assert outbox("marketing@example.jp", SUBJECT) == 3  # reset-account: 3 per hour, silently
    assert _ask(staff, "marketing@example.jp").status_code == 429  # reset-client: 10 per hour


def test_new_password_rules_are_said_next_to_the_field(staff, mailbox):
    staff.account()
    _ask(staff, "marketing@example.jp")
    path = _link(mailbox, "marketing@example.jp")
    short = staff.post(path, {"password": "short", "password_confirm": "short"}).get_data(as_text=True)
    assert "パスワードは12文字以上、128文字以内で入力してください。" in short and 'value="short"' not in short
    differ = staff.post(path, {"password": NEW, "password_confirm": NEW + "x"}).get_data(as_text=True)
    assert "パスワードとパスワード（確認用）が一致しません。" in differ


def test_an_admin_sends_the_link_and_sees_the_audit(staff, client, mailbox, db):
    someone = staff.account("someone@example.jp", "marketing")
    staff.login("boss@example.jp", "admin")
    sent = staff.post(f"/staff/accounts/{someone.id}/reset")
    assert sent.status_code == 303
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "someone@example.jp 宛てにパスワード再設定のメールを送りました" in page
    body = mailbox.last_body("someone@example.jp", SUBJECT)
    assert "管理者がパスワード再設定のメールを送りました" in body
    assert mailbox.wait_for("boss@example.jp", SUBJECT, timeout=0) == []  # the admin never gets the link
    row = page.split('id="audit"', 1)[1]
    assert "再設定メールを送信（管理者の操作）" in row and "boss@example.jp" in row and "someone@example.jp" in row


def test_the_accounts_page_shows_japan_time_like_the_rest_of_the_console(staff, client, db):
    """The walkthrough (w19): 最終ログイン and the audit read '2026-12-04 21:11 (UTC)' at 06:11
    on the 5th in Tokyo, while every other staff page counts Japan days."""
    staff.login("boss@example.jp", "admin")
    someone = staff.account("someone@example.jp", "marketing")
    assert staff.post(f"/staff/accounts/{someone.id}/reset").status_code == 303
    late = dt.datetime(2026, 12, 4, 21, 11)  # stored naive UTC: 2026-12-05 06:11 in Japan
    Staff.update(last_login_at=late).where(Staff.email == "boss@example.jp").execute()
    StaffAudit.update(at=late).execute()
    page = client.get("/staff/accounts").get_data(as_text=True)
    accounts, audit = page.split('id="audit"', 1)
    assert "2026年12月5日 06:11" in accounts and "2026年12月5日 06:11" in audit
    assert "UTC" not in page and "21:11" not in page


def test_marketing_cannot_send_reset_links(staff, client, outbox):
    boss = staff.account("boss@example.jp", "admin")
    staff.login()
    assert staff.post(f"/staff/accounts/{boss.id}/reset").status_code == 403
    assert outbox("boss@example.jp", SUBJECT) == 0
