"""取消: a submitted renewal can be cancelled until the renewal period closes, then renewed again."""
from __future__ import annotations

import datetime as dt

from renewal_support import also_on_postgres, TARO_CAR, days_from_today, receipt_number

from clickar.db import database
from clickar.models import Contract, Renewal
from clickar.renewal import wizard



def cancel(taro, number, htmx=False):
    return taro.post(f"{taro.base}/receipts/{number}/cancel", htmx=htmx)


@also_on_postgres
def test_cancelling_asks_first_then_mails_both_and_reopens_the_renewal(seeded, taro, client, mailbox):
    number = taro.renew()
    confirm = client.get(f"{taro.base}/receipts/{number}/cancel").get_data(as_text=True)
    assert "この更新のお手続きを取り消しますか？" in confirm and ">取り消す</button>" in confirm
    with seeded.app_context():  # the confirmation page changed nothing
        database.connect(reuse_if_open=True)
        assert Renewal.get(Renewal.receipt_number == number).cancelled_at is None
        database.close()
    r = cancel(taro, number)
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/receipts/{number}")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "このお手続きは取り消されています。" in page and "取消済み" in page
    assert number in mailbox.last_body("taro@example.jp", "更新手続き取消のご連絡")
    assert number in mailbox.last_body("agency@example.jp", "更新手続き取消")
    assert "更新手続き受付中" in client.get("/mypage/").get_data(as_text=True)
    # the customer may renew again: a new receipt, the cancelled one stays as history
    again = taro.renew(driver_age="26")
    assert again != number
    detail = client.get(f"/mypage/contracts/{TARO_CAR}/").get_data(as_text=True)
    assert number in detail and again in detail and "取消済み" in detail


@also_on_postgres
def test_cancelling_twice_is_harmless(seeded, taro, mailbox):
    number = taro.renew()
    assert cancel(taro, number).status_code == 303
    assert cancel(taro, number).status_code == 303
    assert len(mailbox.wait_for("taro@example.jp", "更新手続き取消のご連絡", timeout=1, count=2)) == 1


def test_after_the_period_closes_a_renewal_cannot_be_cancelled_on_the_web(seeded, taro, client):
    number = taro.renew()
    # the insurer's calendar moves on: the same term now ends in 10 days (window closed)
    with seeded.app_context():
        database.connect(reuse_if_open=True)
        row = Renewal.get(Renewal.receipt_number == number)
        end = days_from_today(10)
        Contract.update(insurance_end=end).where(Contract.policy_number == TARO_CAR).execute()
        Renewal.update(term_start=end).where(Renewal.id == row.id).execute()
        database.close()
    page = client.get(f"{taro.base}/receipts/{number}").get_data(as_text=True)
    assert "このお手続きを取り消す" not in page
    assert "WEBでは取り消しできません" in page
    assert client.get(f"{taro.base}/receipts/{number}/cancel").status_code == 303
    r = cancel(taro, number)
    assert r.status_code == 422
    assert "受付期間が終了したため" in r.get_data(as_text=True)


def test_cancel_on_the_last_day_of_the_period_still_works(seeded, taro):
    number = taro.renew()
    with seeded.app_context():
        database.connect(reuse_if_open=True)
        row = Renewal.get(Renewal.receipt_number == number)
        last_day = row.contract.insurance_end - dt.timedelta(days=14)
        assert wizard.cancel(row, last_day, "損保ジャパン") is True
        database.close()


def test_another_contracts_receipt_is_not_found(seeded, taro, client):
    number = taro.renew()
    assert client.get(f"/mypage/contracts/SJ24000201/renewal/receipts/{number}").status_code == 404
    assert client.get(f"{taro.base}/receipts/R000000-AAAAAA").status_code == 404


def test_the_done_page_survives_a_reload_and_leads_to_the_receipt(seeded, taro, client):
    number = taro.renew()
    page = client.get(f"{taro.base}/done").get_data(as_text=True)
    assert receipt_number(page) == number
    assert f"/receipts/{number}" in page
