"""The contract the matching tests type against, and how they type.

Imported by the test modules (`from matching_support import …`)."""

from __future__ import annotations

from clickar.matching import contract_normal_form, identity_matches, matches

# As it comes from the insurer's CSV.
CONTRACT = {
    "policy_number": "SJ24000101",
    "name": "山田 太郎",
    "name_kana": "ヤマダ タロウ",
    "birth_date": "1980-04-01",
    "postal_code": "160-0023",
    "address": "東京都新宿区西新宿二丁目8番1号 新宿ビル1203号室",
    "phone": "03-1234-5678",
    "phone2": "090-1111-2222",
}

# What the person types when everything is right, plainly.
ENTERED = {
    "name": "山田 太郎",
    "name_kana": "ヤマダ タロウ",
    "birth_date": "1980-04-01",
    "postal_code": "160-0023",
    "address": "東京都新宿区西新宿2-8-1",
    "phone": "03-1234-5678",
}


def person_matches(contract: dict | None = None, **typed) -> bool:
    """Does the base person, with `typed` fields changed, match the contract
    (the base contract, or it with `contract` fields changed)?"""
    return identity_matches({**CONTRACT, **(contract or {})}, {**ENTERED, **typed})


def both_ways(a: dict, b: dict) -> bool:
    """a typed against b's contract and b typed against a's contract."""
    return matches(contract_normal_form(a), b) and matches(contract_normal_form(b), a)
