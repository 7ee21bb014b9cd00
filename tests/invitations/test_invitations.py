"""Personal invitation letters (issue 22): the short registration, the token's rules, the console."""
from __future__ import annotations

import datetime as dt
import logging
import re

import pytest

from clickar.db import database
from clickar.invitations import core
from clickar.models import Contract, Invitation, InvitationBatch, Member, StaffAudit
from demo_people import PERSON
from invitation_support import ANSWER, TARO, in_app, letter_token, post_letter, staff_client

def test_a_letter_registers_with_birth_date_mail_and_password_only(app, client, mailbox, actions):
    token = letter_token(app)
    page = client.get(f"/I/{token}").get_data(as_text=True)
    assert "山田 様" in page and "保険終期" in page
    inputs = [tag for tag in re.findall(r"<input[^>]*>", page) if 'type="hidden"' not in tag]
    typed = {re.search(r'name="([a-z_]+)"', tag).group(1) for tag in inputs}
    assert typed == {"birth_year", "birth_month", "birth_day", "email", "password", "password_confirm", "agree"}
    r = post_letter(client, f"/i/{token.lower()}")
    assert r.status_code == 200 and "仮登録を受け付けました" in r.get_data(as_text=True)
    path = actions.verification_url("taro@example.jp")
    assert actions.verify(path, "Clickar2026").status_code == 303
    linked = in_app(app, lambda: Contract.by_policy_number(TARO).is_linked())
    assert linked
    again = client.get(f"/I/{token}").get_data(as_text=True)
    assert "すでにご登録済みです" in again and "ログイン" in again


def test_a_wrong_birth_date_is_refused_and_the_fifth_locks_the_letter(app, client, mailbox):
    token = letter_token(app)
    for attempt in range(4):
        r = post_letter(client, f"/I/{token}", birth_day="2")
        assert r.status_code == 422
        assert "生年月日がご契約情報と一致しません" in r.get_data(as_text=True)
    page = client.get(f"/I/{token}").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post(f"/I/{token}", data={**ANSWER, "birth_day": "2", "csrf_token": csrf_token})
    assert r.status_code == 404 and "通常の新規登録" in r.get_data(as_text=True)
    # even the right birth date no longer opens it; the agency sees the lock in the console
    assert client.get(f"/I/{token}").status_code == 404
    locks = in_app(app, lambda: StaffAudit.select().where(StaffAudit.action == "invitation_locked").count())
    assert locks == 1
    # and the agency is told by mail (the group's agency_email, else the renewal notices' address)
    notice = mailbox.last_body("agency@example.jp", "招待状のロック")
    assert TARO in notice and "新規登録" in notice and "5回" in notice
    assert len(mailbox.wait_for("agency@example.jp", "招待状のロック")) == 1


def test_a_letter_works_once(app, client):
    token = letter_token(app)
    assert post_letter(client, f"/I/{token}").status_code == 200
    other = app.test_client()
    assert other.get(f"/I/{token}").status_code == 404


def gone_page(client, path) -> str:
    r = client.get(path)
    assert r.status_code == 404
    return r.get_data(as_text=True)


def test_expired_revoked_and_unknown_letters_show_one_page(app, client):
    expired, revoked, in_batch = letter_token(app), letter_token(app, ("SJ24000201",)), None
    in_app(app, lambda: Invitation.update(expires_at=dt.datetime(2000, 1, 1))
           .where(Invitation.token_hash == core.hash_of(expired)).execute())
    in_app(app, lambda: core.revoke(Invitation.get(Invitation.token_hash == core.hash_of(revoked)).id))
    unknown = core.new_token()
    pages = {gone_page(client, f"/I/{t}") for t in (expired, revoked, unknown)}
    pages = {re.sub(r'name="csrf-token" content="[^"]+"', "", p) for p in pages}
    assert len(pages) == 1 and "新規登録へ進む" in pages.pop()
    assert gone_page(client, "/I/NOT-A-TOKEN")


def test_a_whole_batch_is_revoked(app, client):
    def make():
        contracts, skipped = core.choose("", [TARO, "SJ24000201"])
        batch = core.create_batch("admin@example.jp", "t", contracts, skipped)
        tokens = [t for _, t in core.issue(batch, "admin@example.jp", "PDF")]
        core.revoke_batch(batch)
        return tokens
    for token in in_app(app, make):
        gone_page(client, f"/I/{token}")


