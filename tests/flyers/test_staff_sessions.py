"""Issue 18 item 7: staff sessions end at logout everywhere, last 12 hours at most,
and the staff login waits after wrong passwords like the members' one.

Each test failed on main before the fix (see the commit message).
"""
from __future__ import annotations

import time

from flyer_support import STAFF_PASSWORD

SESSION = "__Host-clickar_session"


def test_logout_ends_a_copied_staff_cookie(staff, client):
    staff.login()
    copy = client.get_cookie(SESSION).value
    staff.post("/staff/logout")
    client.set_cookie(SESSION, copy)
    assert client.get("/staff/campaigns/").status_code == 303


def test_a_staff_session_lasts_twelve_hours_from_sign_in_however_busy(staff, client):
    staff.login()
    with client.session_transaction() as session:
        session["staff"] = dict(session["staff"], at=int(time.time()) - 11 * 3600)
    assert client.get("/staff/campaigns/").status_code == 200  # in use: fine, and not renewed
    with client.session_transaction() as session:
        assert session["staff"]["at"] <= int(time.time()) - 11 * 3600
        session["staff"] = dict(session["staff"], at=int(time.time()) - 12 * 3600 - 60)
    response = client.get("/staff/campaigns/")
    assert response.status_code == 303 and "/staff/login" in response.headers["Location"]


def test_wrong_staff_passwords_make_that_network_wait(staff, client, app):
    staff.account()
    for _ in range(5):
        wrong = staff.post("/staff/login", {"email": "marketing@example.jp", "password": "not-the-password"})
        assert wrong.status_code == 422
    right = {"email": "marketing@example.jp", "password": STAFF_PASSWORD}
    locked = staff.post("/staff/login", right)
    assert locked.status_code == 422 and "メールアドレスまたはパスワードが正しくありません。" in locked.get_data(as_text=True)
    elsewhere = staff.post("/staff/login", right, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert elsewhere.status_code == 303
