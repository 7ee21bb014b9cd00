"""更新のご案内: reminder mails through the real SMTP sink, with the CLI the operator runs.

Taro's プリウス ends 60 days from today, so its period (90 to 14 days before
保険終期) opened 30 days ago and closes in 46 days: 受付開始 = today-30,
なかば = today+8, 締切7日前 = today+39, 最終日 = today+46.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from renewal_support import (HANAKO_CAR, PASSWORD, TARO_CAR, TARO_SECOND, also_on_postgres, days_from_today,
                             member_with, set_insurance_end, sign_in)

from clickar.db import database
from clickar.models import Group, OutboxMail, ReminderLog, ReminderOptOut
from clickar.reminders import schedule

SUBJECT = "【マイページ】更新のお手続きのご案内"
DAY = {"opened": -30, "halfway": 8, "week": 39, "last": 46}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def prius(seeded):
    set_insurance_end(seeded, TARO_CAR, days_from_today(60))
    set_insurance_end(seeded, TARO_SECOND, days_from_today(400))   # not in its period
    set_insurance_end(seeded, HANAKO_CAR, days_from_today(400))
    return seeded


def send(runner, kind_or_offset, *extra):
    offset = DAY.get(kind_or_offset, kind_or_offset)
    day = days_from_today(offset)
    result = runner.invoke(args=["reminders", "send", "--today", day.isoformat(), *extra])
    assert result.exit_code == 0, result.output
    return result.output


def reminders_to(mailbox, to="taro@example.jp", count=1, timeout=5.0):
    return mailbox.wait_for(to, SUBJECT, count=count, timeout=timeout)


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def query(app, fn):
    with app.app_context():
        database.connect(reuse_if_open=True)
        try:
            return fn()
        finally:
            database.close()


# ------------------------------------------------------------------ the kinds

@pytest.mark.parametrize("kind,lead", [
    ("opened", "受付を開始しました"),
    ("halfway", "残り半分"),
    ("week", "締切が近づいています"),
    ("last", "本日が、更新のお手続きの受付期間の最終日です"),
])
def test_each_reminder_arrives_on_its_day_with_car_end_last_day_and_link(prius, taro_id, runner, mailbox, kind, lead):
    out = send(runner, kind)
    assert re.search(rf"{kind}\s.*sent 1", out), out
    [mail] = reminders_to(mailbox)
    assert mail["Subject"] == f"{SUBJECT}（プリウス）"
    text = body(mail)
    assert lead in text
    end = days_from_today(60)
    closes = end - dt.timedelta(days=14)
    assert f"保険終期：{end.year}年{end.month}月{end.day}日" in text
    assert f"受付期間の最終日：{closes.year}年{closes.month}月{closes.day}日" in text
    link = re.search(r"更新のお手続き：(\S+)", text).group(1)
    assert link.startswith("http://localhost/mypage/reminder/")
    assert TARO_CAR not in link and "taro" not in link   # no personal data in the link


def test_the_day_before_a_kind_nothing_is_sent(prius, taro_id, runner, mailbox):
    send(runner, "opened")
    assert len(reminders_to(mailbox)) == 1
    mailbox.clear()
    for offset in (-29, 0, 7):       # after 受付開始, before なかば: already told
        assert "mails    sent 0" in send(runner, offset)
    assert send(runner, -31).count("sent 0") == 5   # before the period: nothing
    assert reminders_to(mailbox, timeout=0.3) == []


def test_reminders_carry_one_click_unsubscribe_headers(prius, taro_id, runner, mailbox):
    send(runner, "opened")
    [mail] = reminders_to(mailbox)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(http://localhost/reminders/unsubscribe/\S+)>", mail["List-Unsubscribe"].strip()).group(1)
    assert url in body(mail)


def test_a_member_with_two_due_contracts_gets_one_mail_listing_both(seeded, taro_id, runner, mailbox):
    set_insurance_end(seeded, TARO_CAR, days_from_today(60))
    set_insurance_end(seeded, TARO_SECOND, days_from_today(60))
    set_insurance_end(seeded, HANAKO_CAR, days_from_today(400))
    query(seeded, lambda: __import__("clickar.models", fromlist=["MemberContract"]).MemberContract.create(
        member=taro_id[0], contract=__import__("clickar.models", fromlist=["Contract"]).Contract.by_policy_number(
            TARO_SECOND)))
    assert "mails    sent 1 (to 1 members, 2 contracts)" in send(runner, "opened")
    [mail] = reminders_to(mailbox)
    assert mail["Subject"] == f"{SUBJECT}（プリウス、N-BOX）"
    text = body(mail)
    assert "■ プリウス" in text and "■ N-BOX" in text
    assert len(re.findall(r"/mypage/reminder/", text)) == 2


@also_on_postgres
def test_pages_of_one_contract_still_give_each_member_one_mail_listing_all_theirs(seeded, app, mailbox):
    """The pass walks pages of contracts (bounded memory); a member whose contracts fall on
    different pages is taken whole on the first, and counted once."""
    from clickar.reminders import run

    set_insurance_end(seeded, TARO_CAR, days_from_today(60))
    set_insurance_end(seeded, HANAKO_CAR, days_from_today(65))      # a page in between
    set_insurance_end(seeded, TARO_SECOND, days_from_today(70))
    member_with(seeded, "taro@example.jp", TARO_CAR, TARO_SECOND)
    member_with(seeded, "hanako@example.jp", HANAKO_CAR)
    today = days_from_today(DAY["opened"] + 10)
    with app.app_context():
        database.connect(reuse_if_open=True)
        dry = run.send(today, dry_run=True, batch_members=1, progress=lambda text: None)
        assert (dry.mails, dry.members, dry.contracts) == (2, 2, 3)
        lines = []
        sent = run.send(today, batch_members=1, progress=lines.append)
        assert (sent.mails, sent.contracts) == (2, 3)
        assert lines[-1] == "reminders: 2/2 members, 2 mails queued"
        database.close()
    [taro] = reminders_to(mailbox)
    assert taro["Subject"] == f"{SUBJECT}（プリウス、N-BOX）"
    assert len(reminders_to(mailbox, to="hanako@example.jp")) == 1


def test_after_downtime_only_the_latest_due_kind_is_sent(prius, taro_id, runner, mailbox):
    # nothing ran from before the period until 締切7日前
    out = send(runner, "week")
    assert re.search(r"opened\s.*sent 0", out) and re.search(r"halfway\s.*sent 0", out)
    assert re.search(r"week\s.*sent 1", out)
    assert "締切が近づいています" in body(reminders_to(mailbox)[0])
    kinds = query(prius, lambda: [r.kind for r in ReminderLog.select()])
    assert kinds == ["week"]
    # the next day: nothing more until the last day
    assert "mails    sent 0" in send(runner, DAY["week"] + 1)
    assert re.search(r"last\s.*sent 1", send(runner, "last"))


def test_dry_run_says_what_would_go_and_sends_nothing(prius, taro_id, runner, mailbox):
    out = send(runner, "opened", "--dry-run")
    assert re.search(r"opened\s.*would send 1", out)
    assert reminders_to(mailbox, timeout=0.3) == []
    assert query(prius, lambda: ReminderLog.select().count()) == 0
    assert re.search(r"opened\s.*sent 1", send(runner, "opened"))


def test_progress_goes_to_stderr(prius, taro_id, app):
    result = app.test_cli_runner().invoke(args=["reminders", "send", "--today", days_from_today(-30).isoformat()])
    assert "reminders: 1/1 members, 1 mails queued" in result.stderr
    assert "reminders: 1/1" not in result.stdout


# --------------------------------------------------------------- stopping

@also_on_postgres
def test_no_reminder_after_the_contract_is_renewed(prius, taro, runner, mailbox):
    taro.renew()
    mailbox.clear()
    assert "mails    sent 0" in send(runner, "halfway")
    assert reminders_to(mailbox, timeout=0.3) == []


@also_on_postgres
def test_cancelling_inside_the_period_makes_it_due_again_and_a_new_renewal_stops_it(prius, taro, runner, mailbox):
    from test_cancel import cancel

    number = taro.renew()
    assert cancel(taro, number).status_code == 303
    mailbox.clear()
    assert re.search(r"halfway\s.*sent 1", send(runner, "halfway"))   # 取消 → due again
    assert len(reminders_to(mailbox)) == 1
    taro.renew(driver_age="26")                                        # 取消 followed by a new renewal
    mailbox.clear()
    assert "mails    sent 0" in send(runner, "week")
    assert reminders_to(mailbox, timeout=0.3) == []


@also_on_postgres
def test_no_reminder_after_withdrawal(prius, taro, runner, mailbox):
    r = taro.post("/mypage/withdraw", {"understood": "y", "password": PASSWORD})
    assert r.status_code == 303
    mailbox.clear()
    assert "mails    sent 0" in send(runner, "halfway")
    assert reminders_to(mailbox, timeout=0.3) == []


def test_settings_toggle_is_on_by_default_and_switching_it_off_stops_reminders(prius, taro, client, runner, mailbox):
    page = client.get("/mypage/settings/").get_data(as_text=True)
    assert re.search(r'id="reminders"[^>]*checked', page)
    assert '<label class="checkbox__label" for="reminders">更新のご案内メールを受け取る</label>' in page
    r = taro.post("/mypage/settings/reminders", {})      # the box unticked
    assert r.status_code == 303
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "更新のご案内メールを受け取らない設定にしました。" in page
    assert not re.search(r'id="reminders"[^>]*checked', page)
    assert "mails    sent 0" in send(runner, "opened")
    # and back on: the next due reminder goes
    r = taro.post("/mypage/settings/reminders", {"reminders": "y"}, htmx=True)
    assert r.status_code == 200 and "更新のご案内メールを受け取る設定にしました。" in r.get_data(as_text=True)
    assert re.search(r"halfway\s.*sent 1", send(runner, "halfway"))


def _unsubscribe_url(mailbox) -> str:
    [mail] = reminders_to(mailbox)
    return re.search(r"<http://localhost(\S+)>", mail["List-Unsubscribe"]).group(1)


@also_on_postgres
def test_one_click_unsubscribe_get_asks_first_and_post_stops_without_login(prius, taro_id, app, runner, mailbox):
    send(runner, "opened")
    path = _unsubscribe_url(mailbox)
    stranger = app.test_client()          # no session, no CSRF token: as a mailbox provider posts
    page = stranger.get(path)
    assert page.status_code == 200 and "配信を停止する</button>" in page.get_data(as_text=True)
    assert query(app, lambda: ReminderOptOut.select().count()) == 0   # GET changed nothing
    done = stranger.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "配信を停止しました" in done.get_data(as_text=True)
    assert stranger.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200   # twice: harmless
    mailbox.clear()
    assert "mails    sent 0" in send(runner, "halfway")
    assert reminders_to(mailbox, timeout=0.3) == []


def test_a_forged_unsubscribe_token_is_refused(prius, taro_id, app, runner, mailbox):
    send(runner, "opened")
    path = _unsubscribe_url(mailbox)
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    client = app.test_client()
    assert client.get(forged).status_code == 404
    assert client.post(forged).status_code == 404
    assert query(app, lambda: ReminderOptOut.select().count()) == 0


def test_transactional_mail_still_arrives_after_opting_out(prius, taro, client, mailbox):
    taro.post("/mypage/settings/reminders", {})
    mailbox.clear()
    taro.renew()
    assert mailbox.wait_for("taro@example.jp", "更新手続き受付")   # the receipt still goes
    anonymous = client.application.test_client()
    page = anonymous.get("/mypage/password/forgot").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    anonymous.post("/mypage/password/forgot", data={"email": "taro@example.jp", "csrf_token": token})
    assert mailbox.wait_for("taro@example.jp", "パスワード")


# ------------------------------------------------------------------ the link

def test_the_link_leads_through_login_to_that_contracts_renewal(prius, taro_id, app, runner, mailbox):
    send(runner, "opened")
    link = re.search(r"更新のお手続き：http://localhost(\S+)", body(reminders_to(mailbox)[0])).group(1)
    client = app.test_client()
    r = client.get(link)
    assert r.status_code == 302 and "/mypage/login" in r.headers["Location"]
    assert query(app, lambda: ReminderLog.get().opened_at) is not None   # counted as opened
    sign_in(client, taro_id)
    r = client.get(link)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/mypage/contracts/{TARO_CAR}/renewal/")


def test_an_unknown_link_says_so(prius, client):
    r = client.get("/mypage/reminder/not-a-token")
    assert r.status_code == 404 and "このURLは無効です" in r.get_data(as_text=True)


# ------------------------------------------------------------------ concurrency

@also_on_postgres
def test_two_processes_at_the_same_moment_send_each_reminder_once(seeded, database_url, smtp, mailbox):
    """Two `reminders send` processes started together over 60 members: every member gets one mail."""
    from clickar.models import Contract, Member, MemberContract

    end = days_from_today(60)

    def make():
        rows = []
        for i in range(60):
            c = Contract.by_policy_number(TARO_CAR)
            data = {k: getattr(c, k) for k in ("name", "name_kana", "birth_date", "postal_code", "address", "phone",
                                                "car_name", "insurance_start", "group_name", "agency_name",
                                                "agency_phone", "match_form")}
            copy = Contract.create(policy_number=f"RM{i:08d}", insurance_end=end, **data)
            member = Member.create(email=f"m{i}@example.jp", password_hash="x")
            MemberContract.create(member=member, contract=copy)
            rows.append(copy)
        return rows

    query(seeded, make)
    env = {**os.environ, "CLICKAR_DATABASE_URL": database_url, "CLICKAR_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
           "CLICKAR_BASE_URL": "http://localhost", "CLICKAR_ENV": "testing", "CLICKAR_SECRET_KEY": "x" * 32}
    command = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "reminders", "send",
               "--today", days_from_today(-30).isoformat()]
    procs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    sent = [int(re.search(r"mails    sent (\d+)", out).group(1)) for out, _ in outs]
    assert sum(sent) == 60, outs
    mails = mailbox.wait_for("@example.jp", SUBJECT, count=61, timeout=3)
    assert len(mails) == 60 and len({m["To"] for m in mails}) == 60
    assert query(seeded, lambda: ReminderLog.select().count()) == 60


# ------------------------------------------------------------------ groups, staff, retention

def test_groups_import_takes_reminder_offsets_and_off(prius, taro_id, runner, tmp_path, mailbox):
    csv = tmp_path / "groups.csv"
    csv.write_text("group_name,installments,remind_opened,remind_halfway,remind_before_close,remind_last_day\n"
                   "株式会社クリックカー商事,12,2,off,10,1\n", encoding="utf-8")
    result = runner.invoke(args=["groups", "import", str(csv)])
    assert result.exit_code == 0, result.output
    assert "mails    sent 0" in send(runner, "opened")                 # 2 days after opening instead
    assert re.search(r"opened\s.*sent 1", send(runner, DAY["opened"] + 2))
    assert "mails    sent 0" in send(runner, "halfway")                # switched off
    assert re.search(r"week\s.*sent 1", send(runner, DAY["last"] - 10))
    assert re.search(r"last\s.*sent 1", send(runner, DAY["last"] - 1))
    bad = tmp_path / "bad.csv"
    bad.write_text("group_name,remind_opened\nX,soon\n", encoding="utf-8")
    result = runner.invoke(args=["groups", "import", str(bad)])
    assert result.exit_code != 0 and "line 2: remind_opened:" in result.output


def test_schedule_defaults_are_the_documented_ones():
    opens, closes = dt.date(2026, 1, 1), dt.date(2026, 3, 17)   # 75 days
    assert schedule.days_of(opens, closes) == {"opened": opens, "halfway": dt.date(2026, 2, 7),
                                               "week": dt.date(2026, 3, 10), "last": closes}
    assert schedule.due_kind(opens, closes, dt.date(2025, 12, 31)) is None
    assert schedule.due_kind(opens, closes, dt.date(2026, 3, 18)) is None
    assert schedule.due_kind(opens, closes, dt.date(2026, 3, 11)) == "week"


def staff_client(app, role="admin", email="staff@example.jp"):
    from clickar.staff.accounts import create_staff

    query(app, lambda: create_staff(email, "Staffpass2026", role))
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    r = client.post("/staff/login", data={"email": email, "password": "Staffpass2026",
                                          "csrf_token": token})
    assert r.status_code in (302, 303), r.get_data(as_text=True)
    return client


def test_staff_see_reminded_opened_renewed_per_group_and_a_formula_safe_call_list(prius, taro, client, app, runner,
                                                                               mailbox):
    query(app, lambda: Group.update(name="=HYPERLINK(\"x\")").where(Group.name == "株式会社クリックカー商事").execute())
    from clickar.models import Contract

    query(app, lambda: Contract.update(group_name="=HYPERLINK(\"x\")").execute())
    send(runner, "opened")
    link = re.search(r"更新のお手続き：http://localhost(\S+)", body(reminders_to(mailbox)[0])).group(1)
    client.get(link)
    taro.renew()
    staff = staff_client(app)
    page = staff.get("/staff/reminders/").get_data(as_text=True)
    row = re.search(r'<tr data-group="=HYPERLINK\(&#34;x&#34;\)">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)', row) == ["1", "1", "1"]
    # the call list: Hanako's アクア closes in 5 days, not renewed, not registered
    set_insurance_end(app, HANAKO_CAR, days_from_today(19))
    csv_text = staff.get("/staff/reminders/not-renewed.csv?days=7").get_data().decode("utf-8-sig")
    lines = csv_text.splitlines()
    assert lines[0].startswith("policy_number,name,phone")
    assert len(lines) == 2 and lines[1].startswith(f"{HANAKO_CAR},佐藤 花子,06-6123-4567")
    assert "'=HYPERLINK" in lines[1] and ",未登録," in lines[1]
    assert app.test_client().get("/staff/reminders/").status_code in (302, 303)   # staff only


def test_campaign_results_show_reminder_counts_of_its_members(prius, taro_id, app, runner, mailbox):
    from clickar.models import Campaign, FunnelEvent

    def make():
        campaign = Campaign.create(code="ABCD2345", name="テスト", target="register", valid_from=dt.date(2026, 1, 1))
        FunnelEvent.create(campaign=campaign, kind="registered", member_id=taro_id[0])
        return campaign.id

    campaign_id = query(app, make)
    send(runner, "opened")
    page = staff_client(app).get(f"/staff/campaigns/{campaign_id}/results").get_data(as_text=True)
    assert "更新のご案内メール（このキャンペーンで登録した会員）" in page
    counts = dict(re.findall(r'<tr data-step="(reminded|opened|renewed)"><th scope="row">[^<]+</th>'
                             r'<td class="num" data-count>(\d+)</td>', page))
    assert counts == {"reminded": "1", "opened": "0", "renewed": "0"}


def test_the_reminder_log_is_purged_after_its_age(prius, taro_id, runner, app, mailbox):
    send(runner, "opened")
    result = runner.invoke(args=["purge", "--reminder-days", "0"])
    assert "更新のご案内 log" in result.output
    assert query(app, lambda: ReminderLog.select().count()) == 0


def test_the_mail_worker_sends_reminders_once_a_day_from_the_hour(prius, taro_id, app, smtp, mailbox):
    from clickar import mail
    from clickar.jp import JST

    start = days_from_today(-30)
    calls = []

    def clock():
        calls.append(1)
        minute = 59 if len(calls) <= 3 else 0
        hour = 8 if len(calls) <= 3 else 9
        return dt.datetime(start.year, start.month, start.day, hour, minute, tzinfo=JST)

    with app.app_context():
        totals = mail.run_worker(f"smtp://127.0.0.1:{smtp.port}", "noreply@example.jp", interval=0.02,
                                 max_seconds=1.0, reminder_hour=9, clock=clock)
    assert len(calls) > 6                       # many rounds: before 9:00 and after
    assert totals["reminder_mails"] == 1        # one pass that day, not one per round
    assert len(reminders_to(mailbox)) == 1


@also_on_postgres
def test_a_run_that_selected_before_another_run_inserted_sends_nothing_twice(prius, taro_id, app, mailbox):
    """The race made certain: run A selects, run B sends, then A inserts what it selected."""
    from clickar.reminders import run

    today = days_from_today(-30)
    with app.app_context():
        database.connect(reuse_if_open=True)
        selected_by_a = run.due_today(today)
        assert len(selected_by_a) == 1
        assert run.send(today, progress=lambda text: None).mails == 1      # run B
        late = run.Report()
        assert run._send_batch(run._by_member(selected_by_a), late, today) == []  # run A: the unique index refuses
        assert late.mails == 0 and ReminderLog.select().count() == 1
        database.close()
    assert len(reminders_to(mailbox, count=2, timeout=1)) == 1


def test_the_call_list_with_names_and_phones_is_for_admins_only(app):
    marketing = staff_client(app, "marketing", "marketing@example.jp")
    page = marketing.get("/staff/reminders/").get_data(as_text=True)
    assert "CSVをダウンロード" not in page and "管理者（admin）のみ" in page
    assert marketing.get("/staff/reminders/not-renewed.csv?days=7").status_code == 403
    admin = staff_client(app, "admin", "admin@example.jp")
    assert "CSVをダウンロード" in admin.get("/staff/reminders/").get_data(as_text=True)
    assert admin.get("/staff/reminders/not-renewed.csv?days=7").status_code == 200


def test_a_three_day_group_period_never_sends_the_halfway_mail_after_the_closing_one(prius, taro_id, runner, tmp_path,
                                                                                     mailbox):
    # review r21: in a 3-day group period 締切7日前 is moved to the first day and なかば falls on the
    # second, so the member was told 「締切が近づいています」 and the next day 「残り半分となりました」.
    opens = days_from_today(0)
    csv = tmp_path / "groups.csv"
    csv.write_text("group_name,renewal_opens,renewal_closes,installments\n"
                   f"株式会社クリックカー商事,{opens.isoformat()},{(opens + dt.timedelta(days=2)).isoformat()},12\n",
                   encoding="utf-8")
    result = runner.invoke(args=["groups", "import", str(csv)])
    assert result.exit_code == 0, result.output
    leads = ("受付を開始", "残り半分", "締切が近づいて", "最終日です")
    got = []
    for offset in range(3):
        if "mails    sent 0" in send(runner, offset):
            continue
        [mail] = reminders_to(mailbox)
        got.append(next(lead for lead in leads if lead in body(mail)))
        mailbox.clear()
    assert got == sorted(got, key=leads.index), got          # never back to an earlier kind
    assert got[-1] == "最終日です"


def test_the_reminder_names_whom_to_ask_and_is_signed_like_every_other_mail(prius, taro_id, app, runner, mailbox):
    # review r21: the reminder, a mail with a login link, gave no contact at all and was signed with
    # the insurer's bare name, unlike the receipts and one-time passwords: it read like phishing.
    from clickar.models import Contract

    agency, phone = query(app, lambda: (lambda c: (c.agency_name, c.agency_phone))(
        Contract.by_policy_number(TARO_CAR)))
    send(runner, "opened")
    [mail] = reminders_to(mailbox)
    text = body(mail)
    assert f"お問い合わせ先（取扱代理店）：{agency}　電話 {phone}" in text
    assert "マイページ（団体扱自動車保険WEB更新サービス Clickar）" in text
    assert "このメールは送信専用です。" in text


def test_a_withdrawn_members_old_unsubscribe_link_does_nothing_to_whoever_gets_their_id(prius, taro, app, runner,
                                                                                         mailbox):
    # review r21: the 配信停止 token named only the member id, and SQLite gives a withdrawn member's
    # id to the next member: the old mail's link switched off (and showed) a stranger's setting.
    from clickar.models import Member

    send(runner, "opened")
    path = _unsubscribe_url(mailbox)
    assert taro.post("/mypage/withdraw", {"understood": "y", "password": PASSWORD}).status_code == 303
    jiro_id, _ = member_with(app, "jiro@example.jp", TARO_SECOND)       # the next member to register
    stranger = app.test_client()
    assert stranger.get(path).status_code == 404
    assert stranger.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert query(app, lambda: ReminderOptOut.select().count()) == 0
    assert query(app, lambda: Member.select().count()) == 1


def test_a_last_day_reminder_sent_before_the_last_day_does_not_say_today_is_the_last_day(prius, taro_id, runner,
                                                                                         tmp_path, mailbox):
    # review r21: with remind_last_day=1 the 最終日 reminder went the day before and began
    # 「本日が、更新のお手続きの受付期間の最終日です。」: a member believed they had missed a day.
    csv = tmp_path / "groups.csv"
    csv.write_text("group_name,installments,remind_last_day\n株式会社クリックカー商事,12,1\n", encoding="utf-8")
    assert runner.invoke(args=["groups", "import", str(csv)]).exit_code == 0
    assert re.search(r"last\s.*sent 1", send(runner, DAY["last"] - 1))
    text = body(reminders_to(mailbox)[0])
    assert "最終日です" not in text
    assert "締切が近づいています" in text
