"""No response tells whether an e-mail address or a contract exists."""
from __future__ import annotations

import re

from demo_people import PERSON


def text(r) -> str:
    return r.get_data(as_text=True)


def summary(html: str) -> str:
    return html[html.index('class="error-summary"'):html.index("</ul>", html.index('class="error-summary"'))]


def test_login_enumeration_by_message_is_impossible(actions):
    actions.register()
    actions.post("/mypage/logout")
    known = actions.login(password="WrongPass1")
    unknown = actions.login(email="stranger@example.jp", password="WrongPass1")
    assert summary(text(known)) == summary(text(unknown))


def test_login_enumeration_by_status_code_is_impossible(actions):
    actions.register()
    actions.post("/mypage/logout")
    assert actions.login(password="WrongPass1").status_code == actions.login(email="x@example.jp").status_code == 422


def test_registration_enumeration_of_a_registered_contract_is_impossible(actions, client):
    actions.register()
    actions.post("/mypage/logout")
    actions.agree_to_terms()
    taken = actions.enter_info(email="other@example.jp")
    unknown = actions.enter_info(email="other@example.jp", **{"policy_numbers-0": "ZZ99999999"})
    assert taken.status_code == unknown.status_code == 422
    assert summary(text(taken)) == summary(text(unknown))


def test_registration_enumeration_of_a_registered_mail_address_is_impossible(actions, client):
    actions.register()
    actions.post("/mypage/logout")
    actions.agree_to_terms()
    taken = actions.enter_info(**{"policy_numbers-0": "SJ24000102"})
    free = actions.enter_info(email="free@example.jp", **{"policy_numbers-0": "SJ24000102"})
    assert taken.status_code == free.status_code == 303
    assert taken.headers["Location"] == free.headers["Location"]


def test_reset_enumeration_is_impossible(actions, client, mailbox, outbox):
    actions.register()
    actions.post("/mypage/logout")
    known = actions.post("/mypage/password/forgot", {"email": PERSON["email"]})
    unknown = actions.post("/mypage/password/forgot", {"email": "nobody@example.jp"})
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert mailbox.wait_for(PERSON["email"], "パスワード再設定")
    assert outbox("nobody@example.jp") == 0


def test_resend_answers_the_same_whatever_happened(actions, client):
    actions.register_until_sent()
    first = actions.post("/mypage/register/sent/resend")
    second = actions.post("/mypage/register/sent/resend")
    assert first.status_code == second.status_code == 303
    assert re.sub(r"resent=\w+", "", first.headers["Location"]) == re.sub(r"resent=\w+", "", second.headers["Location"])


def test_unknown_and_used_verification_links_read_the_same(actions, client):
    path = actions.register_until_sent()
    actions.verify(path)
    actions.post("/mypage/logout")
    used = client.get(path)
    unknown = client.get("/mypage/register/verify/" + "x" * 43)
    assert used.status_code == unknown.status_code == 404
    assert text(used).split("<main")[1] == text(unknown).split("<main")[1]