def test_a_download_makes_earlier_printouts_stop_working(app, client):
    def make():
        contracts, skipped = core.choose("", [TARO])
        batch = core.create_batch("admin@example.jp", "t", contracts, skipped)
        first = [t for _, t in core.issue(batch, "admin@example.jp", "PDF")]
        second = [t for _, t in core.issue(batch, "admin@example.jp", "CSV")]
        return first[0], second[0]
    first, second = in_app(app, make)
    gone_page(client, f"/I/{first}")
    assert client.get(f"/I/{second}").status_code == 200


def test_a_contract_registered_the_normal_way_says_so(app, client, actions):
    token = letter_token(app)
    actions.register(PERSON)
    page = app.test_client().get(f"/I/{token}").get_data(as_text=True)
    assert "すでにご登録済みです" in page


def test_registered_contracts_are_skipped_and_counted(app, actions):
    actions.register(PERSON)
    contracts, skipped = in_app(app, lambda: core.choose("", [TARO, "SJ24000201", "ZZ0000000"]))
    assert [c.policy_number for c in contracts] == ["SJ24000201"] and skipped == 2


def test_marketing_is_refused_and_admin_downloads_are_audited(app):
    marketing, m_token = staff_client(app, "marketing")
    assert marketing.post("/staff/invitations/", data={"policy_numbers": TARO, "csrf_token": m_token}).status_code == 403
    admin, a_token = staff_client(app, "admin")
    assert admin.post("/staff/invitations/", data={"policy_numbers": TARO, "csrf_token": a_token}).status_code == 303
    batch_id = in_app(app, lambda: InvitationBatch.select().get().id)
    assert marketing.post(f"/staff/invitations/{batch_id}/letters.pdf", data={"csrf_token": m_token}).status_code == 403
    pdf = admin.post(f"/staff/invitations/{batch_id}/letters.pdf", data={"csrf_token": a_token})
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF")
    csv = admin.post(f"/staff/invitations/{batch_id}/letters.csv", data={"csrf_token": a_token}).get_data(as_text=True)
    assert "HTTP://LOCALHOST/I/" in csv
    console = admin.get("/staff/invitations/").get_data(as_text=True)
    assert console.count("admin@example.jp: ダウンロード") == 2 and "admin@example.jp: 作成" in console


def test_the_token_is_never_in_logs_or_funnel_tables(app, client, caplog):
    token = letter_token(app)
    with caplog.at_level(logging.DEBUG):
        client.get(f"/I/{token}")
        post_letter(client, f"/I/{token}")
    assert token not in caplog.text and token.lower() not in caplog.text

    def dump():
        rows = []
        for table in database.get_tables():
            rows += [str(r) for r in database.execute_sql(f'SELECT * FROM "{table}"').fetchall()]
        return "\n".join(rows)
    everything = in_app(app, dump)
    assert token not in everything and token.lower() not in everything
    assert in_app(app, lambda: Invitation.get().scanned_at) is not None


def test_a_lookup_is_rate_limited_per_token(app, client):
    token = core.new_token()
    codes = [client.get(f"/I/{token}").status_code for _ in range(31)]
    assert codes[:30] == [404] * 30 and codes[30] == 429


def test_the_vendor_csv_is_formula_escaped(app):
    from clickar.invitations import letters

    def make():
        Contract.update(address='=HYPERLINK("http://evil.example")').where(Contract.policy_number == TARO).execute()
        contracts, skipped = core.choose("", [TARO])
        batch = core.create_batch("admin@example.jp", "t", contracts, skipped)
        return "".join(letters.csv_rows(core.issue(batch, "admin@example.jp", "CSV"), "http://localhost"))
    text = in_app(app, make)
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_lookups_are_rate_limited_per_client(app):
    client = app.test_client()
    codes = [client.get(f"/I/{core.new_token()}").status_code for _ in range(61)]
    assert codes[:60] == [404] * 60 and codes[60] == 429


