"""Telephone numbers (policy rule 6).

The comparison key of a Japanese number is its domestic form, digits only
("0312345678"); a number of another country is its E.164 form ("+12125550100").
`phone_key` computes it without parsing metadata, so a match stays cheap;
`normalise_phone` is the same key, validated by `phonenumbers` (forms and the
contract side use it).  tests/matching check that the two agree on every
number `phonenumbers` accepts.
"""

from __future__ import annotations

import re

from .text import HYPHENS, nfkc

__all__ = ["phone_key", "normalise_phone"]

# What may appear in a telephone number as typed (after NFKC).
_PHONE_CHARS = re.compile(r"[0-9+()\s." + re.escape(HYPHENS) + r"]+")
_NOT_DIGIT = re.compile(r"[^0-9+]")


def phone_key(text: object) -> str | None:
    """Comparison key: 0AAAABBBBB for Japan, +CC… for other countries, None
    for anything that is not a whole number with its area code."""
    s = nfkc(text).strip()
    if not s or len(s) > 40 or not _PHONE_CHARS.fullmatch(s):
        return None
    d = _NOT_DIGIT.sub("", s)
    if "+" in d[1:]:
        return None
    if d.startswith("+"):
        intl = d[1:]
    elif d.startswith("010"):  # Japan's international call prefix
        intl = d[3:]
    elif d.startswith("00"):  # 0081… as dialled from abroad
        intl = d[2:]
    elif d.startswith("0"):
        # Domestic: trunk prefix 0, then 9 or 10 digits (area code included).
        return d if 10 <= len(d) <= 11 else None
    else:
        return None  # no trunk prefix: a number without its area code
    if intl.startswith("81"):
        rest = intl[2:]
        if rest.startswith("0"):  # +81 (0)3 …
            rest = rest[1:]
        if not rest.isdigit() or not 9 <= len(rest) <= 10 or rest.startswith("0"):
            return None
        return "0" + rest
    if not intl.isdigit() or not 7 <= len(intl) <= 15 or intl.startswith("0"):
        return None
    return _foreign_key(intl)


def _foreign_key(intl: str) -> str | None:
    """E.164 of a valid number of another country (its national trunk 0
    dropped: +44 (0)20 … = +4420 …), stable when parsed again."""
    import phonenumbers

    text = "+" + intl
    for _ in range(3):
        try:
            n = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(n):
            return None
        e164 = phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
        if e164 == text:
            return e164
        text = e164
    return None


def normalise_phone(text: object) -> str | None:
    """Domestic digits for a valid Japanese number (E.164 for another
    country), None when `phonenumbers` does not accept it as a valid number."""
    import phonenumbers

    key = phone_key(text)
    if key is None or key.startswith("+"):
        return key  # another country's number is validated by phone_key
    try:
        n = phonenumbers.parse(key, "JP")
    except phonenumbers.NumberParseException:
        return None
    if n.country_code != 81 or not phonenumbers.is_valid_number(n):
        return None
    return "0" + str(n.national_number)


def display_phone(text: object) -> str:
    """How 確認 shows a number: half-width, grouped the Japanese way
    ("０６－６１２３－４５６７" → "06-6123-4567"); a number `phonenumbers`
    cannot group keeps the typed groups joined by "-"."""
    import phonenumbers

    key = phone_key(text)
    if key is not None:
        try:
            n = phonenumbers.parse(key, "JP")
        except phonenumbers.NumberParseException:
            n = None
        if n is not None and phonenumbers.is_valid_number(n):
            if n.country_code == 81:
                return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.NATIONAL)
            return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return "-".join(re.findall(r"[0-9]+", nfkc(text)))
