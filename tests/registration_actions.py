"""RegistrationActions: walks the flyer's steps with the Flask test client (flaskr's AuthActions habit)."""
from __future__ import annotations

import re

from demo_people import PERSON

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


class RegistrationActions:
    """Walks the flyer's steps with the test client (flaskr's AuthActions habit)."""

    def __init__(self, client, mailbox):
        self.client = client
        self.mailbox = mailbox

    def csrf(self, path="/mypage/register/") -> str:
        page = self.client.get(path).get_data(as_text=True)
        match = CSRF.search(page)
        assert match, f"no csrf token on {path}"
        return match.group(1)

    def post(self, path, data=None, htmx=False, headers=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf())
        headers = dict(headers or {})
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(path, data=data, headers=headers, **kwargs)

    def agree_to_terms(self):
        return self.post("/mypage/register/terms", {"agree": "y"})

    def enter_info(self, person=None, **changes):
        data = {**(person or PERSON), **changes}
        return self.post("/mypage/register/info", {k: v for k, v in data.items() if v is not None})

    def confirm(self):
        return self.post("/mypage/register/confirm")

    def verification_url(self, email=PERSON["email"]) -> str:
        body = self.mailbox.last_body(email, "仮登録")
        match = re.search(r"http://localhost(/mypage/register/verify/[A-Za-z0-9_\-]+)", body)
        assert match, body
        return match.group(1)

    def register_until_sent(self, person=None):
        person = person or PERSON
        assert self.agree_to_terms().status_code == 303
        r = self.enter_info(person)
        assert r.status_code == 303, r.get_data(as_text=True)
        assert self.confirm().status_code == 303
        return self.verification_url(person["email"])

    def verify(self, path, password=PERSON["password"], trust=False):
        data = {"password": password}
        if trust:
            data["trust_device"] = "y"
        return self.post(path, data)

    def register(self, person=None, trust=False):
        person = person or PERSON
        path = self.register_until_sent(person)
        r = self.verify(path, person["password"], trust)
        assert r.status_code == 303, r.get_data(as_text=True)
        return r

    def login(self, email=PERSON["email"], password=PERSON["password"], **kwargs):
        """kwargs go to the test client (environ_base={"REMOTE_ADDR": ...} for another network)."""
        return self.post("/mypage/login", {"email": email, "password": password}, **kwargs)

    def registered_and_asked_for_a_code(self) -> str:
        """Register, log out, log in again from this (untrusted) browser: the mailed code."""
        self.register()
        self.post("/mypage/logout")
        self.login()
        return self.otp_code()

    def otp_code(self, email=PERSON["email"], count=1) -> str:
        mails = self.mailbox.wait_for(email, "ワンタイムパスワード", count=count)
        assert len(mails) >= count
        body = mails[-1].get_body(preferencelist=("plain",)).get_content()
        return re.search(r"ワンタイムパスワード：(\d{6})", body).group(1)
