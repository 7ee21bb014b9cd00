"""The base of every model: the one clock (naive UTC), token hashes, JSON columns."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from peewee import (
    Model,
    TextField,
)

from ..db import database

__all__ = ["BaseModel", "JSONField", "now", "token_hash"]


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
