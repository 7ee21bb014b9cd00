"""Japanese identity matching: does what a person typed name the contract's
holder?  Pure functions, no Flask, no database.

The contract side is normalised once, at import (`contract_normal_form`, a
JSON-serialisable dict stored with the contract); a check is then
`matches(normal_form, entered)`: 氏名・住所 (with 郵便番号)・生年月日・電話番号
must all match, フリガナ too when both sides give it.  The answer is one
boolean: it never says which field differed.

The policy is issue 4; each rule lives in one module:
text (1 NFKC/hyphens, 3 names, 4 kana) · address (2) · dates (5) · phone (6).
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Iterable, Iterator, Mapping

from .address import address_form, address_matches, normalise_address
from .dates import birth_date_key, era_date_text, era_year_text, parse_birth_date, parse_year
from .phone import normalise_phone, phone_key
from .postal import lookup_postal_code, normalise_postal_code, postal_addresses
from .text import normalise_kana, normalise_name

__all__ = [
    "NORMAL_FORM_VERSION",
    "contract_normal_form",
    "matches",
    "identity_matches",
    "parse_birth_date",
    "parse_year",
    "era_year_text",
    "era_date_text",
    "normalise_name",
    "normalise_kana",
    "normalise_address",
    "normalise_phone",
    "normalise_postal_code",
    "lookup_postal_code",
    "postal_addresses",
    "match_check_lines",
]

# Bump when the shape or the meaning of a normal form changes; stored forms
# of an older version must be recomputed (`contracts import` does it).
NORMAL_FORM_VERSION = 1


def _get(fields: Mapping, key: str) -> object:
    try:
        value = fields.get(key)
    except AttributeError:  # not a mapping at all
        return ""
    return "" if value is None else value


def contract_normal_form(contract: Mapping[str, str]) -> dict:
    """Precompute what `matches` compares, from contract fields named as the
    CSV columns.  A field that cannot be normalised is stored as None and then
    never matches (a contract with an unusable birth date is matched by no one)."""
    phones = []
    for column in ("phone", "phone2"):
        key = phone_key(_get(contract, column))
        if key and key not in phones:
            phones.append(key)
    return {
        "v": NORMAL_FORM_VERSION,
        "name": normalise_name(_get(contract, "name")),
        "kana": normalise_kana(_get(contract, "name_kana")),
        "birth_date": birth_date_key(_get(contract, "birth_date")),
        "postal_code": normalise_postal_code(_get(contract, "postal_code")),
        "address": address_form(_get(contract, "address")),
        "phones": phones,
    }


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def matches(normal_form: dict, entered: Mapping[str, object]) -> bool:
    """True when the entered 氏名・住所・郵便番号・生年月日・電話番号 (and フリガナ,
    when both sides give it) all match the contract's precomputed normal form.

    `entered["birth_date"]` may be the text as typed or a datetime.date.
    Every field is evaluated, whatever the first result, so the cost does not
    depend on which field differs.
    """
    if normal_form.get("v") != NORMAL_FORM_VERSION:
        raise ValueError(
            f"normal form version {normal_form.get('v')!r} is not {NORMAL_FORM_VERSION}; "
            "recompute it with contract_normal_form()"
        )
    name = normalise_name(_get(entered, "name"))
    ok_name = name is not None and name == normal_form["name"]

    raw_kana = _get(entered, "name_kana")
    ok_kana = True
    if not _blank(raw_kana) and normal_form["kana"] is not None:
        ok_kana = normalise_kana(raw_kana) == normal_form["kana"]

    born = birth_date_key(_get(entered, "birth_date"))
    ok_born = born is not None and born == normal_form["birth_date"]

    postal = normalise_postal_code(_get(entered, "postal_code"))
    ok_postal = postal is not None and postal == normal_form["postal_code"]
    ok_address = address_matches(normal_form["address"], _get(entered, "address"))

    phone = phone_key(_get(entered, "phone"))
    ok_phone = phone is not None and phone in normal_form["phones"]

    return ok_name & ok_kana & ok_born & ok_postal & ok_address & ok_phone


def identity_matches(contract: Mapping[str, object], entered: Mapping[str, object]) -> bool:
    """`matches(contract_normal_form(contract), entered)`."""
    return matches(contract_normal_form(contract), entered)


def _json_default(value: object) -> str:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    raise TypeError


def match_check_lines(lines: Iterable[str]) -> Iterator[str]:
    """`contracts match-check`: one JSON case per line in, one line out.

    In:  {"id": …, "contract": {…CSV columns…}, "entered": {…}}
    Out: {"id": …, "match": true|false}   (compact, UTF-8 as is)
    Blank lines are skipped; a line that is not such a case answers false
    (with "id": null when it has none).  Never raises."""
    for line in lines:
        if isinstance(line, bytes):
            line = line.decode("utf-8", "replace")
        if not line.strip():
            continue
        case_id = None
        result = False
        try:
            case = json.loads(line.lstrip("\ufeff"))
            if isinstance(case, dict):
                case_id = case.get("id")
                contract, entered = case.get("contract"), case.get("entered")
                if isinstance(contract, dict) and isinstance(entered, dict):
                    result = identity_matches(contract, entered)
        except Exception:  # a bad case is a non-match, never a crash
            result = False
        try:
            out = json.dumps({"id": case_id, "match": result}, ensure_ascii=False,
                             separators=(",", ":"), default=_json_default)
        except (TypeError, ValueError):
            out = json.dumps({"id": None, "match": False}, separators=(",", ":"))
        yield out
