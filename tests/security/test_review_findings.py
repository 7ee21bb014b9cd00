"""Issue 18's last review: what an attacker who did not write the fixes found.

Each test failed on main before its fix (the commit says so); docs/SECURITY.md §6
lists each finding with its severity, and what was checked and found sound.
"""
from __future__ import annotations

import pytest

from demo_people import PERSON


def text(r) -> str:
    return r.get_data(as_text=True)


# ------------------------------------- R1. next= with a line break: a 500 after login

@pytest.mark.parametrize("htmx", [False, True])
def test_a_login_link_with_a_line_break_in_next_still_signs_in(actions, client, htmx):
    """A crafted link /mypage/login?next=/mypage/%0d%0a… made the sign-in end in a 500
    (the header refused the newline) after the member had typed password and code."""
    actions.register(trust=True)
    actions.post("/mypage/logout")
    client.get("/mypage/login", query_string={"next": "/mypage/\r\nSet-Cookie: x=1"})
    response = actions.login(htmx=htmx)
    assert response.status_code in (200, 303), text(response)
    target = response.headers.get("HX-Redirect") or response.headers.get("Location")
    assert target == "/mypage/"
    assert client.get("/mypage/").status_code == 200


def test_a_staff_login_with_a_line_break_in_next_goes_to_the_console(app, actions, client):
    from clickar.staff.accounts import create_staff

    with app.app_context():
        create_staff("staff@example.jp", "staff-password-1", "marketing")
    response = actions.post("/staff/login", {"email": "staff@example.jp", "password": "staff-password-1",
                                             "next": "/staff/\r\nX-Evil: 1"}, htmx=True)
    assert response.status_code == 200, text(response)
    assert response.headers["HX-Redirect"] == "/staff/campaigns/"


def test_a_next_path_with_other_characters_arrives_as_a_valid_header(actions, client):
    actions.register(trust=True)
    actions.post("/mypage/logout")
    client.get("/mypage/login", query_string={"next": "/mypage/お知らせ"})
    response = actions.login(htmx=True)
    assert response.headers["HX-Redirect"] == "/mypage/%E3%81%8A%E7%9F%A5%E3%82%89%E3%81%9B"
    assert response.headers["HX-Redirect"].isascii()
