"""A tap that failed half-way (flyer day: a database backend terminated, a worker gone) and is
tapped again must not end in 「画面の有効期限が切れました」: the failed answer leaves the browser's
session as it was, so the retry meets the state the database really holds."""
from __future__ import annotations

import re

import peewee

from demo_people import PERSON

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def test_hontouroku_tapped_again_after_the_database_failed_half_way_leads_to_login(
        actions, client, monkeypatch):
    path = actions.register_until_sent()
    token = CSRF.search(client.get(path).get_data(as_text=True)).group(1)

    from clickar.auth import account

    def backend_terminated(*args, **kwargs):  # the member is committed; the next write fails
        raise peewee.OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(account, "record", backend_terminated)
    failed = client.post(path, data={"csrf_token": token, "password": PERSON["password"]})
    assert failed.status_code == 503
    assert "メンテナンス中" in failed.get_data(as_text=True)

    monkeypatch.undo()
    again = client.post(path, data={"csrf_token": token, "password": PERSON["password"]})
    page = again.get_data(as_text=True)
    assert "画面の有効期限が切れました" not in page
    assert again.status_code == 404
    assert "本登録がお済みの方はログインしてください" in page
    assert 'href="/mypage/login"' in page

