"""Helpers and fixtures for the renewal and My Page tests (tests/renewal/, tests/mypage/):
both conftest.py files import the fixtures from here."""
from __future__ import annotations

import datetime as dt
import re

from functools import lru_cache

import pytest

from clickar.auth.passwords import hash_password
from clickar.db import database
from clickar.models import Contract, Member, MemberContract
from clickar.renewal import demo
from clickar import jp

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
TARO_CAR = "SJ24000101"      # プリウス, 15等級 → 16, family / 35 / general 5-10 / commute / 10000
TARO_SECOND = "SJ24000102"   # N-BOX (Taro's too, not linked at registration)
HANAKO_CAR = "SJ24000201"


def also_on_postgres(test):
    """Run this test on PostgreSQL too (see _postgresql_where_it_matters below)."""
    test.also_on_postgres = True
    return test


def set_insurance_end(app, policy_number: str, end: dt.date) -> None:
    with app.app_context():
        database.connect(reuse_if_open=True)
        (Contract
         .update(insurance_end=end, insurance_start=end.replace(year=end.year - 1))
         .where(Contract.policy_number == policy_number)
         .execute())
        database.close()


def days_from_today(days: int) -> dt.date:
    return jp.today() + dt.timedelta(days=days)


class RenewalActions:
    """The member's side of 更新のお手続き, one method per step (flaskr's AuthActions habit)."""

    def __init__(self, client, policy_number=TARO_CAR):
        self.client = client
        self.policy_number = policy_number
        self._csrf = None

    @property
    def base(self) -> str:
        return f"/mypage/contracts/{self.policy_number}/renewal"

    def csrf(self) -> str:
        """The session's CSRF token (valid as long as the session; fetched once)."""
        if self._csrf is None:
            page = self.client.get("/mypage/").get_data(as_text=True)
            match = CSRF.search(page)
            assert match, "not logged in?"
            self._csrf = match.group(1)
        return self._csrf

    def post(self, path: str, data=None, htmx=False, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf())
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.post(path, data=data, headers=headers, **kwargs)

    def get(self, path: str, htmx=False):
        return self.client.get(path, headers={"HX-Request": "true"} if htmx else {})

    # the steps
    def contract(self, htmx=False):
        return self.post(f"{self.base}/contract", htmx=htmx)

    def options(self, htmx=False, action="next", **changes):
        data = {"driver_scope": "family", "driver_age": "35", "vehicle": "general", "deductible": "5-10",
                "purpose": "commute", "mileage": "10000", "action": action}
        data.update(changes)
        return self.post(f"{self.base}/options", {k: v for k, v in data.items() if v is not None}, htmx=htmx)

    def quote(self, **changes):
        data = {"driver_scope": "family", "driver_age": "35", "vehicle": "general", "deductible": "5-10",
                "purpose": "commute", "mileage": "10000"}
        data.update(changes)
        return self.post(f"{self.base}/options/quote", data, htmx=True)

    def premium(self, htmx=False):
        return self.post(f"{self.base}/premium", htmx=htmx)

    def disclosure(self, read=True, intent=True, htmx=False):
        data = {}
        if read:
            data["read_disclosure"] = "y"
        if intent:
            data["intent_confirmed"] = "y"
        return self.post(f"{self.base}/disclosure", data, htmx=htmx)

    def confirm(self, htmx=False, csrf_token=None):
        data = {"csrf_token": csrf_token} if csrf_token else None
        return self.post(f"{self.base}/review", data, htmx=htmx)

    def until_review(self, **changes):
        assert self.contract().status_code == 303
        r = self.options(**changes)
        assert r.status_code == 303, r.get_data(as_text=True)
        assert self.premium().status_code == 303
        assert self.disclosure().status_code == 303

    def renew(self, **changes) -> str:
        """Steps 1–5; returns the 受付番号 shown on 完了."""
        self.until_review(**changes)
        r = self.confirm()
        assert r.status_code == 303, r.get_data(as_text=True)
        done = self.client.get(r.headers["Location"])
        return receipt_number(done.get_data(as_text=True))


def receipt_number(html: str) -> str:
    match = re.search(r'id="receipt-number">(R\d{6}-[A-Z0-9]{6})<', html)
    assert match, html
    return match.group(1)


PASSWORD = "Clickar2026"


@lru_cache(maxsize=None)
def _password_hash(password: str) -> str:
    return hash_password(password)


def member_with(app, email: str, *policy_numbers: str, password: str = PASSWORD) -> int:
    """A registered member (本登録 done) linked to these contracts; returns the id."""
    with app.app_context():
        database.connect(reuse_if_open=True)
        member = Member.create(email=email, password_hash=_password_hash(password))
        for number in policy_numbers:
            MemberContract.create(member=member, contract=Contract.by_policy_number(number))
        member_id, version = member.id, member.session_version
        database.close()
    return member_id, version


def sign_in(client, member) -> None:
    """Log this client in as the member without the mail round trip (login itself is auth's to test)."""
    member_id, version = member
    with client.session_transaction() as session:
        session["_user_id"] = f"{member_id}:{version}"
        session["_fresh"] = True


def in_app(app, func):
    """func() inside the app's context with the database connected."""
    with app.app_context():
        database.connect(reuse_if_open=True)
        try:
            return func()
        finally:
            database.close()


# ------------------------------------------------------------------ fixtures

@pytest.fixture(autouse=True)
def _postgresql_where_it_matters(request):
    """Every test runs on SQLite; on PostgreSQL only what depends on the database:
    modules with ALSO_ON_POSTGRES = True (one renewal per term under concurrent
    submits) and tests decorated @also_on_postgres (cancellation, export round
    trip, imports, links, 退会). The per-test PostgreSQL reset costs ~1.5 s and
    the other tests are database-neutral."""
    callspec = getattr(request.node, "callspec", None)
    if (callspec is not None and callspec.params.get("database_url") == "postgres"
            and not getattr(request.module, "ALSO_ON_POSTGRES", False)
            and not getattr(request.function, "also_on_postgres", False)):
        pytest.skip("database-neutral: covered on SQLite")


@pytest.fixture
def seeded(app):
    """The app with the renewal demo data (group plan, conditions, illustrative rates)."""
    with app.app_context():
        database.connect(reuse_if_open=True)
        demo.seed()
        database.close()
    return app


@pytest.fixture
def taro_id(seeded):
    return member_with(seeded, "taro@example.jp", TARO_CAR)


@pytest.fixture
def taro(taro_id, client):
    """山田 太郎, a member with his プリウス, logged in."""
    sign_in(client, taro_id)
    return RenewalActions(client)
