"""Renewal fixtures: the demo group, conditions and illustrative rates, and a
logged-in member with RenewalActions that walk the six steps with the client."""
from __future__ import annotations

import pytest
from renewal_support import TARO_CAR, RenewalActions, member_with, sign_in

from clickar.db import database
from clickar.renewal import demo


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
