"""`flask --app wsgi purge`: personal data past its age goes, what is still needed stays."""
from __future__ import annotations

import datetime as dt

import pytest

from clickar.models import now

DAY = dt.timedelta(days=1)


@pytest.fixture
def aged(app):
    """Rows on both sides of each age; returns {label: (model, id)}."""
    from clickar.db import database
    from clickar.models import (
        AccountToken,
        Campaign,
        ChatLog,
        LoginEvent,
        LoginLock,
        Member,
        OneTimePassword,
        OutboxMail,
        PendingRegistration,
        TrustedDevice,
        VerificationToken,
        Visit,
    )

    t = now()
    rows = {}
    with app.app_context():
        database.connect(reuse_if_open=True)
        member = Member.create(email="kept@example.jp", password_hash="x")

        def pending(label, created, completed=None, link_expires=None):
            reg = PendingRegistration.create(wizard_id=label, email=f"{label}@example.jp", password_hash="x",
                                             policy_numbers=["SJ24000101"], created_at=created,
                                             completed_at=completed, member=member if completed else None)
            token = VerificationToken.create(registration=reg, token_hash=label.ljust(64, "0"),
                                             created_at=created, expires_at=link_expires or created + DAY)
            rows[label] = (PendingRegistration, reg.id)
            rows[label + " link"] = (VerificationToken, token.id)

        pending("stale-provisional", t - 10 * DAY)
        pending("fresh-provisional", t - 2 * DAY)
        pending("resent-provisional", t - 20 * DAY, link_expires=t - 3 * DAY)  # a later link, 3 days ago
        pending("old-completed", t - 40 * DAY, completed=t - 35 * DAY)
        pending("new-completed", t - 5 * DAY, completed=t - 4 * DAY)

        def otp(label, expires):
            rows[label] = (OneTimePassword, OneTimePassword.create(
                member=member, attempt_hash=label.ljust(64, "1"), secret="s", expires_at=expires).id)

        otp("old-otp", t - 2 * DAY)
        otp("live-otp", t + dt.timedelta(minutes=5))

        def account_token(label, expires, used=None):
            rows[label] = (AccountToken, AccountToken.create(
                member=member, purpose="reset", token_hash=label.ljust(64, "2"), expires_at=expires,
                used_at=used).id)

        account_token("old-reset", t - 8 * DAY)
        account_token("used-reset", t + DAY, used=t - 9 * DAY)
        account_token("live-reset", t + DAY)

        def device(label, expires, revoked=None):
            rows[label] = (TrustedDevice, TrustedDevice.create(
                member=member, token_hash=label.ljust(64, "3"), expires_at=expires, revoked_at=revoked).id)

        device("long-revoked-device", t + 10 * DAY, revoked=t - 31 * DAY)
        device("just-revoked-device", t + 10 * DAY, revoked=t - 2 * DAY)
        device("trusted-device", t + 10 * DAY)

        def mail(label, sent, created):
            rows[label] = (OutboxMail, OutboxMail.create(recipient=f"{label}@example.jp", subject=label,
                                                         body="本文", kind="test", sent_at=sent,
                                                         created_at=created).id)

        mail("old-sent-mail", t - 31 * DAY, t - 31 * DAY)
        mail("recent-sent-mail", t - 2 * DAY, t - 2 * DAY)
        mail("old-waiting-mail", None, t - 90 * DAY)  # never sent: never deleted

        rows["old-login"] = (LoginEvent, LoginEvent.create(member=member, kind="login",
                                                           created_at=t - 366 * DAY).id)
        rows["recent-login"] = (LoginEvent, LoginEvent.create(member=member, kind="login",
                                                              created_at=t - 300 * DAY).id)
        for label, touched, until in (("old-count", t - 2 * DAY, None),          # forgotten: goes
                                      ("old-lock-over", t - 2 * DAY, t - 2 * DAY),
                                      ("recent-count", t - dt.timedelta(hours=2), None),
                                      ("waiting-lock", t - 2 * DAY, t + dt.timedelta(minutes=5))):
            rows[label] = (LoginLock, LoginLock.create(account=f"member:{member.id}", network=label, failures=5,
                                                       updated_at=touched, locked_until=until).id)
        campaign = Campaign.create(code="RETAIN1", name="保存期間", target="register",
                                   valid_from=dt.date(2020, 1, 1))
        for label, age in (("old-visit", 400), ("recent-visit", 30)):
            rows[label] = (Visit, Visit.create(campaign=campaign, client="c", device="iPhone", browser="Safari",
                                               created_at=t - age * DAY).id)
        for label, age in (("old-chat", 400), ("recent-chat", 30)):
            rows[label] = (ChatLog, ChatLog.create(question_masked="［氏名］さんの住所変更", kind="handoff",
                                                   created_at=t - age * DAY).id)
        database.close()
    return rows


GONE = {"stale-provisional", "stale-provisional link", "old-completed", "old-completed link", "old-otp",
        "old-reset", "used-reset", "long-revoked-device", "old-sent-mail", "old-login", "old-visit",
        "old-chat", "old-count", "old-lock-over"}


def _exists(app, model, row_id) -> bool:
    from clickar.db import database

    with app.app_context():
        database.connect(reuse_if_open=True)
        found = model.select().where(model.id == row_id).exists()
        database.close()
    return found


def test_purge_deletes_what_is_past_its_age_and_keeps_the_rest(app, runner, aged):
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    gone = {label for label, (model, row_id) in aged.items() if not _exists(app, model, row_id)}
    assert gone == GONE
    assert "total" in result.output and "deleted 14" in result.output


def test_dry_run_counts_without_deleting(app, runner, aged):
    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0 and "would delete 14" in result.output
    assert all(_exists(app, model, row_id) for model, row_id in aged.values())


def test_ages_are_options(app, runner, aged):
    runner.invoke(args=["purge", "--visit-days", "10", "--login-history-days", "100"])
    assert not _exists(app, *aged["recent-visit"])
    assert not _exists(app, *aged["recent-login"])
    assert _exists(app, *aged["recent-chat"])


def test_the_mail_worker_purges_when_asked(app, aged, smtp):
    from clickar import mail
    from clickar.db import database

    with app.app_context():
        totals = mail.run_worker(f"smtp://127.0.0.1:{smtp.port}", "noreply@example.jp", interval=0.05,
                                 max_seconds=0.5, purge_every=0.01)
        database.close()
    assert totals["purges"] >= 1
    assert not _exists(app, *aged["old-visit"])
    assert _exists(app, *aged["old-waiting-mail"])  # sent now by the worker, not deleted