def test_an_admin_revokes_one_letter_from_the_batch_page_after_confirming(app, client):
    token, other = letter_token(app, (TARO, "SJ24000201")), None
    admin, a_token = staff_client(app, "admin")
    batch_id = in_app(app, lambda: InvitationBatch.select().get().id)
    page = admin.get(f"/staff/invitations/{batch_id}").get_data(as_text=True)
    assert "ロックされた招待状はありません" in page and TARO not in page and "＊＊＊＊0101" in page
    # the button is behind a disclosure that says what happens, and the confirming button posts
    forms = re.findall(r'<summary>取り消す</summary>\s*<p>([^<]+)</p>\s*<form method="post" action="([^"]+)"', page)
    assert len(forms) == 2 and "使えなくなります" in forms[0][0]
    action = forms[0][1]
    marketing, m_token = staff_client(app, "marketing")
    assert "取り消す" not in marketing.get(f"/staff/invitations/{batch_id}").get_data(as_text=True)
    assert marketing.post(action, data={"csrf_token": m_token}).status_code == 403
    assert client.get(f"/I/{token}").status_code == 200
    done = admin.post(action, data={"csrf_token": a_token, "page": "1"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "招待状を取り消しました" in text and "取消済み" in text
    assert len(re.findall(r"<summary>取り消す</summary>", text)) == 1
    gone_page(client, f"/I/{token}")


def test_a_locked_letter_is_shown_to_staff_with_the_policy_number_masked(app, client):
    token = letter_token(app)
    for _ in range(core.MAX_BIRTH_FAILURES):
        post_letter(client, f"/I/{token}", birth_day="2")
    marketing, _ = staff_client(app, "marketing")
    batch_id = in_app(app, lambda: InvitationBatch.select().get().id)
    console = marketing.get("/staff/invitations/").get_data(as_text=True)
    assert "ロック 1件" in console
    page = marketing.get(f"/staff/invitations/{batch_id}").get_data(as_text=True)
    locked = page[page.index('id="locked"'):page.index('id="letters"')]
    assert "ロックされた招待状 1件" in locked and "＊＊＊＊0101" in locked and TARO not in page
    agency = in_app(app, lambda: Contract.by_policy_number(TARO).agency_phone)
    assert agency in locked


def test_purge_deletes_letters_past_their_renewal_period_and_keeps_the_funnel(app, client):
    from clickar.ops.retention import purge

    old = letter_token(app, (TARO,))
    young = letter_token(app, ("SJ24000201",))
    client.get(f"/I/{old}")  # scanned
    post_letter(client, f"/I/{old}", birth_day="2")  # started, one wrong birth date
    client.get(f"/I/{young}")

    def expire_and_purge():
        Invitation.update(expires_at=dt.datetime(2020, 1, 1)).where(Invitation.token_hash == core.hash_of(old)).execute()
        Invitation.update(expires_at=dt.datetime(2020, 2, 20)).where(Invitation.token_hash == core.hash_of(young)).execute()
        before = [core.funnel(b) for b in core.batches()]
        dry = purge(at=dt.datetime(2020, 3, 1), dry_run=True)["invitation letters (expired; funnel counts kept)"]
        deleted = purge(at=dt.datetime(2020, 3, 1))["invitation letters (expired; funnel counts kept)"]
        after = [core.funnel(b) for b in core.batches()]
        hashes = [i.token_hash for i in Invitation.select()]
        return before, dry, deleted, after, hashes

    before, dry, deleted, after, hashes = in_app(app, expire_and_purge)
    assert dry == deleted == 1  # 30 days after expiry: the letter expired 2020-01-01 goes, 2020-02-20 stays
    assert hashes == [core.hash_of(young)]
    assert after == before and {"scans": 1, "started": 1}.items() <= after[1].items()


def test_the_fifth_wrong_birth_date_on_a_phone_leads_to_the_letters_page(app, client):
    """htmx swaps no 404: the phone that posted is sent (HX-Redirect) to the letter's URL,
    which shows the one page of a letter that no longer works (it showed nothing before)."""
    token = letter_token(app)
    for _ in range(core.MAX_BIRTH_FAILURES - 1):
        post_letter(client, f"/I/{token}", birth_day="2")
    page = client.get(f"/I/{token}").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post(f"/I/{token}", data={**ANSWER, "birth_day": "2", "csrf_token": csrf_token},
                    headers={"HX-Request": "true"})
    assert r.headers.get("HX-Redirect") == f"/I/{token}"
    assert "通常の新規登録" in client.get(r.headers["HX-Redirect"]).get_data(as_text=True)
    audit = in_app(app, lambda: StaffAudit.get(StaffAudit.action == "invitation_locked").subject_email)
    assert TARO not in audit and audit.endswith("＊＊＊＊0101")


def test_the_policy_number_list_is_typed_one_per_line(app):
    """証券番号リスト says 1行に1件: a textarea (a one-line input drops the newlines a pasted list has)."""
    admin, a_token = staff_client(app, "admin")
    console = admin.get("/staff/invitations/").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*name="policy_numbers"', console)
    r = admin.post("/staff/invitations/", data={"policy_numbers": f"{TARO}\r\nSJ24000201\r\n", "csrf_token": a_token})
    assert r.status_code == 303
    assert in_app(app, lambda: InvitationBatch.select().get().letters) == 2
    refused = admin.post("/staff/invitations/", data={"policy_numbers": " \r\n", "group_name": "", "csrf_token": a_token})
    assert refused.status_code == 422 and "団体名または証券番号リストを入力してください" in refused.get_data(as_text=True)
