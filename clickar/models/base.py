"""The base of every model: the one clock (naive UTC), token hashes, JSON columns."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from peewee import (
    Model,
    TextField,
)

from ..db import database, prepared

__all__ = ["BaseModel", "JSONField", "cached_select", "now", "token_hash"]


def now() -> dt.datetime:
    """Naive UTC, the one clock every table uses."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class JSONField(TextField):
    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


# ------------------------------------------------------------ statements built once

# (database class, key, count of values) → SQL, or None when peewee's parameters did not come
# out as the values in order (then the query is built every time, as usual).
_STATEMENTS: dict[tuple, str | None] = {}
_INT_MARK = -(10 ** 15)


def _marks(values: list) -> list | None:
    marks = []
    for i, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            return None
        marks.append(_INT_MARK - i if isinstance(value, int) else f"\0mark{i}")
    return marks


def cached_select(key: str, build, values) -> list:
    """The model rows of `build(values)` (a SELECT whose parameters are exactly `values`, in
    order; ints and strings), with peewee building the SQL once per database, key and number
    of values: building a statement costs more CPU than PostgreSQL spends running these small
    ones (My Page top's four queries were a third of its CPU). The statement is built from
    markers and used only when its parameters are the markers in order."""
    values = list(values)
    k = (type(database.obj), key, len(values))
    if k not in _STATEMENTS:
        marks = _marks(values)
        if marks is None:  # a value that is not an int or a string: built as usual
            return list(build(values))
        query = build(marks)
        sql, params = query.sql()
        _STATEMENTS[k] = sql if params == marks else None
        _MODELS[k] = query.model
    sql = _STATEMENTS[k]
    if sql is None:
        return list(build(values))
    return list(_MODELS[k].raw(prepared(sql, len(values)), *values))


_MODELS: dict[tuple, type] = {}
