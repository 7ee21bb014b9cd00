"""The one identity check: do these 証券番号 name contracts of the person who typed these details?

Registration (次へ, 確定) and My Page's ご契約の追加 ask the same question:
every contract exists, has no member yet, and its holder matches the four
fields 氏名・住所・生年月日・電話番号 (フリガナ too when both sides give it;
clickar.matching). It is rate-limited per client and per policy number, whether
or not the number exists, and a miss is one message that never says which field
or which rule failed. No `request`: callers hand in what was typed (the counting goes
through auth.limits, so it reads the app's rule table and needs an app context).
"""
from __future__ import annotations

import re

from . import jp, matching
from .auth import limits
from .models import Contract

# What a person types about themselves, in the form's order.
IDENTITY_FIELDS = ("name", "name_kana", "birth_date", "postal_code", "address", "phone")

MAX_CONTRACTS = 5  # one member, at most five contracts (the flyer's 最大5契約)

# 証券番号 after normalise_policy_number: half-width capital letters and digits, this many.
# The one home of the rule: the forms and the contracts import use it. Log masking (ops.masking)
# is a detector of the insurer's 8-12 character numbers in free text, not this validator.
POLICY_NUMBER_MIN, POLICY_NUMBER_MAX = 6, 20
POLICY_NUMBER = re.compile(rf"[A-Z0-9]{{{POLICY_NUMBER_MIN},{POLICY_NUMBER_MAX}}}")
POLICY_NUMBER_PROBLEM = f"証券番号は半角英数字（{POLICY_NUMBER_MIN}〜{POLICY_NUMBER_MAX}文字）で入力してください。"

MISMATCH = ("入力された情報とご契約情報が一致しないため、登録できません。"
            "証券番号・氏名・住所・生年月日・電話番号をご確認ください。")
MISMATCH_ADD = MISMATCH.replace("登録できません", "追加できません")  # My Page: ご契約の追加


class Mismatch(Exception):
    """The details do not name free contracts of this person (never says why)."""


def normalise_policy_number(value: str | None) -> str:
    """' sj-2400 0101 ' → 'SJ24000101': NFKC, no spaces or hyphens, capitals."""
    return re.sub(r"[\s\-‐－ー]", "", jp.nfkc(value)).upper()


def is_policy_number(value: str) -> bool:
    return POLICY_NUMBER.fullmatch(value) is not None


def entered(profile: dict) -> dict:
    """The identity fields of what was typed ('' for a missing one)."""
    return {k: profile.get(k, "") for k in IDENTITY_FIELDS}


def check(profile: dict, policy_numbers: list[str], client_key: str | None = None) -> None:
    """Every contract must exist, be free and match; raise Mismatch otherwise.

    Counted first (one Redis round trip): the client, and every policy number.
    """
    count(policy_numbers, client_key)
    match(profile, policy_numbers)


def count(policy_numbers: list[str], client_key: str | None = None,
          also: list[tuple[str, str]] | tuple = ()) -> None:
    """Count one identity check against its limits; raise auth.limits.Limited when one is used up.

    One Redis round trip for all of them: `also` (the caller's own events, such as the route's
    per-client limit, counted and refused first), the client, and every policy number."""
    events = list(also) + ([("identity-client", client_key)] if client_key is not None else [])
    limits.hit_all(events + [("identity-policy", number) for number in policy_numbers])


def match(profile: dict, policy_numbers: list[str]) -> None:
    """The check itself, uncounted (count() first): raise Mismatch unless every contract matches."""
    typed = entered(profile)
    found = {number: (match_form, link)
             for number, match_form, link in Contract.identity_check_rows(policy_numbers)}
    for number in policy_numbers:
        match_form, link = found.get(number, (None, None))
        if match_form is None or link is not None or not matching.matches(match_form, typed):
            raise Mismatch()  # unknown, a member's already (at most one member a contract), or not theirs
