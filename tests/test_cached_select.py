"""cached_select: peewee builds a statement once per database, key and number of values; the
rows are always read afresh."""
from __future__ import annotations

from clickar.db import database
from clickar.models import Member
from clickar.models.base import cached_select


def test_the_statement_is_built_once_and_the_rows_read_every_time(app):
    built = []

    def build(ids):
        built.append(list(ids))
        return Member.select().where(Member.id.in_(ids)).order_by(Member.id)

    with app.app_context():
        database.connect(reuse_if_open=True)
        a = Member.create(email="a@example.jp", password_hash="x")
        b = Member.create(email="b@example.jp", password_hash="x")
        assert [m.email for m in cached_select("test-members", build, [a.id, b.id])] == ["a@example.jp", "b@example.jp"]
        Member.update(email="c@example.jp").where(Member.id == b.id).execute()
        rows = cached_select("test-members", build, [b.id, a.id])
        assert [m.email for m in rows] == ["a@example.jp", "c@example.jp"]
        assert rows[0].id == a.id and rows[0].created_at is not None  # columns converted as by select()
        assert len(built) == 1  # the second call reused the SQL
        assert [m.email for m in cached_select("test-members", build, [a.id])] == ["a@example.jp"]
        assert len(built) == 2  # another number of values: another statement


def test_a_query_whose_parameters_are_not_the_values_is_built_every_time(app):
    built = []

    def build(ids):  # LIMIT adds a parameter of its own: never cached
        built.append(1)
        return Member.select().where(Member.id == ids[0]).limit(1)

    with app.app_context():
        database.connect(reuse_if_open=True)
        a = Member.create(email="a@example.jp", password_hash="x")
        for _ in range(2):
            assert [m.email for m in cached_select("test-limit", build, [a.id])] == ["a@example.jp"]
        assert len(built) == 3  # the markers' build, then once per call
