"""One renewal per contract and term: double submit, two tabs, two devices, concurrent threads.

Threads run against every `app` database: SQLite always, PostgreSQL too when
CLICKAR_TEST_POSTGRES_URL is set.
"""
from __future__ import annotations

import threading

import pytest
from peewee import IntegrityError
from renewal_support import RenewalActions, receipt_number, sign_in

from clickar.db import database
from clickar.models import OutboxMail, Renewal

ALSO_ON_POSTGRES = True


def renewals(app) -> list[Renewal]:
    with app.app_context():
        database.connect(reuse_if_open=True)
        rows = list(Renewal.select().where(Renewal.cancelled_at.is_null()))
        database.close()
    return rows


def mails(app, kind_prefix="renewal_accepted") -> int:
    with app.app_context():
        database.connect(reuse_if_open=True)
        n = OutboxMail.select().where(OutboxMail.kind.startswith(kind_prefix)).count()
        database.close()
    return n


def test_a_double_submit_makes_one_renewal_and_shows_the_same_receipt(seeded, taro, client):
    taro.until_review()
    first = taro.confirm()
    second = taro.confirm()
    assert first.status_code == second.status_code == 303
    one = receipt_number(client.get(first.headers["Location"]).get_data(as_text=True))
    two_page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert receipt_number(two_page) == one
    assert "すでに受け付けています" in two_page
    assert len(renewals(seeded)) == 1
    assert mails(seeded) == 2  # member + agency, once


def test_two_tabs_end_with_one_renewal(seeded, taro, client, app):
    taro.until_review()
    # the second tab shares the session cookie: copy it into another client
    other = app.test_client()
    other.set_cookie("__Host-clickar_session", client.get_cookie("__Host-clickar_session").value)
    tab2 = RenewalActions(other)
    number = receipt_number(client.get(taro.confirm().headers["Location"]).get_data(as_text=True))
    r = tab2.confirm()
    assert r.status_code == 303
    assert receipt_number(other.get(r.headers["Location"]).get_data(as_text=True)) == number
    assert len(renewals(seeded)) == 1


def test_a_second_device_sees_the_renewal_instead_of_the_steps(seeded, taro, taro_id, app):
    phone = app.test_client()
    sign_in(phone, taro_id)
    on_phone = RenewalActions(phone)
    on_phone.until_review()
    number = taro.renew()
    # the phone, mid-way, is shown the receipt instead of a step…
    r = phone.get(f"{on_phone.base}/review")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/receipts/{number}")
    # …and its 確定 ends on the same renewal
    r = on_phone.confirm()
    page = phone.get(r.headers["Location"]).get_data(as_text=True)
    assert receipt_number(page) == number
    assert len(renewals(seeded)) == 1


@pytest.mark.parametrize("devices", [4])
def test_concurrent_submits_from_several_devices_make_one_renewal(seeded, taro_id, app, devices):
    clients = []
    for _ in range(devices):
        c = app.test_client()
        sign_in(c, taro_id)
        a = RenewalActions(c)
        a.until_review()
        a.csrf()
        clients.append(a)
    barrier = threading.Barrier(devices)
    results = [None] * devices

    def submit(i):
        barrier.wait()
        results[i] = clients[i].confirm()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(devices)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert all(r is not None and r.status_code == 303 for r in results), [getattr(r, "status_code", r) for r in results]
    numbers = {receipt_number(c.client.get(r.headers["Location"]).get_data(as_text=True))
               for c, r in zip(clients, results)}
    assert len(numbers) == 1
    assert len(renewals(seeded)) == 1
    assert mails(seeded) == 2


def test_the_database_refuses_a_second_live_renewal_for_the_same_term(seeded, taro):
    number = taro.renew()

    with seeded.app_context():
        database.connect(reuse_if_open=True)
        row = Renewal.get(Renewal.receipt_number == number)
        data = {k: getattr(row, k) for k in row._meta.fields if k not in ("id", "receipt_number")}
        data["contract"] = row.contract_id
        data["member"] = row.member_id
        data["rate_table"] = row.rate_table_id
        with pytest.raises(IntegrityError):
            with database.atomic():
                Renewal.create(receipt_number="R000000-XXXXXX", **data)
        database.close()
